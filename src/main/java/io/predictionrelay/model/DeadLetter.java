package io.predictionrelay.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * A row that cannot be published, with why: it is written to the dead-letter files and counted
 * under its reason, never dropped.
 */
@DefaultCoder(DeadLetter.Coder.class)
public final class DeadLetter {
  private static final JsonFactory JSON = new JsonFactory();

  /** Why a row was set aside. The names are the metric names and the {@code reason} field. */
  public enum Reason {
    MISSING_ID,
    NULL_CLASS_VALUE,
    NON_FINITE_CLASS_VALUE,
    /** An integer class value beyond 2^53 (decimals are carried exactly, at any precision). */
    UNREPRESENTABLE_VALUE,
    PREDICTION_TOO_LARGE
  }

  private final Reason reason;
  private final String detail;
  private final String rowJson;

  public DeadLetter(Reason reason, String detail, String rowJson) {
    this.reason = Objects.requireNonNull(reason, "reason");
    this.detail = Objects.requireNonNull(detail, "detail");
    this.rowJson = Objects.requireNonNull(rowJson, "rowJson");
  }

  public Reason reason() {
    return reason;
  }

  public String detail() {
    return detail;
  }

  /** The original row as a JSON object; non-finite numbers appear as strings such as "NaN". */
  public String rowJson() {
    return rowJson;
  }

  /** Writes the dead-letter line's object, {@code {"reason":…,"detail":…,"row":{…}}}, without a newline. */
  public void writeJson(JsonGenerator gen) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("reason", reason.name());
    gen.writeStringField("detail", detail);
    gen.writeFieldName("row");
    gen.writeRawValue(rowJson);
    gen.writeEndObject();
  }

  /** The dead-letter line, as {@link #writeJson} writes it. */
  public String toJsonLine() {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      writeJson(gen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DeadLetter)) {
      return false;
    }
    DeadLetter other = (DeadLetter) o;
    return reason == other.reason && detail.equals(other.detail) && rowJson.equals(other.rowJson);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, detail, rowJson);
  }

  @Override
  public String toString() {
    return reason + " (" + detail + "): " + rowJson;
  }

  /** Deterministic coder for {@link DeadLetter}. */
  public static final class Coder extends AtomicCoder<DeadLetter> {
    private static final Coder INSTANCE = new Coder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(DeadLetter value, OutputStream out) throws IOException {
      STRING.encode(value.reason.name(), out);
      STRING.encode(value.detail, out);
      STRING.encode(value.rowJson, out);
    }

    @Override
    public DeadLetter decode(InputStream in) throws IOException {
      return new DeadLetter(Reason.valueOf(STRING.decode(in)), STRING.decode(in), STRING.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
