package io.predictionrelay.model;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.NumberOutput;
import java.util.Arrays;

/**
 * A growable buffer of UTF-8 JSON, written exactly as Jackson's {@code UTF8JsonGenerator} with
 * {@code USE_FAST_DOUBLE_WRITER} writes it (strings escaped by Jackson's own
 * {@link JsonStringEncoder}, doubles by its Schubfach writer), without the generator's per-token
 * bookkeeping: {@code PredictionJsonTest} checks the bytes against the generator. Not thread-safe.
 */
final class JsonBytes {
  private byte[] bytes = new byte[16 * 1024];
  private int length;

  void reset() {
    length = 0;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(bytes, length);
  }

  /** A JSON string literal, quotes included: for names written again and again. */
  static String quoted(String text) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
  }

  JsonBytes raw(byte[] fragment) {
    ensure(fragment.length);
    System.arraycopy(fragment, 0, bytes, length, fragment.length);
    length += fragment.length;
    return this;
  }

  JsonBytes raw(char c) {
    ensure(1);
    bytes[length++] = (byte) c;
    return this;
  }

  /** A string literal; printable ASCII without quotes or backslashes is copied as it is. */
  JsonBytes string(String text) {
    int n = text.length();
    ensure(n + 2);
    int at = length;
    bytes[at++] = '"';
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
        // Needs escapes or multi-byte UTF-8: Jackson's encoder does it.
        return raw('"').raw(JsonStringEncoder.getInstance().quoteAsUTF8(text)).raw('"');
      }
      bytes[at++] = (byte) c;
    }
    bytes[at++] = '"';
    length = at;
    return this;
  }

  /** A finite double in shortest round-trip form, e.g. {@code 0.1}, {@code 1.0E-5}. */
  JsonBytes number(double value) {
    return ascii(NumberOutput.toString(value, true));
  }

  /** A finite float in shortest round-trip form, as Jackson writes a float: {@code 0.0259049}. */
  JsonBytes number(float value) {
    return ascii(NumberOutput.toString(value, true));
  }

  JsonBytes integer(long value) {
    return ascii(Long.toString(value));
  }

  /** Digits, signs, points and exponents: ASCII text copied byte for byte. */
  JsonBytes ascii(String text) {
    int n = text.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      bytes[length + i] = (byte) text.charAt(i);
    }
    length += n;
    return this;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
