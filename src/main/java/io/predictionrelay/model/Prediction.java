package io.predictionrelay.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One client's prediction: the id (its text; an integer id as its decimal digits), the values of
 * any extra columns as JSON tokens, and the class values in the order of the input's
 * {@link PredictionSchema}. Column names live once in the schema, not in every row, so a row
 * shuffles as a string and a few doubles.
 *
 * <p>A decimal class column's value is carried exactly, as its text ({@code BigDecimal.toString}
 * at the column's scale, ASCII): {@link #decimals} holds one per decimal class column, in the
 * schema's class order, and its slot in {@link #values} holds the nearest double, for
 * reference only: messages are written from the text. Tables without decimal class columns carry
 * no texts (a shared empty array).
 */
@DefaultCoder(PredictionCoder.class)
public final class Prediction implements Comparable<Prediction> {
  static final byte[][] NO_EXTRAS = new byte[0][];

  private final String id;
  private final byte[][] extras;
  private final byte[][] decimals;
  private final double[] values;

  public Prediction(String id, double[] values) {
    this(id, NO_EXTRAS, values);
  }

  /** @param extras the JSON token of each extra column, in the schema's order */
  public Prediction(String id, byte[][] extras, double[] values) {
    this(id, extras, NO_EXTRAS, values);
  }

  /**
   * @param extras the JSON token of each extra column, in the schema's order
   * @param decimals the exact text of each decimal class column's value, in the schema's class order
   * @param values every class column's value (a decimal column's as its nearest double)
   */
  public Prediction(String id, byte[][] extras, byte[][] decimals, double[] values) {
    this.id = Objects.requireNonNull(id, "id");
    this.extras = extras.length == 0 ? NO_EXTRAS : extras;
    this.decimals = decimals.length == 0 ? NO_EXTRAS : decimals;
    this.values = Objects.requireNonNull(values, "values");
  }

  /** The id column's value ({@code --idColumn}, {@code id_client} by default) as text. */
  public String id() {
    return id;
  }

  /** The extra columns' JSON tokens; callers must not modify them. */
  public byte[][] extras() {
    return extras;
  }

  /**
   * The exact text of each decimal class column's value (ASCII), in the schema's class order; empty
   * when the schema has none. Callers must not modify them.
   */
  public byte[][] decimals() {
    return decimals;
  }

  /** The class values (a decimal column's as its nearest double); callers must not modify the array. */
  public double[] values() {
    return values;
  }

  /**
   * Orders by id, then by values and extras, so that a bucket is always cut into the same
   * messages, even when the input repeats an id.
   */
  @Override
  public int compareTo(Prediction other) {
    int byId = id.compareTo(other.id);
    if (byId != 0) {
      return byId;
    }
    int byValues = Arrays.compare(values, other.values);
    if (byValues != 0 || (extras.length == 0 && decimals.length == 0 && other.decimals.length == 0)) {
      return byValues;
    }
    int byDecimals = compare(decimals, other.decimals);
    return byDecimals != 0 ? byDecimals : compare(extras, other.extras);
  }

  private static int compare(byte[][] a, byte[][] b) {
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      int byToken = Arrays.compare(a[i], b[i]);
      if (byToken != 0) {
        return byToken;
      }
    }
    return Integer.compare(a.length, b.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Prediction other
        && id.equals(other.id)
        && Arrays.equals(values, other.values)
        && Arrays.deepEquals(extras, other.extras)
        && Arrays.deepEquals(decimals, other.decimals);
  }

  @Override
  public int hashCode() {
    int hash = 31 * (31 * id.hashCode() + Arrays.hashCode(values)) + Arrays.deepHashCode(extras);
    return decimals.length == 0 ? hash : 31 * hash + Arrays.deepHashCode(decimals);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(id);
    for (byte[] extra : extras) {
      s.append(' ').append(new String(extra, StandardCharsets.UTF_8));
    }
    s.append(Arrays.toString(values));
    for (byte[] decimal : decimals) {
      s.append(' ').append(new String(decimal, StandardCharsets.US_ASCII));
    }
    return s.toString();
  }
}
