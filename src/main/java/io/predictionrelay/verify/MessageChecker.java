package io.predictionrelay.verify;

import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.transforms.PublishToKafka;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.codec.digest.MurmurHash3;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Checks one consumed message: within the caps, JSON of the expected layout, a count header that
 * matches; spills its predictions for reconciliation, and its key with a hash of its bytes, so that
 * a key carrying two different messages is found.
 */
final class MessageChecker {
  private final PredictionJson json;
  private final int maxPredictions;
  private final int maxBytes;
  private final Spill received;
  private final Spill keys;
  private final VerifyReport.Tally tally;

  MessageChecker(MessageFormat format, int maxPredictions, int maxBytes, Spill received, Spill keys,
      VerifyReport.Tally tally) {
    this.json = new PredictionJson(format);
    this.maxPredictions = maxPredictions;
    this.maxBytes = maxBytes;
    this.received = received;
    this.keys = keys;
    this.tally = tally;
  }

  void check(ConsumerRecord<byte[], byte[]> record) {
    tally.messages++;
    String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
    byte[] value = record.value() == null ? new byte[0] : record.value();
    long[] hash = MurmurHash3.hash128x64(value, 0, value.length, 0);
    keys.writeKey(key, hash[0], hash[1]);
    if (record.value() == null || value.length > maxBytes) {
      tally.overByteCap++;
      VerifyReport.Tally.addSample(tally.problemSample,
          key + ": " + (record.value() == null ? "null value" : value.length + " bytes"));
    }
    List<Prediction> predictions;
    try {
      predictions = json.decode(value);
    } catch (IllegalArgumentException e) {
      tally.invalidMessages++;
      VerifyReport.Tally.addSample(tally.problemSample, key + ": " + e.getMessage());
      return;
    }
    if (predictions.size() > maxPredictions) {
      tally.overCountCap++;
    }
    Header count = record.headers().lastHeader(PublishToKafka.COUNT_HEADER);
    if (count == null
        || !new String(count.value(), StandardCharsets.UTF_8).equals(Integer.toString(predictions.size()))) {
      tally.headerMismatches++;
      VerifyReport.Tally.addSample(tally.problemSample, key + ": header " + PublishToKafka.COUNT_HEADER + " wrong");
    }
    for (Prediction prediction : predictions) {
      tally.received++;
      received.write(prediction, key);
    }
  }
}
