package io.predictionrelay.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.DeadLetter.Reason;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.PredictionSchema;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns an Avro record holding {@code id_client} and the class columns of a schema into a
 * {@link Prediction} whose values are as messages will carry them (rounded when the
 * {@link MessageFormat} asks), or into a {@link DeadLetter} when the row cannot be published: no id,
 * a null or non-finite class value, or a single prediction larger than the message cap. The pipeline
 * and the verifier share it, so they agree on which rows are publishable and on every value.
 * Not thread-safe.
 */
public final class RecordConverter {
  /** Receives the outcome of one conversion. */
  public interface Sink {
    void prediction(Prediction prediction);

    void deadLetter(DeadLetter deadLetter);
  }

  private static final JsonFactory JSON = new JsonFactory();

  private final MessageFormat format;
  private final PredictionSchema schema;
  private final PredictionJson json;
  private final long maxMessageBytes;
  private Schema lastSchema;
  private int[] lastPositions;

  public RecordConverter(MessageFormat format, long maxMessageBytes) {
    this.format = format;
    this.schema = format.schema();
    this.json = new PredictionJson(format);
    this.maxMessageBytes = maxMessageBytes;
  }

  public void convert(GenericRecord record, Sink sink) {
    int[] at = positions(record.getSchema());
    Object id = record.get(at[0]);
    if (id == null || id.toString().isEmpty()) {
      sink.deadLetter(deadLetter(Reason.MISSING_ID, PredictionSchema.ID_COLUMN + " is "
          + (id == null ? "null" : "empty"), record));
      return;
    }
    List<String> columns = schema.classColumns();
    double[] values = new double[columns.size()];
    for (int i = 0; i < values.length; i++) {
      Object value = record.get(at[i + 1]);
      if (value == null) {
        sink.deadLetter(deadLetter(Reason.NULL_CLASS_VALUE, columns.get(i) + " is null", record));
        return;
      }
      double exact = ((Number) value).doubleValue();
      if (!Double.isFinite(exact)) {
        sink.deadLetter(deadLetter(
            Reason.NON_FINITE_CLASS_VALUE, columns.get(i) + " is " + exact, record));
        return;
      }
      values[i] = format.round(exact);
      if (!Double.isFinite(values[i])) { // e.g. Double.MAX_VALUE to one digit: 2E308
        sink.deadLetter(deadLetter(Reason.NON_FINITE_CLASS_VALUE, columns.get(i) + " is " + exact
            + ", which rounds to " + values[i] + " at --doublePrecision=" + format.doublePrecision(),
            record));
        return;
      }
    }
    Prediction prediction = new Prediction(id.toString(), values);
    if (json.messageSize(json.maxItemSize(prediction), 1) > maxMessageBytes) {
      long size = json.messageSize(json.itemSize(prediction), 1);
      if (size > maxMessageBytes) {
        sink.deadLetter(deadLetter(Reason.PREDICTION_TOO_LARGE,
            "alone it encodes to " + size + " bytes, over --maxMessageBytes=" + maxMessageBytes,
            record));
        return;
      }
    }
    sink.prediction(prediction);
  }

  /** Field positions of the id and each class column, looked up once per record schema. */
  private int[] positions(Schema recordSchema) {
    if (recordSchema != lastSchema) {
      List<String> columns = schema.classColumns();
      int[] at = new int[columns.size() + 1];
      at[0] = recordSchema.getField(PredictionSchema.ID_COLUMN).pos();
      for (int i = 0; i < columns.size(); i++) {
        at[i + 1] = recordSchema.getField(columns.get(i)).pos();
      }
      lastSchema = recordSchema;
      lastPositions = at;
    }
    return lastPositions;
  }

  private DeadLetter deadLetter(Reason reason, String detail, GenericRecord record) {
    return new DeadLetter(reason, detail, toJson(record));
  }

  /** The record as a JSON object; non-finite numbers are written as strings ("NaN"). */
  private String toJson(GenericRecord record) {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      int[] at = positions(record.getSchema());
      gen.writeStartObject();
      Object id = record.get(at[0]);
      gen.writeFieldName(PredictionSchema.ID_COLUMN);
      if (id == null) {
        gen.writeNull();
      } else {
        gen.writeString(id.toString());
      }
      List<String> columns = schema.classColumns();
      for (int i = 0; i < columns.size(); i++) {
        Object value = record.get(at[i + 1]);
        gen.writeFieldName(columns.get(i));
        if (value == null) {
          gen.writeNull();
        } else {
          gen.writeNumber(((Number) value).doubleValue());
        }
      }
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
