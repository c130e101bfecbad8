package io.predictionrelay.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Writes and reads messages in a {@link MessageFormat}. The object layout is what the classic
 * {@code to_json(collect_list(struct(*)))} writes: a JSON array with one object per prediction,
 * {@code id_client} first, then every class column by name. The compact layout names the columns
 * once: {@code {"ids":[…],"classes":[…],"probabilities":[[…],…]}}. Doubles are written in shortest
 * round-trip form, after rounding when the format asks for fewer digits (values are rounded when
 * read, see {@link MessageFormat#round}).
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

  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final MessageFormat format;
  private final PredictionSchema schema;
  private final boolean compact;
  private final SerializedString idName = new SerializedString(PredictionSchema.ID_COLUMN);
  private final SerializedString[] classNames;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(16 * 1024);
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
    this.classNames =
        schema.classColumns().stream().map(SerializedString::new).toArray(SerializedString[]::new);
    this.framing = encode(List.of()).length;
    this.separator = compact ? 2 : 1;
    int bound;
    if (compact) { // "<id>" in ids, [v,v,…] in probabilities
      bound = "\"\"".length() + "[]".length() + schema.classCount() * (MAX_DOUBLE_CHARS + 1) - 1;
    } else { // {"id_client":"<id>","class_0":v,…}
      bound = "{\"\":\"\"}".length() + PredictionSchema.ID_COLUMN.length();
      for (String name : schema.classColumns()) {
        bound += ",\"\":".length() + name.length() + MAX_DOUBLE_CHARS;
      }
    }
    this.fixedItemBound = bound;
  }

  public MessageFormat format() {
    return format;
  }

  /** Encodes one message holding the predictions, in order. */
  public byte[] encode(List<Prediction> predictions) {
    buffer.reset();
    try (JsonGenerator json = FACTORY.createGenerator(buffer)) {
      if (compact) {
        writeCompact(json, predictions);
      } else {
        json.writeStartArray();
        for (Prediction prediction : predictions) {
          writeObject(json, prediction);
        }
        json.writeEndArray();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
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

  private void writeObject(JsonGenerator json, Prediction prediction) throws IOException {
    double[] values = checkedValues(prediction);
    json.writeStartObject();
    json.writeFieldName(idName);
    json.writeString(prediction.idClient());
    for (int i = 0; i < values.length; i++) {
      json.writeFieldName(classNames[i]);
      json.writeNumber(values[i]);
    }
    json.writeEndObject();
  }

  private void writeCompact(JsonGenerator json, List<Prediction> predictions) throws IOException {
    json.writeStartObject();
    json.writeArrayFieldStart(IDS);
    for (Prediction prediction : predictions) {
      json.writeString(prediction.idClient());
    }
    json.writeEndArray();
    json.writeArrayFieldStart(CLASSES);
    for (SerializedString name : classNames) {
      json.writeString(name);
    }
    json.writeEndArray();
    json.writeArrayFieldStart(PROBABILITIES);
    for (Prediction prediction : predictions) {
      double[] values = checkedValues(prediction);
      json.writeStartArray();
      for (double value : values) {
        json.writeNumber(value);
      }
      json.writeEndArray();
    }
    json.writeEndArray();
    json.writeEndObject();
  }

  private double[] checkedValues(Prediction prediction) {
    double[] values = prediction.probabilities();
    if (values.length != classNames.length) {
      throw new IllegalArgumentException(
          "prediction " + prediction.idClient() + " has " + values.length + " values, schema has "
              + classNames.length + " class columns");
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
          || object.size() != classNames.length + 1
          || !object.path(PredictionSchema.ID_COLUMN).isTextual()) {
        throw new IllegalArgumentException("not a prediction object: " + object);
      }
      double[] values = new double[classNames.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = number(object.get(classNames[i].getValue()), object);
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
    if (classes.size() != classNames.length) {
      throw new IllegalArgumentException("\"classes\" is " + classes + ", expected " + schema.classColumns());
    }
    for (int i = 0; i < classNames.length; i++) {
      if (!classes.get(i).asText().equals(classNames[i].getValue()) || !classes.get(i).isTextual()) {
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
      if (!id.isTextual() || !values.isArray() || values.size() != classNames.length) {
        throw new IllegalArgumentException("not a prediction: id " + id + ", values " + values);
      }
      double[] parsed = new double[classNames.length];
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
