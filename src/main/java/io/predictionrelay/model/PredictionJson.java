package io.predictionrelay.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Writes and reads messages in a {@link MessageFormat}. The object layout is what the classic
 * {@code to_json(collect_list(struct(*)))} writes: a JSON array with one object per prediction,
 * {@code id_client} first, then every class column by name. The compact layout names the columns
 * once: {@code {"ids":[…],"classes":[…],"probabilities":[[…],…]}}. Doubles are written in shortest
 * round-trip form, after rounding when the format asks for fewer digits (values are rounded when
 * read, see {@link MessageFormat#round}). Writing goes through {@link JsonBytes} (the bytes of
 * Jackson's generator, 28% faster); reading through Jackson's databind.
 *
 * <p>Sizes: a message of n predictions takes {@code framing + Σ itemSize + separator × (n − 1)}
 * bytes, where an item is what one prediction adds (its object, or its id and its row of values).
 * Not thread-safe: one instance per DoFn instance.
 */
public final class PredictionJson {
  public static final String IDS = "ids";
  public static final String CLASSES = "classes";
  public static final String PROBABILITIES = "probabilities";

  /** The longest shortest-form double, e.g. {@code -2.2250738585072014E-308}. */
  private static final int MAX_DOUBLE_CHARS = 24;
  /** JSON escapes a control character as {@code \\u00XX}: the most bytes one UTF-16 char can need. */
  private static final int MAX_BYTES_PER_ID_CHAR = 6;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final MessageFormat format;
  private final PredictionSchema schema;
  private final boolean compact;
  private final List<String> classNames;
  private final JsonBytes out = new JsonBytes();
  /** Objects: {@code {"id_client":}. Compact: {@code {"ids":[}. */
  private final byte[] opening;
  /** Objects: {@code ,"class_<i>":} per class. Compact: unused. */
  private final byte[][] classPrefixes;
  /** Compact: {@code ],"classes":[…],"probabilities":[}, between the ids and the values. */
  private final byte[] compactMiddle;
  /** Bytes of a message with no predictions: brackets, and the compact layout's names. */
  private final int framing;
  /** Bytes between two items: a comma, or the compact layout's two (one per array). */
  private final int separator;
  /** {@link #maxItemSize} less the id's share. */
  private final int fixedItemBound;

  public PredictionJson(MessageFormat format) {
    this.format = format;
    this.schema = format.schema();
    this.compact = format.layout() == MessageFormat.Layout.COMPACT;
    this.classNames = schema.classColumns();
    this.opening = utf8(JsonBytes.quoted(compact ? IDS : PredictionSchema.ID_COLUMN));
    this.classPrefixes = new byte[classNames.size()][];
    StringBuilder middle = new StringBuilder("]," + JsonBytes.quoted(CLASSES) + ":[");
    for (int i = 0; i < classNames.size(); i++) {
      String name = JsonBytes.quoted(classNames.get(i));
      classPrefixes[i] = utf8("," + name + ":");
      middle.append(i == 0 ? "" : ",").append(name);
    }
    this.compactMiddle = utf8(middle.append("]," + JsonBytes.quoted(PROBABILITIES) + ":[").toString());
    this.framing = encode(List.of()).length;
    this.separator = compact ? 2 : 1;
    int values = schema.classCount() * MAX_DOUBLE_CHARS;
    int bound;
    if (compact) { // "<id>" in ids, [v,v,…] in probabilities
      bound = "\"\"".length() + "[]".length() + values + schema.classCount() - 1;
    } else { // {"id_client":"<id>","class_0":v,…}
      bound = "{:\"\"}".length() + opening.length + values;
      for (byte[] prefix : classPrefixes) {
        bound += prefix.length;
      }
    }
    this.fixedItemBound = bound;
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

  /** An upper bound of {@link #itemSize}, computed without encoding. */
  public int maxItemSize(Prediction prediction) {
    return fixedItemBound + MAX_BYTES_PER_ID_CHAR * prediction.idClient().length();
  }

  /** The size of a message of {@code itemCount} predictions whose items take {@code itemBytes}. */
  public long messageSize(long itemBytes, int itemCount) {
    return framing + itemBytes + (long) separator * Math.max(0, itemCount - 1);
  }

  /** The size of the smallest message of this format: one prediction, a one-character id, zeros. */
  public int smallestMessageSize() {
    return (int) messageSize(itemSize(new Prediction("x", new double[schema.classCount()])), 1);
  }

  /**
   * Reads a message of this format back. Strict: the layout's fields and no others, exactly the
   * schema's class columns, numbers for values.
   *
   * @throws IllegalArgumentException naming what is wrong, when the message is not of this format
   */
  public List<Prediction> decode(byte[] message) {
    JsonNode root;
    try {
      root = MAPPER.readTree(message);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return compact ? decodeCompact(root) : decodeObjects(root);
  }

  private void writeObject(Prediction prediction) {
    double[] values = checkedValues(prediction);
    out.raw('{').raw(opening).raw(':').string(prediction.idClient());
    for (int i = 0; i < values.length; i++) {
      out.raw(classPrefixes[i]).number(values[i]);
    }
    out.raw('}');
  }

  private void writeCompact(List<Prediction> predictions) {
    out.raw('{').raw(opening).raw(':').raw('[');
    for (int p = 0; p < predictions.size(); p++) {
      if (p > 0) {
        out.raw(',');
      }
      out.string(predictions.get(p).idClient());
    }
    out.raw(compactMiddle);
    for (int p = 0; p < predictions.size(); p++) {
      double[] values = checkedValues(predictions.get(p));
      if (p > 0) {
        out.raw(',');
      }
      out.raw('[');
      for (int i = 0; i < values.length; i++) {
        if (i > 0) {
          out.raw(',');
        }
        out.number(values[i]);
      }
      out.raw(']');
    }
    out.raw(']').raw('}');
  }

  private double[] checkedValues(Prediction prediction) {
    double[] values = prediction.probabilities();
    if (values.length != classNames.size()) {
      throw new IllegalArgumentException(
          "prediction " + prediction.idClient() + " has " + values.length + " values, schema has "
              + classNames.size() + " class columns");
    }
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        // Validation dead-letters such rows when they are read; reaching here is a bug, not bad data.
        throw new IllegalArgumentException(
            "prediction " + prediction.idClient() + ": " + schema.classColumns().get(i) + " is "
                + values[i] + ", which JSON cannot represent");
      }
    }
    return values;
  }

  private List<Prediction> decodeObjects(JsonNode root) {
    if (!root.isArray()) {
      throw new IllegalArgumentException("not a JSON array of prediction objects");
    }
    List<Prediction> predictions = new ArrayList<>(root.size());
    for (JsonNode object : root) {
      if (!object.isObject()
          || object.size() != classNames.size() + 1
          || !object.path(PredictionSchema.ID_COLUMN).isTextual()) {
        throw new IllegalArgumentException("not a prediction object: " + object);
      }
      double[] values = new double[classNames.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = number(object.get(classNames.get(i)), object);
      }
      predictions.add(new Prediction(object.get(PredictionSchema.ID_COLUMN).asText(), values));
    }
    return predictions;
  }

  private List<Prediction> decodeCompact(JsonNode root) {
    JsonNode ids = root.path(IDS);
    JsonNode classes = root.path(CLASSES);
    JsonNode rows = root.path(PROBABILITIES);
    if (!root.isObject() || root.size() != 3 || !ids.isArray() || !classes.isArray() || !rows.isArray()) {
      throw new IllegalArgumentException(
          "not a compact message: an object of exactly \"ids\", \"classes\" and \"probabilities\" arrays");
    }
    if (classes.size() != classNames.size()) {
      throw new IllegalArgumentException("\"classes\" is " + classes + ", expected " + schema.classColumns());
    }
    for (int i = 0; i < classNames.size(); i++) {
      if (!classes.get(i).asText().equals(classNames.get(i)) || !classes.get(i).isTextual()) {
        throw new IllegalArgumentException("\"classes\" is " + classes + ", expected " + schema.classColumns());
      }
    }
    if (ids.size() != rows.size()) {
      throw new IllegalArgumentException(
          ids.size() + " ids but " + rows.size() + " rows of probabilities");
    }
    List<Prediction> predictions = new ArrayList<>(ids.size());
    Iterator<JsonNode> row = rows.elements();
    for (JsonNode id : ids) {
      JsonNode values = row.next();
      if (!id.isTextual() || !values.isArray() || values.size() != classNames.size()) {
        throw new IllegalArgumentException("not a prediction: id " + id + ", values " + values);
      }
      double[] parsed = new double[classNames.size()];
      for (int i = 0; i < parsed.length; i++) {
        parsed[i] = number(values.get(i), values);
      }
      predictions.add(new Prediction(id.asText(), parsed));
    }
    return predictions;
  }

  private static double number(JsonNode value, JsonNode context) {
    if (value == null || !value.isNumber()) {
      throw new IllegalArgumentException("not a number in " + context);
    }
    return value.doubleValue();
  }
}
