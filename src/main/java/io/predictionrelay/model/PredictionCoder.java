package io.predictionrelay.model;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.VarInt;

/**
 * A compact, deterministic encoding of a {@link Prediction}: UTF-8 id, the extra columns' tokens
 * (a count, then each length-prefixed; usually none), the decimal class values' texts (the same way;
 * none without decimal class columns), value count, then the doubles' raw bits as
 * big-endian longs, written and read as one block (a stream call per double cost 10% of a run's CPU
 * samples).
 */
public final class PredictionCoder extends AtomicCoder<Prediction> {
  private static final PredictionCoder INSTANCE = new PredictionCoder();
  private static final StringUtf8Coder ID_CODER = StringUtf8Coder.of();
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  public static PredictionCoder of() {
    return INSTANCE;
  }

  private PredictionCoder() {}

  @Override
  public void encode(Prediction value, OutputStream out) throws IOException {
    ID_CODER.encode(value.id(), out);
    writeTokens(value.extras(), out);
    writeTokens(value.decimals(), out);
    double[] values = value.values();
    VarInt.encode(values.length, out);
    byte[] bits = new byte[values.length * Long.BYTES];
    for (int i = 0; i < values.length; i++) {
      LONGS.set(bits, i * Long.BYTES, Double.doubleToRawLongBits(values[i]));
    }
    out.write(bits);
  }

  @Override
  public Prediction decode(InputStream in) throws IOException {
    String id = ID_CODER.decode(in);
    byte[][] extras = readTokens(in, id);
    byte[][] decimals = readTokens(in, id);
    double[] values = new double[VarInt.decodeInt(in)];
    byte[] bits = readFully(in, values.length * Long.BYTES, id);
    for (int i = 0; i < values.length; i++) {
      values[i] = Double.longBitsToDouble((long) LONGS.get(bits, i * Long.BYTES));
    }
    return new Prediction(id, extras, decimals, values);
  }

  private static void writeTokens(byte[][] tokens, OutputStream out) throws IOException {
    VarInt.encode(tokens.length, out);
    for (byte[] token : tokens) {
      VarInt.encode(token.length, out);
      out.write(token);
    }
  }

  private static byte[][] readTokens(InputStream in, String id) throws IOException {
    int count = VarInt.decodeInt(in);
    byte[][] tokens = count == 0 ? Prediction.NO_EXTRAS : new byte[count][];
    for (int i = 0; i < count; i++) {
      tokens[i] = readFully(in, VarInt.decodeInt(in), id);
    }
    return tokens;
  }

  private static byte[] readFully(InputStream in, int length, String id) throws IOException {
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new EOFException("prediction " + id + ": " + bytes.length + " bytes of " + length);
    }
    return bytes;
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
