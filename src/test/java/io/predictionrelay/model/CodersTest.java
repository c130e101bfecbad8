package io.predictionrelay.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.VarInt;
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

  /**
   * The encoding is id, extra count (none here), value count, then DataOutputStream's big-endian
   * longs, whatever writes them.
   */
  @Test
  void predictionCoderWritesTheDocumentedBytes() throws Exception {
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    StringUtf8Coder.of().encode(A.idClient(), expected);
    VarInt.encode(0, expected);
    VarInt.encode(A.probabilities().length, expected);
    DataOutputStream data = new DataOutputStream(expected);
    for (double v : A.probabilities()) {
      data.writeLong(Double.doubleToRawLongBits(v));
    }
    assertArrayEquals(expected.toByteArray(), CoderUtils.encodeToByteArray(PredictionCoder.of(), A));
    byte[] truncated = Arrays.copyOf(expected.toByteArray(), expected.size() - 1);
    Exception e =
        assertThrows(Exception.class, () -> CoderUtils.decodeFromByteArray(PredictionCoder.of(), truncated));
    assertInstanceOf(EOFException.class, e.getCause(), e.toString());
  }

  @Test
  void messageCodersRoundTrip() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(MessageBatch.Coder.of(), MessageBatch.inBucket(3, 7, List.of(A, B)));
    CoderProperties.coderDecodeEncodeEqual(
        EncodedMessage.Coder.of(), new EncodedMessage("3-7", 2, "[{}]".getBytes()));
    CoderProperties.coderDecodeEncodeEqual(
        DeadLetter.Coder.of(), new DeadLetter(DeadLetter.Reason.MISSING_ID, "id_client is null", "{}"));
  }
}
