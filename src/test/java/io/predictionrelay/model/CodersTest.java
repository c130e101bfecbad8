package io.predictionrelay.model;

import java.util.List;
import org.apache.beam.sdk.testing.CoderProperties;
import org.junit.jupiter.api.Test;

class CodersTest {
  private static final Prediction A = new Prediction("a", new double[] {0.25, -0.0, Double.MIN_VALUE});
  private static final Prediction B = new Prediction("😀-b", new double[] {});

  @Test
  void predictionCoderRoundTripsDeterministically() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(PredictionCoder.of(), A);
    CoderProperties.coderDecodeEncodeEqual(PredictionCoder.of(), B);
    CoderProperties.coderDeterministic(PredictionCoder.of(), A, new Prediction("a", A.probabilities().clone()));
    CoderProperties.coderSerializable(PredictionCoder.of());
  }

  @Test
  void messageCodersRoundTrip() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(MessageBatch.Coder.of(), new MessageBatch(3, 7, List.of(A, B)));
    CoderProperties.coderDecodeEncodeEqual(
        EncodedMessage.Coder.of(), new EncodedMessage("3-7", 2, "[{}]".getBytes()));
    CoderProperties.coderDecodeEncodeEqual(
        DeadLetter.Coder.of(), new DeadLetter(DeadLetter.Reason.MISSING_ID, "id_client is null", "{}"));
  }
}
