package io.predictionrelay.transforms;

import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.model.RunMetrics;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Counts messages, predictions and bytes on their way into a sink. It is fused with the sink's
 * writer, so a bundle whose writes fail is retried whole and its counts are not committed. (Kafka
 * traffic per partition is counted by the producer, from its acknowledgements.)
 */
final class CountMessagesFn extends DoFn<EncodedMessage, EncodedMessage> {
  private final Counter messages = RunMetrics.counter(RunMetrics.MESSAGES);
  private final Counter predictions = RunMetrics.counter(RunMetrics.PREDICTIONS);
  private final Counter bytes = RunMetrics.counter(RunMetrics.BYTES);
  private final Distribution perMessage = RunMetrics.distribution(RunMetrics.PREDICTIONS_PER_MESSAGE);

  @ProcessElement
  public void processElement(@Element EncodedMessage message, OutputReceiver<EncodedMessage> out) {
    messages.inc();
    predictions.inc(message.predictionCount());
    bytes.inc(message.value().length);
    perMessage.update(message.predictionCount());
    out.output(message);
  }
}
