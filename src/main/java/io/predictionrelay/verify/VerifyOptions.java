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

  @Description("Print progress while reading the input and the topic.")
  @Default.Boolean(false)
  boolean getProgress();

  void setProgress(boolean value);
}
