package io.predictionrelay.verify;

import io.predictionrelay.options.KafkaClientOptions;
import io.predictionrelay.options.MessageOptions;
import io.predictionrelay.options.TableOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Everything {@link VerifyTopic} can be told; the message, table and Kafka client options are the
 * publisher's own.
 */
public interface VerifyOptions extends MessageOptions, TableOptions, KafkaClientOptions {

  @Description(
      "The Parquet input that was published, as given to the publisher; a Delta or Iceberg table with"
          + " the publisher's --tableVersion or --tableTimestamp, so that the same snapshot is read.")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("Kafka topic to verify.")
  @Default.String("predictions")
  String getTopic();

  void setTopic(String value);

  @Description("Only messages written at or after this time, in epoch milliseconds (default: all).")
  Long getSince();

  void setSince(Long value);

  @Description("Only messages of this run (their run_id header); default: every message of the topic.")
  String getRunId();

  void setRunId(String value);

  @Description("The runs topic of the run (--runId), as given to the publisher; default <topic>.runs. When its"
      + " records say the run published the changes since another run (--changesSince), the verifier"
      + " expects exactly the rows new or changed since that run's snapshot.")
  String getRunsTopic();

  void setRunsTopic(String value);

  @Description("For an incremental run: the directory of the ids it found deleted (the publisher's"
      + " <reportDir>/deleted-ids-<runId>); the verifier checks they are exactly the ids gone since the"
      + " base. Default: not checked, only counted.")
  String getDeletedIds();

  void setDeletedIds(String value);

  @Description("Print progress while reading the input and the topic.")
  @Default.Boolean(false)
  boolean getProgress();

  void setProgress(boolean value);
}
