package io.predictionrelay.model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.VarInt;

/** A compact, deterministic encoding of a {@link Prediction}: UTF-8 id, value count, raw doubles. */
public final class PredictionCoder extends AtomicCoder<Prediction> {
  private static final PredictionCoder INSTANCE = new PredictionCoder();
  private static final StringUtf8Coder ID_CODER = StringUtf8Coder.of();

  public static PredictionCoder of() {
    return INSTANCE;
  }

  private PredictionCoder() {}

  @Override
  public void encode(Prediction value, OutputStream out) throws IOException {
    ID_CODER.encode(value.idClient(), out);
    double[] values = value.probabilities();
    VarInt.encode(values.length, out);
    DataOutputStream data = new DataOutputStream(out);
    for (double v : values) {
      data.writeLong(Double.doubleToRawLongBits(v));
    }
    data.flush();
  }

  @Override
  public Prediction decode(InputStream in) throws IOException {
    String id = ID_CODER.decode(in);
    double[] values = new double[VarInt.decodeInt(in)];
    DataInputStream data = new DataInputStream(in);
    for (int i = 0; i < values.length; i++) {
      values[i] = Double.longBitsToDouble(data.readLong());
    }
    return new Prediction(id, values);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
