package io.predictionrelay.transforms;

import io.predictionrelay.model.EncodedMessage;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Counts messages, predictions and bytes on their way into a sink. It is fused with the sink's
 * writer, so a bundle whose writes fail is retried whole and its counts are not committed.
 */
public final class CountMessagesFn extends DoFn<EncodedMessage, EncodedMessage> {
  public static final String MESSAGES = "messages_published";
  public static final String PREDICTIONS = "predictions_published";
  public static final String BYTES = "bytes_published";
  public static final String PREDICTIONS_PER_MESSAGE = "predictions_per_message";

  private final Counter messages = Metrics.counter(CountMessagesFn.class, MESSAGES);
  private final Counter predictions = Metrics.counter(CountMessagesFn.class, PREDICTIONS);
  private final Counter bytes = Metrics.counter(CountMessagesFn.class, BYTES);
  private final Distribution perMessage =
      Metrics.distribution(CountMessagesFn.class, PREDICTIONS_PER_MESSAGE);

  @ProcessElement
  public void processElement(@Element EncodedMessage message, OutputReceiver<EncodedMessage> out) {
    messages.inc();
    predictions.inc(message.predictionCount());
    bytes.inc(message.value().length);
    perMessage.update(message.predictionCount());
    out.output(message);
  }
}
