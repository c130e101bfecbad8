package io.predictionrelay.input;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.DeadLetter.Reason;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.model.PredictionSchema.ClassColumn;
import io.predictionrelay.model.PredictionSchema.IdType;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns an Avro record of a table's published columns into a {@link Prediction} whose values are as
 * messages will carry them (extra columns as JSON tokens, decimal class values as their exact text,
 * double and float class values rounded when the {@link MessageFormat} asks), or into a
 * {@link DeadLetter} when the row cannot be published: no id, a null or non-finite class value, an
 * integer class value a double cannot carry exactly, or a single prediction larger than the
 * message cap. The pipeline and the verifier share it, so they agree on which rows
 * are publishable and on every value. Not thread-safe.
 */
public final class RecordConverter {
  /** Receives the outcome of one conversion. */
  public interface Receiver {
    void prediction(Prediction prediction);

    void deadLetter(DeadLetter deadLetter);
  }

  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[][] NO_DECIMALS = new byte[0][];
  /** Integers up to this magnitude are exact in a double. */
  private static final long EXACT_INTEGER = 1L << 53;

  private final MessageFormat format;
  private final PredictionSchema schema;
  private final List<ClassColumn> classes;
  private final int decimalCount;
  private final List<ExtraColumn> extras;
  private final PredictionJson json;
  private final long maxMessageBytes;
  private Schema lastSchema;
  private FileColumns lastColumns;

  /** For the classic table: no extra columns. */
  public RecordConverter(MessageFormat format, long maxMessageBytes) {
    this(format, List.of(), maxMessageBytes);
  }

  /** @param extras how the schema's extra columns are read, in its order */
  public RecordConverter(MessageFormat format, List<ExtraColumn> extras, long maxMessageBytes) {
    this.format = format;
    this.schema = format.schema();
    this.classes = schema.classes();
    this.decimalCount = (int) classes.stream().filter(c -> c.type() == PredictionSchema.NumberType.DECIMAL).count();
    this.extras = List.copyOf(extras);
    this.json = new PredictionJson(format);
    this.maxMessageBytes = maxMessageBytes;
    if (extras.size() != schema.extraColumns().size()) {
      throw new IllegalArgumentException("extra columns " + extras + " for schema " + schema);
    }
  }

  /** Converts a record of a file without partition values. */
  public void convert(GenericRecord record, Receiver receiver) {
    convert(record, List.of(), receiver);
  }

  /**
   * Converts a record whose fields are named as the published columns, of a file whose Hive
   * partition values are {@code partitionValues}.
   */
  public void convert(GenericRecord record, List<String> partitionValues, Receiver receiver) {
    convert(record, byName(record.getSchema()), partitionValues, receiver);
  }

  /**
   * Converts a record read with {@code columns} ({@link FileColumns#reader}) from a file whose Hive
   * partition values are {@code partitionValues}. A column the file does not hold is null.
   */
  public void convert(GenericRecord record, FileColumns columns, List<String> partitionValues, Receiver receiver) {
    Object id = columns.get(record, 0);
    if (id == null || id.toString().isEmpty()) {
      receiver.deadLetter(deadLetter(Reason.MISSING_ID, schema.idColumn() + " is "
          + (id == null ? "null" + absent(columns, 0) : "empty"), record, columns, partitionValues));
      return;
    }
    byte[][] tokens = new byte[extras.size()][];
    for (int e = 0; e < tokens.length; e++) {
      ExtraColumn extra = extras.get(e);
      tokens[e] = extra.isPartition()
          ? extra.partitionToken(partitionValues.get(extra.partitionIndex()))
          : extra.token(columns.get(record, 1 + e));
    }
    int first = 1 + extras.size();
    double[] values = new double[classes.size()];
    byte[][] decimals = decimalCount == 0 ? NO_DECIMALS : new byte[decimalCount][];
    int decimal = 0;
    for (int i = 0; i < values.length; i++) {
      ClassColumn column = classes.get(i);
      Object value = columns.get(record, first + i);
      if (value == null) {
        receiver.deadLetter(deadLetter(Reason.NULL_CLASS_VALUE, column.name() + " is null" + absent(columns, first + i),
            record, columns, partitionValues));
        return;
      }
      String problem = null;
      Reason reason = Reason.UNREPRESENTABLE_VALUE;
      switch (column.type()) {
        case DOUBLE, FLOAT -> {
          double exact = ((Number) value).doubleValue();
          values[i] = format.round(i, exact);
          if (!Double.isFinite(exact)) {
            reason = Reason.NON_FINITE_CLASS_VALUE;
            problem = column.name() + " is " + exact;
          } else if (!Double.isFinite(values[i])) { // e.g. Double.MAX_VALUE to one digit: 2E308
            reason = Reason.NON_FINITE_CLASS_VALUE;
            problem = column.name() + " is " + exact + ", which rounds to " + values[i]
                + " at --doublePrecision=" + format.doublePrecision();
          }
        }
        case INTEGER -> {
          long exact = ((Number) value).longValue();
          values[i] = exact;
          if (exact > EXACT_INTEGER || exact < -EXACT_INTEGER) {
            problem = column.name() + " is " + exact + ", beyond the 2^53 a double holds exactly";
          }
        }
        case DECIMAL -> { // exact at any precision: written from its text, never rounded
          BigDecimal exact = ExtraColumn.decimal(value, column.scale());
          decimals[decimal++] = PredictionJson.decimalText(exact);
          values[i] = exact.doubleValue();
        }
      }
      if (problem != null) {
        receiver.deadLetter(deadLetter(reason, problem, record, columns, partitionValues));
        return;
      }
    }
    Prediction prediction = new Prediction(id.toString(), tokens, decimals, values);
    if (json.messageSize(json.maxItemSize(prediction), 1) > maxMessageBytes) {
      long size = json.messageSize(json.itemSize(prediction), 1);
      if (size > maxMessageBytes) {
        receiver.deadLetter(deadLetter(Reason.PREDICTION_TOO_LARGE,
            "alone it encodes to " + size + " bytes, over --maxMessageBytes=" + maxMessageBytes,
            record, columns, partitionValues));
        return;
      }
    }
    receiver.prediction(prediction);
  }

  private static String absent(FileColumns columns, int column) {
    return columns.holds(column) ? "" : " (the file has no such column: it predates it)";
  }

  /** Where a record named as the published columns holds each of them, once per record schema. */
  private FileColumns byName(Schema recordSchema) {
    if (recordSchema != lastSchema) {
      int n = 1 + extras.size() + classes.size();
      int[] at = new int[n];
      int[] none = new int[n];
      java.util.Arrays.fill(none, -1);
      List<String> names = new java.util.ArrayList<>();
      names.add(schema.idColumn());
      extras.forEach(extra -> names.add(extra.name()));
      classes.forEach(column -> names.add(column.name()));
      for (int k = 0; k < n; k++) {
        boolean partition = k >= 1 && k <= extras.size() && extras.get(k - 1).isPartition();
        at[k] = partition ? FileColumns.ABSENT : recordSchema.getField(names.get(k)).pos();
      }
      lastSchema = recordSchema;
      lastColumns = new FileColumns(names, names, at, none, none, none, none);
    }
    return lastColumns;
  }

  private DeadLetter deadLetter(Reason reason, String detail, GenericRecord record, FileColumns columns,
      List<String> partition) {
    return new DeadLetter(reason, detail, toJson(record, columns, partition));
  }

  /** The record as a JSON object; non-finite numbers are written as strings ("NaN"). */
  private String toJson(GenericRecord record, FileColumns columns, List<String> partitionValues) {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      gen.writeStartObject();
      Object id = columns.get(record, 0);
      gen.writeFieldName(schema.idColumn());
      if (id == null) {
        gen.writeNull();
      } else if (schema.idType() == IdType.INTEGER) {
        gen.writeNumber(((Number) id).longValue());
      } else {
        gen.writeString(id.toString());
      }
      for (int e = 0; e < extras.size(); e++) {
        ExtraColumn extra = extras.get(e);
        gen.writeFieldName(extra.name());
        byte[] token = extra.isPartition()
            ? extra.partitionToken(partitionValues.get(extra.partitionIndex()))
            : extra.token(columns.get(record, 1 + e));
        gen.writeRawValue(new String(token, StandardCharsets.UTF_8));
      }
      for (int i = 0; i < classes.size(); i++) {
        ClassColumn column = classes.get(i);
        Object value = columns.get(record, 1 + extras.size() + i);
        gen.writeFieldName(column.name());
        if (value == null) {
          gen.writeNull();
        } else if (column.type() == PredictionSchema.NumberType.DECIMAL) {
          gen.writeNumber(ExtraColumn.decimal(value, column.scale()));
        } else if (column.type() == PredictionSchema.NumberType.INTEGER) {
          gen.writeNumber(((Number) value).longValue());
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
