package io.predictionrelay.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** Everything a run of {@link io.predictionrelay.PublishPredictions} can be told. */
public interface PublishOptions
    extends MessageOptions, TableOptions, KafkaClientOptions, OperationOptions {

  @Description(
      "Parquet input: files, directories (read recursively, Hive-style name=value directories as"
          + " partition columns; names starting with _ or . skipped) or globs, comma-separated;"
          + " local, hdfs://, s3://, s3a:// or gs://. A Delta table (a directory with _delta_log/) or an"
          + " Iceberg table (a Hadoop table's directory, or a metadata file) is read as its snapshot's"
          + " files, see --tableVersion and --tableTimestamp.")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("Where messages go: 'kafka', or 'files' for a dry run that writes JSON Lines.")
  @Default.Enum("KAFKA")
  Sink getSink();

  void setSink(Sink value);

  @Description("Kafka topic to publish to.")
  @Default.String("predictions")
  String getTopic();

  void setTopic(String value);

  @Description(
      "Extra or overriding Kafka producer properties: key=value[,key=value...], over those of"
          + " --kafkaConfigFile. Checked against the producer's own configuration definition. Not for"
          + " secrets: the command line is seen by ps and kept in shell histories.")
  @Default.String("")
  String getProducerConfig();

  void setProducerConfig(String value);

  @Description("Create the topic if it does not exist.")
  @Default.Boolean(true)
  boolean getCreateTopic();

  void setCreateTopic(boolean value);

  @Description("Partitions of a topic this run creates.")
  @Default.Integer(6)
  int getPartitions();

  void setPartitions(int value);

  @Description(
      "Replication factor of a topic this run creates (the topic and its runs topic); 0 (the default) is"
          + " the broker's default.replication.factor, so a topic on a replicated cluster is replicated.")
  @Default.Integer(0)
  int getReplicationFactor();

  void setReplicationFactor(int value);

  @Description(
      "Number of buckets G. 0 (the default) derives it from the row count in the Parquet footers:"
          + " ceil(rows / rowsPerBucket).")
  @Default.Integer(0)
  int getNumBuckets();

  void setNumBuckets(int value);

  @Description(
      "Average rows per bucket when numBuckets is derived. 0 (the default) means 200 x"
          + " maxPredictionsPerMessage, which leaves about 99.5% of messages full.")
  @Default.Integer(0)
  int getRowsPerBucket();

  void setRowsPerBucket(int value);

  @Description(
      "How rows are grouped into messages: 'bucket' (default: hash buckets, a shuffle, the same"
          + " messages whatever the runner's splits) or 'bundle' (consecutive rows of each input split,"
          + " no shuffle).")
  @Default.Enum("BUCKET")
  Grouping getGrouping();

  void setGrouping(Grouping value);

  @Description("Directory for dead letters: JSON Lines of rows that cannot be published, with why.")
  @Default.String("dead-letters")
  String getDeadLetterDir();

  void setDeadLetterDir(String value);

  @Description("Directory the 'files' sink writes messages to, as JSON Lines.")
  @Default.String("messages")
  String getOutputDir();

  void setOutputDir(String value);

  @Description(
      "Spark partitions of the read and of the bucket shuffle (spark.default.parallelism). 0 (the"
          + " default) derives it: two per core, and at least one per 50,000 rows, so that no task"
          + " holds more than about 20 MB of rows and a lost publishing task re-sends at most about"
          + " 5,000 messages. A value set by spark-submit or -D wins.")
  @Default.Integer(0)
  int getSparkPartitions();

  void setSparkPartitions(int value);

  @Description("Directory for the run report: a JSON file and a PNG chart of bucket sizes per run.")
  @Default.String("reports")
  String getReportDir();

  void setReportDir(String value);

  @Description("Seconds to wait for the Kafka cluster to answer before giving up at launch.")
  @Default.Integer(30)
  int getBrokerTimeoutSeconds();

  void setBrokerTimeoutSeconds(int value);
}
