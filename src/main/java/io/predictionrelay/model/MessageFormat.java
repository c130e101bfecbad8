package io.predictionrelay.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.io.Serializable;
import java.util.Objects;

/**
 * How predictions are written into a message: the columns ({@link PredictionSchema}), the JSON
 * layout, and the precision of the class values. Settled once per run and shared by every stage
 * that sizes, encodes or checks messages.
 */
public final class MessageFormat implements Serializable {

  /** The shape of a message's JSON. */
  public enum Layout {
    /** {@code [{"id_client":"a","class_0":0.1,…},…]}: what {@code to_json(collect_list(struct(*)))} writes. */
    OBJECTS,
    /** {@code {"ids":["a",…],"classes":["class_0",…],"probabilities":[[0.1,…],…]}}: names once per message. */
    COMPACT;

    /** The layout {@code --layout=value} names, in any case; Beam parses the option with it. */
    @JsonCreator
    public static Layout parse(String value) {
      return OptionValues.parse(Layout.class, "layout", value);
    }

    /** As users write it, {@code objects}; how Beam writes the option. */
    @JsonValue
    @Override
    public String toString() {
      return OptionValues.name(this);
    }
  }

  /** The precision that keeps every double as it is, written in its shortest round-trip form. */
  public static final int SHORTEST = 0;

  private final PredictionSchema schema;
  private final Layout layout;
  private final int doublePrecision;

  private MessageFormat(PredictionSchema schema, Layout layout, int doublePrecision) {
    this.schema = Objects.requireNonNull(schema, "schema");
    this.layout = Objects.requireNonNull(layout, "layout");
    this.doublePrecision = checkDoublePrecision(doublePrecision);
  }

  /**
   * Returns a valid {@code --doublePrecision}: 0, or 1 to {@link SignificantDigits#MAX}.
   *
   * @throws IllegalArgumentException naming the option, otherwise
   */
  public static int checkDoublePrecision(int digits) {
    if (digits < SHORTEST || digits > SignificantDigits.MAX) {
      throw new IllegalArgumentException("--doublePrecision=" + digits + ": expected 1 to "
          + SignificantDigits.MAX + " significant digits, or 0 to keep doubles exact");
    }
    return digits;
  }

  /** The default: the classic object layout, every double exact. */
  public static MessageFormat of(PredictionSchema schema) {
    return new MessageFormat(schema, Layout.OBJECTS, SHORTEST);
  }

  public MessageFormat withLayout(Layout layout) {
    return new MessageFormat(schema, layout, doublePrecision);
  }

  /** Class values rounded to this many significant digits (half to even); 0 keeps them exact. */
  public MessageFormat withDoublePrecision(int digits) {
    return new MessageFormat(schema, layout, digits);
  }

  public PredictionSchema schema() {
    return schema;
  }

  public Layout layout() {
    return layout;
  }

  public int doublePrecision() {
    return doublePrecision;
  }

  /**
   * A class value as messages carry it: a double or float column's value rounded to the format's
   * precision (a float column's stays a float); integer and decimal columns are exact by type (a
   * decimal is written from its exact text, see {@link Prediction#decimals}, never rounded).
   */
  public double round(int column, double value) {
    PredictionSchema.NumberType type = schema.classes().get(column).type();
    if (doublePrecision == SHORTEST || type == PredictionSchema.NumberType.INTEGER
        || type == PredictionSchema.NumberType.DECIMAL) {
      return value;
    }
    double rounded = SignificantDigits.round(value, doublePrecision);
    return type == PredictionSchema.NumberType.FLOAT ? (float) rounded : rounded;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MessageFormat
        && schema.equals(((MessageFormat) o).schema)
        && layout == ((MessageFormat) o).layout
        && doublePrecision == ((MessageFormat) o).doublePrecision;
  }

  @Override
  public int hashCode() {
    return Objects.hash(schema, layout, doublePrecision);
  }

  /** For the start-up summary, e.g. {@code compact layout, doubles to 4 significant digits}. */
  @Override
  public String toString() {
    return layout + " layout, doubles "
        + (doublePrecision == SHORTEST
            ? "exact (shortest round-trip form)"
            : "to " + doublePrecision + " significant digits");
  }
}
