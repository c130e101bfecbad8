package io.predictionrelay.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
  /** A decimal(38,20) class value of 38 digits, a double, and a decimal(38,0) extra value. */
  private static final Prediction D = new Prediction("d",
      new byte[][] {ascii("-12345678901234567890123456789012345678")},
      new byte[][] {ascii("-123456789012345678.12345678901234567890")},
      new double[] {-1.2345678901234568E17, 0.5});

  private static byte[] ascii(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  @Test
  void predictionCoderRoundTripsDeterministically() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(PredictionCoder.of(), A);
    CoderProperties.coderDecodeEncodeEqual(PredictionCoder.of(), B);
    CoderProperties.coderDecodeEncodeEqual(PredictionCoder.of(), D);
    CoderProperties.coderDeterministic(PredictionCoder.of(), D, new Prediction("d",
        new byte[][] {D.extras()[0].clone()}, new byte[][] {D.decimals()[0].clone()}, D.values().clone()));
    CoderProperties.coderDeterministic(PredictionCoder.of(), A, new Prediction("a", A.values().clone()));
    CoderProperties.coderSerializable(PredictionCoder.of());
  }

  /**
   * The encoding is id, extra count (none here), decimal text count (none here), value count, then
   * DataOutputStream's big-endian longs, whatever writes them.
   */
  @Test
  void predictionCoderWritesTheDocumentedBytes() throws Exception {
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    StringUtf8Coder.of().encode(A.id(), expected);
    VarInt.encode(0, expected);
    VarInt.encode(0, expected);
    VarInt.encode(A.values().length, expected);
    DataOutputStream data = new DataOutputStream(expected);
    for (double v : A.values()) {
      data.writeLong(Double.doubleToRawLongBits(v));
    }
    assertArrayEquals(expected.toByteArray(), CoderUtils.encodeToByteArray(PredictionCoder.of(), A));
    byte[] truncated = Arrays.copyOf(expected.toByteArray(), expected.size() - 1);
    Exception e =
        assertThrows(Exception.class, () -> CoderUtils.decodeFromByteArray(PredictionCoder.of(), truncated));
    assertInstanceOf(EOFException.class, e.getCause(), e.toString());
  }

  /** Decimal class values travel as their texts, after the extras, each length-prefixed. */
  @Test
  void predictionCoderWritesDecimalTexts() throws Exception {
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    StringUtf8Coder.of().encode("d", expected);
    VarInt.encode(1, expected);
    VarInt.encode(39, expected);
    expected.write(ascii("-12345678901234567890123456789012345678"));
    VarInt.encode(1, expected);
    VarInt.encode(40, expected);
    expected.write(ascii("-123456789012345678.12345678901234567890"));
    VarInt.encode(2, expected);
    DataOutputStream data = new DataOutputStream(expected);
    data.writeLong(Double.doubleToRawLongBits(-1.2345678901234568E17));
    data.writeLong(Double.doubleToRawLongBits(0.5));
    assertArrayEquals(expected.toByteArray(), CoderUtils.encodeToByteArray(PredictionCoder.of(), D));
    Prediction back = CoderUtils.decodeFromByteArray(PredictionCoder.of(), expected.toByteArray());
    assertEquals("-123456789012345678.12345678901234567890",
        new String(back.decimals()[0], java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(D, back);
  }

  @Test
  void messageCodersRoundTrip() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(MessageBatch.Coder.of(), MessageBatch.inBucket(3, 7, List.of(A, B, D)));
    CoderProperties.coderDecodeEncodeEqual(
        EncodedMessage.Coder.of(), new EncodedMessage("3-7", 2, "[{}]".getBytes()));
    CoderProperties.coderDecodeEncodeEqual(
        DeadLetter.Coder.of(), new DeadLetter(DeadLetter.Reason.MISSING_ID, "id_client is null", "{}"));
  }
}
