package io.predictionrelay.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.predictionrelay.model.PredictionSchema.ClassColumn;
import io.predictionrelay.model.PredictionSchema.IdType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Writes and reads messages in a {@link MessageFormat}. The object layout is what the classic
 * {@code to_json(collect_list(struct(*)))} writes: a JSON array with one object per prediction,
 * the id first, then the extra columns (a null one left out, as {@code to_json} leaves it out), then
 * every class column by name. The compact layout names
 * the columns once: {@code {"ids":[…],"classes":[…],"probabilities":[[…],…]}}, with one more array
 * per extra column, named after it, under {@code "columns"}. Values are written as Spark writes
 * their type: doubles and floats in shortest round-trip form (after rounding when the format asks
 * for fewer digits, see {@link MessageFormat#round}), integers as integers, decimals exactly, as
 * the text the prediction carries ({@code BigDecimal.toString} at the column's scale, at any
 * precision, never rounded). Writing goes through {@link JsonBytes} (the bytes of Jackson's
 * generator, 28% faster); reading through Jackson's databind, where a schema with decimal class
 * columns or extra columns reads every number with a fraction or exponent as the exact
 * {@code BigDecimal} it spells (trailing zeros kept), so a decimal comes back as the text it was
 * written as.
 *
 * <p>Sizes: a message of n predictions takes {@code framing + Σ itemSize + separator × (n − 1)}
 * bytes, where an item is what one prediction adds (its object, or its entries in the arrays).
 * Not thread-safe: one instance per DoFn instance.
 */
public final class PredictionJson {
  public static final String IDS = "ids";
  public static final String COLUMNS = "columns";
  public static final String CLASSES = "classes";
  public static final String PROBABILITIES = "probabilities";

  /** The longest shortest-form double, e.g. {@code -2.2250738585072014E-308}. */
  private static final int MAX_DOUBLE_CHARS = 24;
  /** The longest shortest-form float, e.g. {@code -1.17549435E-38}. */
  private static final int MAX_FLOAT_CHARS = 15;
  /** The longest long, {@code -9223372036854775808}. */
  private static final int MAX_INTEGER_CHARS = 20;
  /** JSON escapes a control character as {@code \\u00XX}: the most bytes one UTF-16 char can need. */
  private static final int MAX_BYTES_PER_ID_CHAR = 6;

  /** Reads numbers with a fraction or exponent as doubles: for schemas of double, float and integer values only. */
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /**
   * Reads numbers with a fraction or exponent as the exact BigDecimal they spell, trailing zeros
   * kept: a decimal's text survives the tree ({@code 0.50} stays {@code 0.50}, {@code 0E-20} stays),
   * and a double is its correctly rounded value. For tables with decimal class columns or any extra
   * columns (which may be decimals), and for {@link #canonical}.
   */
  private static final ObjectMapper EXACT = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();

  private final MessageFormat format;
  private final PredictionSchema schema;
  private final boolean compact;
  private final boolean numericId;
  private final List<ClassColumn> classes;
  private final List<String> classNames;
  private final List<String> extraNames;
  private final JsonBytes out = new JsonBytes();
  /** Objects: {@code "<id column>"}. Compact: {@code "ids"}. */
  private final byte[] opening;
  /** Objects: {@code ,"<extra>":} per extra column. Compact: {@code ],"<extra>":[} (after "columns":{ for the first). */
  private final byte[][] extraPrefixes;
  /** Objects: {@code ,"class_<i>":} per class. Compact: unused. */
  private final byte[][] classPrefixes;
  /** Compact: {@code ],"classes":[…],"probabilities":[}, between the ids (or extras) and the values. */
  private final byte[] compactMiddle;
  /** Bytes of a message with no predictions: brackets, and the compact layout's names. */
  private final int framing;
  /** Bytes between two items: a comma, or in the compact layout one per array. */
  private final int separator;
  /** For each class column, its index among the decimal class columns, or -1 when it is not one. */
  private final int[] decimalIndex;
  private final int decimalCount;
  /** {@link #EXACT} when the schema has decimal class columns or extra columns, else {@link #MAPPER}. */
  private final ObjectMapper reader;
  /** {@link #maxItemSize} less the id's, the extras' and the decimal class values' shares. */
  private final int fixedItemBound;

  public PredictionJson(MessageFormat format) {
    this.format = format;
    this.schema = format.schema();
    this.compact = format.layout() == MessageFormat.Layout.COMPACT;
    this.numericId = schema.idType() == IdType.INTEGER;
    this.classes = schema.classes();
    this.classNames = schema.classColumns();
    this.extraNames = schema.extraColumns();
    this.opening = utf8(JsonBytes.quoted(compact ? IDS : schema.idColumn()));
    this.extraPrefixes = new byte[extraNames.size()][];
    for (int e = 0; e < extraNames.size(); e++) {
      String name = JsonBytes.quoted(extraNames.get(e));
      extraPrefixes[e] = utf8(!compact ? "," + name + ":"
          : (e == 0 ? "]," + JsonBytes.quoted(COLUMNS) + ":{" : "],") + name + ":[");
    }
    this.classPrefixes = new byte[classNames.size()][];
    StringBuilder middle = new StringBuilder(extraNames.isEmpty() ? "]," : "]},")
        .append(JsonBytes.quoted(CLASSES)).append(":[");
    for (int i = 0; i < classNames.size(); i++) {
      String name = JsonBytes.quoted(classNames.get(i));
      classPrefixes[i] = utf8("," + name + ":");
      middle.append(i == 0 ? "" : ",").append(name);
    }
    this.compactMiddle = utf8(middle.append("]," + JsonBytes.quoted(PROBABILITIES) + ":[").toString());
    this.framing = encode(List.of()).length;
    this.separator = compact ? 2 + extraNames.size() : 1;
    this.decimalIndex = new int[classes.size()];
    int decimals = 0;
    int values = 0;
    for (int i = 0; i < classes.size(); i++) {
      boolean decimal = classes.get(i).type() == PredictionSchema.NumberType.DECIMAL;
      decimalIndex[i] = decimal ? decimals++ : -1;
      values += decimal ? 0 : maxChars(classes.get(i)); // a decimal counts as its text, in maxItemSize
    }
    this.decimalCount = decimals;
    this.reader = decimals > 0 || !extraNames.isEmpty() ? EXACT : MAPPER;
    int bound;
    if (compact) { // "<id>" in ids, [v,v,…] in probabilities
      bound = "\"\"".length() + "[]".length() + values + classes.size() - 1;
    } else { // {"<id>":"<id>",<extras>"class_0":v,…}
      bound = "{:\"\"}".length() + opening.length + values;
      for (byte[] prefix : classPrefixes) {
        bound += prefix.length;
      }
      for (byte[] prefix : extraPrefixes) {
        bound += prefix.length;
      }
    }
    this.fixedItemBound = bound;
  }

  private static int maxChars(ClassColumn column) {
    return switch (column.type()) {
      case DOUBLE -> MAX_DOUBLE_CHARS;
      case FLOAT -> MAX_FLOAT_CHARS;
      case INTEGER -> MAX_INTEGER_CHARS;
      case DECIMAL -> throw new IllegalArgumentException(column + ": a decimal is sized by its text");
    };
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  public MessageFormat format() {
    return format;
  }

  /** Encodes one message holding the predictions, in order. */
  public byte[] encode(List<Prediction> predictions) {
    out.reset();
    if (compact) {
      writeCompact(predictions);
    } else {
      out.raw('[');
      for (int p = 0; p < predictions.size(); p++) {
        if (p > 0) {
          out.raw(',');
        }
        writeObject(predictions.get(p));
      }
      out.raw(']');
    }
    return out.toByteArray();
  }

  /** The exact number of bytes one prediction adds to a message, separators aside. */
  public int itemSize(Prediction prediction) {
    return encode(List.of(prediction)).length - framing;
  }

  /**
   * An upper bound of {@link #itemSize}, computed without encoding: extra columns and decimal class
   * values count exactly as the tokens and texts they are written as.
   */
  public int maxItemSize(Prediction prediction) {
    int bound = fixedItemBound + MAX_BYTES_PER_ID_CHAR * prediction.id().length();
    for (byte[] extra : prediction.extras()) {
      bound += extra.length;
    }
    for (byte[] decimal : prediction.decimals()) {
      bound += decimal.length;
    }
    return bound;
  }

  /** The size of a message of {@code itemCount} predictions whose items take {@code itemBytes}. */
  public long messageSize(long itemBytes, int itemCount) {
    return framing + itemBytes + (long) separator * Math.max(0, itemCount - 1);
  }

  /**
   * The size of the smallest message of this format: one prediction, a one-character id, zeros
   * (a decimal's at its column's scale, e.g. {@code 0E-8}: no value at that scale is shorter), nulls.
   */
  public int smallestMessageSize() {
    byte[][] extras = new byte[extraNames.size()][];
    java.util.Arrays.fill(extras, NULL);
    byte[][] decimals = new byte[decimalCount][];
    for (int i = 0; i < classes.size(); i++) {
      if (decimalIndex[i] >= 0) {
        decimals[decimalIndex[i]] = decimalText(BigDecimal.valueOf(0, classes.get(i).scale()));
      }
    }
    return (int) messageSize(itemSize(new Prediction("0", extras, decimals, new double[classes.size()])), 1);
  }

  /**
   * Reads a message of this format back. Strict: the layout's fields and no others, exactly the
   * schema's columns, numbers for values. Extra columns come back as Jackson's canonical text of
   * each value, which {@link #canonical} gives for a written token too; a decimal class value as
   * the exact text it was written as (its {@code BigDecimal.toString}), with its nearest double.
   *
   * @throws IllegalArgumentException naming what is wrong, when the message is not of this format
   */
  public List<Prediction> decode(byte[] message) {
    return compact ? decodeCompact(parse(reader, message)) : decodeObjects(parse(reader, message));
  }

  private static JsonNode parse(ObjectMapper mapper, byte[] json) {
    try {
      return mapper.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The token of a null value. */
  public static final byte[] NULL = utf8("null");

  private static boolean isNull(byte[] token) {
    return token.length == 4 && java.util.Arrays.equals(token, NULL);
  }

  /**
   * A JSON token as {@link #decode} gives an extra column's value back: a decimal as the exact text
   * it spells ({@code 0.50} stays {@code 0.50}).
   */
  public static byte[] canonical(byte[] token) {
    return utf8(parse(EXACT, token).toString());
  }

  private void writeId(String id) {
    if (numericId) {
      out.ascii(id);
    } else {
      out.string(id);
    }
  }

  private void writeObject(Prediction prediction) {
    double[] values = checkedValues(prediction);
    byte[][] decimals = prediction.decimals();
    out.raw('{').raw(opening).raw(':');
    writeId(prediction.id());
    byte[][] extras = prediction.extras();
    for (int e = 0; e < extras.length; e++) {
      if (!isNull(extras[e])) { // to_json leaves out a null field
        out.raw(extraPrefixes[e]).raw(extras[e]);
      }
    }
    for (int i = 0; i < values.length; i++) {
      out.raw(classPrefixes[i]);
      writeValue(i, values[i], decimals);
    }
    out.raw('}');
  }

  private void writeValue(int column, double value, byte[][] decimals) {
    switch (classes.get(column).type()) {
      case DOUBLE -> out.number(value);
      case FLOAT -> out.number((float) value);
      case INTEGER -> out.integer((long) value);
      case DECIMAL -> out.raw(decimals[decimalIndex[column]]);
    }
  }

  private void writeCompact(List<Prediction> predictions) {
    out.raw('{').raw(opening).raw(':').raw('[');
    for (int p = 0; p < predictions.size(); p++) {
      if (p > 0) {
        out.raw(',');
      }
      writeId(predictions.get(p).id());
    }
    for (int e = 0; e < extraPrefixes.length; e++) {
      out.raw(extraPrefixes[e]);
      for (int p = 0; p < predictions.size(); p++) {
        if (p > 0) {
          out.raw(',');
        }
        out.raw(predictions.get(p).extras()[e]);
      }
    }
    out.raw(compactMiddle);
    for (int p = 0; p < predictions.size(); p++) {
      double[] values = checkedValues(predictions.get(p));
      byte[][] decimals = predictions.get(p).decimals();
      if (p > 0) {
        out.raw(',');
      }
      out.raw('[');
      for (int i = 0; i < values.length; i++) {
        if (i > 0) {
          out.raw(',');
        }
        writeValue(i, values[i], decimals);
      }
      out.raw(']');
    }
    out.raw(']').raw('}');
  }

  private double[] checkedValues(Prediction prediction) {
    double[] values = prediction.values();
    if (values.length != classNames.size() || prediction.extras().length != extraNames.size()
        || prediction.decimals().length != decimalCount) {
      throw new IllegalArgumentException(
          "prediction " + prediction.id() + " has " + prediction.extras().length + " extra, "
              + values.length + " class and " + prediction.decimals().length + " decimal values, the schema "
              + extraNames.size() + ", " + classNames.size() + " and " + decimalCount);
    }
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        // Validation dead-letters such rows when they are read; reaching here is a bug, not bad data.
        throw new IllegalArgumentException(
            "prediction " + prediction.id() + ": " + classNames.get(i) + " is "
                + values[i] + ", which JSON cannot represent");
      }
    }
    return values;
  }

  private String id(JsonNode id, JsonNode context) {
    if (numericId ? !id.isIntegralNumber() : !id.isTextual()) {
      throw new IllegalArgumentException("not a prediction: id " + id + " in " + context);
    }
    return id.asText();
  }

  private List<Prediction> decodeObjects(JsonNode root) {
    if (!root.isArray()) {
      throw new IllegalArgumentException("not a JSON array of prediction objects");
    }
    List<Prediction> predictions = new ArrayList<>(root.size());
    for (JsonNode object : root) {
      if (!object.isObject() || object.size() < 1 + classNames.size()
          || object.size() > 1 + extraNames.size() + classNames.size()) {
        throw new IllegalArgumentException("not a prediction object: " + object);
      }
      String id = id(object.path(schema.idColumn()), object);
      byte[][] extras = new byte[extraNames.size()][];
      for (int e = 0; e < extras.length; e++) {
        JsonNode value = object.get(extraNames.get(e));
        extras[e] = value == null ? NULL : utf8(value.toString()); // a null is left out
      }
      double[] values = new double[classNames.size()];
      byte[][] decimals = decimalCount == 0 ? Prediction.NO_EXTRAS : new byte[decimalCount][];
      for (int i = 0; i < values.length; i++) {
        values[i] = value(i, object.get(classNames.get(i)), object, decimals);
      }
      predictions.add(new Prediction(id, extras, decimals, values));
    }
    return predictions;
  }

  private List<Prediction> decodeCompact(JsonNode root) {
    JsonNode ids = root.path(IDS);
    JsonNode columns = root.path(COLUMNS);
    JsonNode classList = root.path(CLASSES);
    JsonNode rows = root.path(PROBABILITIES);
    int fields = extraNames.isEmpty() ? 3 : 4;
    if (!root.isObject() || root.size() != fields || !ids.isArray() || !classList.isArray() || !rows.isArray()
        || (fields == 4 && (!columns.isObject() || columns.size() != extraNames.size()))) {
      throw new IllegalArgumentException("not a compact message: an object of exactly \"ids\","
          + (extraNames.isEmpty() ? "" : " \"columns\",") + " \"classes\" and \"probabilities\"");
    }
    if (classList.size() != classNames.size()) {
      throw new IllegalArgumentException("\"classes\" is " + classList + ", expected " + classNames);
    }
    for (int i = 0; i < classNames.size(); i++) {
      if (!classList.get(i).asText().equals(classNames.get(i)) || !classList.get(i).isTextual()) {
        throw new IllegalArgumentException("\"classes\" is " + classList + ", expected " + classNames);
      }
    }
    if (ids.size() != rows.size()) {
      throw new IllegalArgumentException(ids.size() + " ids but " + rows.size() + " rows of probabilities");
    }
    for (String extra : extraNames) {
      if (!columns.path(extra).isArray() || columns.path(extra).size() != ids.size()) {
        throw new IllegalArgumentException("\"columns\" has no array of " + ids.size() + " " + extra);
      }
    }
    List<Prediction> predictions = new ArrayList<>(ids.size());
    Iterator<JsonNode> row = rows.elements();
    for (int p = 0; p < ids.size(); p++) {
      JsonNode values = row.next();
      String id = id(ids.get(p), ids);
      if (!values.isArray() || values.size() != classNames.size()) {
        throw new IllegalArgumentException("not a prediction: id " + id + ", values " + values);
      }
      byte[][] extras = new byte[extraNames.size()][];
      for (int e = 0; e < extras.length; e++) {
        extras[e] = utf8(columns.get(extraNames.get(e)).get(p).toString());
      }
      double[] parsed = new double[classNames.size()];
      byte[][] decimals = decimalCount == 0 ? Prediction.NO_EXTRAS : new byte[decimalCount][];
      for (int i = 0; i < parsed.length; i++) {
        parsed[i] = value(i, values.get(i), values, decimals);
      }
      predictions.add(new Prediction(id, extras, decimals, parsed));
    }
    return predictions;
  }

  /**
   * A class value as reading the table gives it: a float column's values are floats; a decimal
   * column's text goes into {@code decimals}, its nearest double is returned.
   */
  private double value(int column, JsonNode value, JsonNode context, byte[][] decimals) {
    if (value == null || !value.isNumber()) {
      throw new IllegalArgumentException("not a number in " + context);
    }
    return switch (classes.get(column).type()) {
      case FLOAT -> (float) value.doubleValue();
      case DECIMAL -> {
        BigDecimal exact = value.decimalValue();
        decimals[decimalIndex[column]] = decimalText(exact);
        yield exact.doubleValue();
      }
      default -> value.doubleValue();
    };
  }

  /** A decimal class value's text as predictions carry it: {@code BigDecimal.toString}, ASCII. */
  public static byte[] decimalText(BigDecimal value) {
    return value.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
