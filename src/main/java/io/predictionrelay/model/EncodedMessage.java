package io.predictionrelay.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;

/**
 * A message ready to publish: its id (the Kafka key), how many predictions it holds, whether it is
 * the last of its bucket or split, and its JSON.
 */
@DefaultCoder(EncodedMessage.Coder.class)
public final class EncodedMessage {
  private final String key;
  private final int predictionCount;
  private final boolean last;
  private final byte[] value;

  public EncodedMessage(String key, int predictionCount, byte[] value) {
    this(key, predictionCount, false, value);
  }

  public EncodedMessage(String key, int predictionCount, boolean last, byte[] value) {
    this.key = Objects.requireNonNull(key, "key");
    this.predictionCount = predictionCount;
    this.last = last;
    this.value = Objects.requireNonNull(value, "value");
  }

  /** Whether this is the last message of its bucket or split. */
  public boolean last() {
    return last;
  }

  public String key() {
    return key;
  }

  public int predictionCount() {
    return predictionCount;
  }

  /** The UTF-8 JSON array; callers must not modify it. */
  public byte[] value() {
    return value;
  }

  public String valueAsString() {
    return new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof EncodedMessage)) {
      return false;
    }
    EncodedMessage other = (EncodedMessage) o;
    return key.equals(other.key)
        && predictionCount == other.predictionCount
        && last == other.last
        && Arrays.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return 31 * key.hashCode() + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return key + "(" + predictionCount + "): " + valueAsString();
  }

  /** Deterministic coder for {@link EncodedMessage}. */
  public static final class Coder extends AtomicCoder<EncodedMessage> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(EncodedMessage message, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(message.key, out);
      VarIntCoder.of().encode(message.predictionCount, out);
      out.write(message.last ? 1 : 0);
      ByteArrayCoder.of().encode(message.value, out);
    }

    @Override
    public EncodedMessage decode(InputStream in) throws IOException {
      String key = StringUtf8Coder.of().decode(in);
      int count = VarIntCoder.of().decode(in);
      int last = in.read();
      if (last < 0) {
        throw new java.io.EOFException("message " + key + ": no last flag");
      }
      return new EncodedMessage(key, count, last == 1, ByteArrayCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
