package io.predictionrelay.options;

import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.PredictionSchema;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * What a message looks like: its layout, precision and caps. The publisher and the verifier both
 * take these options, so they cannot drift apart.
 */
public interface MessageOptions extends PipelineOptions {

  @Description("Most predictions in one message.")
  @Default.Integer(10)
  int getMaxPredictionsPerMessage();

  void setMaxPredictionsPerMessage(int value);

  @Description("Most bytes of JSON in one message value.")
  @Default.Integer(1_000_000)
  int getMaxMessageBytes();

  void setMaxMessageBytes(int value);

  @Description(
      "JSON layout of a message: 'objects' (default: an array of {\"id_client\":…,\"class_0\":…}"
          + " objects, as Spark's to_json writes) or 'compact' ({\"ids\":[…],\"classes\":[…],"
          + "\"probabilities\":[[…],…]}: column names once per message).")
  @Default.Enum("OBJECTS")
  MessageFormat.Layout getLayout();

  void setLayout(MessageFormat.Layout value);

  @Description(
      "Significant digits of the class values, 1 to 17, rounded half to even; 0 (the default)"
          + " keeps every double exact, in its shortest round-trip form.")
  @Default.Integer(0)
  int getDoublePrecision();

  void setDoublePrecision(int value);

  /**
   * Checks the message options alone, with one line naming the option at fault.
   *
   * @throws LaunchException when one is invalid
   */
  static void check(MessageOptions options) {
    try {
      MessageFormat.checkDoublePrecision(options.getDoublePrecision());
    } catch (IllegalArgumentException e) {
      throw new LaunchException(e.getMessage());
    }
    if (options.getMaxPredictionsPerMessage() <= 0) {
      throw new LaunchException(
          "--maxPredictionsPerMessage=" + options.getMaxPredictionsPerMessage() + ": must be positive");
    }
    if (options.getMaxMessageBytes() <= 0) {
      throw new LaunchException("--maxMessageBytes=" + options.getMaxMessageBytes() + ": must be positive");
    }
  }

  /** The format of messages of a table with {@code schema}, as these options ask. */
  static MessageFormat format(MessageOptions options, PredictionSchema schema) {
    check(options);
    return MessageFormat.of(schema)
        .withLayout(options.getLayout())
        .withDoublePrecision(options.getDoublePrecision());
  }
}
