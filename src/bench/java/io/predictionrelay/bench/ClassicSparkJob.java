package io.predictionrelay.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import io.predictionrelay.kafka.ProducerSettings;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What a user would write instead, the classic way: number every row with zipWithIndex, group by
 * {@code seq % G} with G = rows / 10, {@code to_json(collect_list(struct(*)))}, and write with
 * Spark's own Kafka sink, with the same producer settings as the pipeline.
 *
 * <pre>ClassicSparkJob INPUT_DIR BOOTSTRAP TOPIC</pre>
 */
public final class ClassicSparkJob {
  public static void main(String[] args) {
    String input = args[0];
    String bootstrap = args[1];
    String topic = args[2];
    SparkSession spark = SparkSession.builder()
        .appName("classic-spark-job")
        .master("local[*]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate();

    Dataset<Row> rows = spark.read().parquet(input);
    StructType withSeq = rows.schema().add("seq", DataTypes.LongType, false);
    JavaRDD<Row> numbered = rows.javaRDD().zipWithIndex().map(pair -> {
      Object[] values = new Object[pair._1().size() + 1];
      for (int i = 0; i < pair._1().size(); i++) {
        values[i] = pair._1().get(i);
      }
      values[values.length - 1] = pair._2();
      return RowFactory.create(values);
    });
    Dataset<Row> sequenced = spark.createDataFrame(numbered, withSeq);
    long count = sequenced.count();
    long groups = Math.max(1, (count + 9) / 10);

    Column[] columns = Arrays.stream(rows.columns()).map(c -> col(c)).toArray(Column[]::new);
    Dataset<Row> messages = sequenced
        .groupBy(col("seq").mod(lit(groups)).as("grp"))
        .agg(to_json(collect_list(struct(columns))).as("value"))
        .select(col("grp").cast("string").as("key"), col("value"));

    var writer = messages.write().format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("topic", topic);
    Map<String, Object> producer = new java.util.LinkedHashMap<>(ProducerSettings.defaults(1_000_000));
    producer.putAll(ProducerSettings.parse(System.getProperty("bench.producerConfig", "")));
    for (Map.Entry<String, Object> e : producer.entrySet()) {
      writer = writer.option("kafka." + e.getKey(), String.valueOf(e.getValue()));
    }
    writer.save();
    spark.stop();
  }
}
