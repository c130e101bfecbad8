package io.predictionrelay.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes predictions as the classic {@code to_json(collect_list(struct(*)))} does: a JSON array with
 * one object per prediction, {@code id_client} first, then every class column by name, doubles in
 * shortest round-trip form. Not thread-safe: one instance per DoFn instance.
 */
public final class PredictionJson {
  /** The longest shortest-form double, e.g. {@code -2.2250738585072014E-308}. */
  private static final int MAX_DOUBLE_CHARS = 24;
  /** JSON escapes a control character as {@code \\u00XX}: the most bytes one UTF-16 char can need. */
  private static final int MAX_BYTES_PER_ID_CHAR = 6;

  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

  private final PredictionSchema schema;
  private final SerializedString idName = new SerializedString(PredictionSchema.ID_COLUMN);
  private final SerializedString[] classNames;
  private final int fixedObjectBound;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(16 * 1024);

  public PredictionJson(PredictionSchema schema) {
    this.schema = schema;
    this.classNames =
        schema.classColumns().stream().map(SerializedString::new).toArray(SerializedString[]::new);
    int bound = "{\"\":\"\"}".length() + PredictionSchema.ID_COLUMN.length();
    for (String name : schema.classColumns()) {
      bound += ",\"\":".length() + name.length() + MAX_DOUBLE_CHARS;
    }
    this.fixedObjectBound = bound;
  }

  public PredictionSchema schema() {
    return schema;
  }

  /** Encodes one message: a JSON array of the predictions, in order. */
  public byte[] encode(List<Prediction> predictions) {
    buffer.reset();
    try (JsonGenerator json = FACTORY.createGenerator(buffer)) {
      json.writeStartArray();
      for (Prediction prediction : predictions) {
        writeObject(json, prediction);
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  /** The exact number of bytes one prediction's object takes inside a message. */
  public int objectSize(Prediction prediction) {
    return encode(List.of(prediction)).length - 2;
  }

  /** An upper bound of {@link #objectSize}, computed without encoding. */
  public int maxObjectSize(Prediction prediction) {
    return fixedObjectBound + MAX_BYTES_PER_ID_CHAR * prediction.idClient().length();
  }

  /** The size of the smallest message of this schema: one prediction, a one-character id, zeros. */
  public static int smallestMessageSize(PredictionSchema schema) {
    double[] zeros = new double[schema.classCount()];
    return (int) messageSize(new PredictionJson(schema).objectSize(new Prediction("x", zeros)), 1);
  }

  /** The size of a message holding objects of the given total size: brackets and commas. */
  public static long messageSize(long objectBytes, int objectCount) {
    return objectBytes + 2 + Math.max(0, objectCount - 1);
  }

  private void writeObject(JsonGenerator json, Prediction prediction) throws IOException {
    double[] values = prediction.probabilities();
    if (values.length != classNames.length) {
      throw new IllegalArgumentException(
          "prediction " + prediction.idClient() + " has " + values.length + " values, schema has "
              + classNames.length + " class columns");
    }
    json.writeStartObject();
    json.writeFieldName(idName);
    json.writeString(prediction.idClient());
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        // Validation dead-letters such rows when they are read; reaching here is a bug, not bad data.
        throw new IllegalArgumentException(
            "prediction " + prediction.idClient() + ": " + schema.classColumns().get(i) + " is "
                + values[i] + ", which JSON cannot represent");
      }
      json.writeFieldName(classNames[i]);
      json.writeNumber(values[i]);
    }
    json.writeEndObject();
  }
}
