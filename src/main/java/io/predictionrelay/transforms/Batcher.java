package io.predictionrelay.transforms;

import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a stream of predictions into batches, one per message, of at most {@code maxPredictions}
 * predictions and {@code maxBytes} bytes in a {@link MessageFormat}. Exact sizes cost an encoding, so they are only
 * computed when an upper bound says the byte cap could bind; with the defaults that never happens.
 * One per DoFn instance, made in {@code @Setup}: {@link #finish()} leaves it ready for the next
 * bucket or split, and Beam discards a DoFn instance that throws, so a batch a failure left open
 * is never carried into another.
 */
final class Batcher {
  private final PredictionJson json;
  private final int maxPredictions;
  private final int maxBytes;
  private final List<Prediction> message = new ArrayList<>();
  private long boundBytes;
  private long exactBytes = -1; // -1: not measured yet

  Batcher(MessageFormat format, int maxPredictions, int maxBytes) {
    this.json = new PredictionJson(format);
    this.maxPredictions = maxPredictions;
    this.maxBytes = maxBytes;
  }

  /** Adds a prediction; returns the message it closed, or null when it joined the open one. */
  List<Prediction> add(Prediction prediction) {
    int bound = json.maxItemSize(prediction);
    int exact = -1;
    if (json.messageSize(boundBytes + bound, message.size() + 1) > maxBytes) {
      exact = json.itemSize(prediction);
      if (json.messageSize(exact, 1) > maxBytes) {
        throw new IllegalArgumentException(
            "prediction " + prediction.id() + " alone exceeds maxMessageBytes=" + maxBytes);
      }
      if (exactBytes < 0) {
        exactBytes = 0;
        for (Prediction p : message) {
          exactBytes += json.itemSize(p);
        }
      }
    }
    List<Prediction> closed = null;
    boolean overBytes =
        exact >= 0 && json.messageSize(exactBytes + exact, message.size() + 1) > maxBytes;
    if (!message.isEmpty() && (message.size() == maxPredictions || overBytes)) {
      closed = finish();
    }
    message.add(prediction);
    boundBytes += bound;
    if (exactBytes >= 0) {
      exactBytes += exact >= 0 ? exact : json.itemSize(prediction);
    }
    return closed;
  }

  /** Closes the open message; returns it, or null when it is empty. */
  List<Prediction> finish() {
    if (message.isEmpty()) {
      return null;
    }
    List<Prediction> closed = new ArrayList<>(message);
    message.clear();
    boundBytes = 0;
    exactBytes = -1;
    return closed;
  }
}
