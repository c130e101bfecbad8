package io.predictionrelay.input;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.NumberOutput;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import org.apache.avro.generic.GenericFixed;

/**
 * An extra column of the output (a file column or a partition column) and how each of its values
 * is written, as Spark's {@code to_json} writes its type: strings quoted, numbers and booleans
 * as they are, decimals with their scale, dates and timestamps as ISO-8601 strings (timestamps to
 * the millisecond, in UTC: {@code 2026-11-18T10:00:00.000Z}); null as null.
 * Values are turned into their JSON token once, when the row is read.
 */
public record ExtraColumn(String name, Kind kind, int scale, int partitionIndex) implements Serializable {

  /** The types an extra column can have. */
  public enum Kind {
    STRING,
    INTEGER,
    FLOAT,
    DOUBLE,
    BOOLEAN,
    DECIMAL,
    DATE,
    /** Timestamps adjusted to UTC, in milli-, micro- or nanoseconds since the epoch. */
    TIMESTAMP_MILLIS,
    TIMESTAMP_MICROS,
    TIMESTAMP_NANOS,
    /** Timestamps without a time zone ("timestamp_ntz"), written without one. */
    LOCAL_TIMESTAMP_MILLIS,
    LOCAL_TIMESTAMP_MICROS,
    LOCAL_TIMESTAMP_NANOS,
    /** Spark's and Hive's legacy INT96 timestamps: nanoseconds of the day, then the Julian day. */
    INT96
  }

  private static final byte[] NULL = io.predictionrelay.model.PredictionJson.NULL;
  private static final long JULIAN_DAY_OF_EPOCH = 2_440_588;
  /** Spark's JSON timestamp formats, for timestamps with and without a time zone. */
  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  /** A column of the files. */
  static ExtraColumn inFile(String name, Kind kind, int scale) {
    return new ExtraColumn(name, kind, scale, -1);
  }

  /** The {@code index}-th partition column. */
  static ExtraColumn partition(String name, Kind kind, int index) {
    return new ExtraColumn(name, kind, 0, index);
  }

  public boolean isPartition() {
    return partitionIndex >= 0;
  }

  /** The token of a partition value (raw directory text, null for the default partition). */
  public byte[] partitionToken(String raw) {
    if (raw == null) {
      return NULL;
    }
    return kind == Kind.INTEGER ? ascii(new BigInteger(raw).toString()) : string(raw);
  }

  /** The token of a value of a file column, as parquet-avro reads it. */
  public byte[] token(Object value) {
    if (value == null) {
      return NULL;
    }
    return switch (kind) {
      case STRING -> string(value.toString());
      case INTEGER -> ascii(value.toString());
      case FLOAT -> ascii(NumberOutput.toString(((Number) value).floatValue(), true));
      case DOUBLE -> ascii(NumberOutput.toString(((Number) value).doubleValue(), true));
      case BOOLEAN -> ascii(value.toString());
      case DECIMAL -> ascii(decimal(value, scale).toString());
      case DATE -> string(LocalDate.ofEpochDay(((Number) value).longValue()).toString());
      case TIMESTAMP_MILLIS -> string(UTC.format(Instant.ofEpochMilli(((Number) value).longValue())));
      case TIMESTAMP_MICROS -> string(UTC.format(micros(((Number) value).longValue())));
      case TIMESTAMP_NANOS -> string(UTC.format(nanos(((Number) value).longValue())));
      case LOCAL_TIMESTAMP_MILLIS -> string(LOCAL.format(Instant.ofEpochMilli(((Number) value).longValue())));
      case LOCAL_TIMESTAMP_MICROS -> string(LOCAL.format(micros(((Number) value).longValue())));
      case LOCAL_TIMESTAMP_NANOS -> string(LOCAL.format(nanos(((Number) value).longValue())));
      case INT96 -> string(UTC.format(int96(((GenericFixed) value).bytes())));
    };
  }

  /** A decimal as parquet-avro hands it over: unscaled bytes (big-endian), or an int or long. */
  static BigDecimal decimal(Object value, int scale) {
    if (value instanceof ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return new BigDecimal(new BigInteger(bytes), scale);
    }
    if (value instanceof GenericFixed fixed) {
      return new BigDecimal(new BigInteger(fixed.bytes()), scale);
    }
    if (value instanceof BigDecimal decimal) {
      return decimal;
    }
    return BigDecimal.valueOf(((Number) value).longValue(), scale);
  }

  /** The instant a timestamp value of {@code kind} stands for (a local timestamp as if in UTC). */
  static Instant instant(Kind kind, Object value) {
    return switch (kind) {
      case TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MILLIS -> Instant.ofEpochMilli(((Number) value).longValue());
      case TIMESTAMP_MICROS, LOCAL_TIMESTAMP_MICROS -> micros(((Number) value).longValue());
      case TIMESTAMP_NANOS, LOCAL_TIMESTAMP_NANOS -> nanos(((Number) value).longValue());
      case INT96 -> int96(((GenericFixed) value).bytes());
      default -> throw new IllegalArgumentException(kind + " is not a timestamp");
    };
  }

  /** {@code instant} as parquet-avro hands over a timestamp of {@code kind} (not INT96): a long in its unit. */
  static Object timestamp(Kind kind, Instant instant) {
    long seconds = instant.getEpochSecond();
    long nanos = instant.getNano();
    return switch (kind) {
      case TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MILLIS -> seconds * 1_000L + nanos / 1_000_000L;
      case TIMESTAMP_MICROS, LOCAL_TIMESTAMP_MICROS -> seconds * 1_000_000L + nanos / 1_000L;
      case TIMESTAMP_NANOS, LOCAL_TIMESTAMP_NANOS -> seconds * 1_000_000_000L + nanos;
      default -> throw new IllegalArgumentException(kind + " is not a timestamp of a unit");
    };
  }

  private static Instant micros(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  private static Instant nanos(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  static Instant int96(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long nanosOfDay = buffer.getLong();
    long julianDay = buffer.getInt() & 0xFFFFFFFFL;
    return Instant.ofEpochSecond((julianDay - JULIAN_DAY_OF_EPOCH) * 86_400L).plusNanos(nanosOfDay);
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] string(String text) {
    byte[] body = JsonStringEncoder.getInstance().quoteAsUTF8(text);
    byte[] quoted = new byte[body.length + 2];
    quoted[0] = '"';
    System.arraycopy(body, 0, quoted, 1, body.length);
    quoted[quoted.length - 1] = '"';
    return quoted;
  }
}
