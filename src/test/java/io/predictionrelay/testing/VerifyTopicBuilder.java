package io.predictionrelay.testing;

import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.verify.VerifyOptions;
import io.predictionrelay.verify.VerifyTopic;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Sets a verification's {@link VerifyOptions} from a test's code, as the command line would. */
public final class VerifyTopicBuilder {
  private final VerifyOptions options = PipelineOptionsFactory.as(VerifyOptions.class);

  private VerifyTopicBuilder(String input, String bootstrapServers, String topic) {
    options.setInput(input);
    options.setBootstrapServers(bootstrapServers);
    options.setTopic(topic);
  }

  /** A verification of {@code topic} against {@code input}. */
  public static VerifyTopicBuilder of(String input, String bootstrapServers, String topic) {
    return new VerifyTopicBuilder(input, bootstrapServers, topic);
  }

  /** Only the messages of this run (its {@code run_id} header). */
  public VerifyTopicBuilder runId(String runId) {
    options.setRunId(runId);
    return this;
  }

  /** For an incremental run: the directory of the ids it listed as deleted, to check them. */
  public VerifyTopicBuilder deletedIds(String dir) {
    options.setDeletedIds(dir);
    return this;
  }

  /** A Delta version or Iceberg snapshot id to read the input at. */
  public VerifyTopicBuilder tableVersion(long version) {
    options.setTableVersion(version);
    return this;
  }

  /** Only messages written at or after this time (epoch milliseconds). */
  public VerifyTopicBuilder since(long epochMillis) {
    options.setSince(epochMillis);
    return this;
  }

  public VerifyTopicBuilder maxPredictionsPerMessage(int value) {
    options.setMaxPredictionsPerMessage(value);
    return this;
  }

  public VerifyTopicBuilder maxMessageBytes(int value) {
    options.setMaxMessageBytes(value);
    return this;
  }

  /** The layout the messages were published in. */
  public VerifyTopicBuilder layout(MessageFormat.Layout value) {
    options.setLayout(value);
    return this;
  }

  /** The significant digits the publisher rounded to; 0 when it kept doubles exact. */
  public VerifyTopicBuilder doublePrecision(int value) {
    options.setDoublePrecision(value);
    return this;
  }

  /** The Kafka client properties file of the user that reads the topic. */
  public VerifyTopicBuilder kafkaConfigFile(String file) {
    options.setKafkaConfigFile(file);
    return this;
  }

  public VerifyTopic build() {
    return VerifyTopic.of(options);
  }
}
