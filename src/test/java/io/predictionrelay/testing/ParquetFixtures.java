package io.predictionrelay.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/** Real Parquet files for tests, written with parquet-avro from an Avro schema and rows. */
public final class ParquetFixtures {
  private ParquetFixtures() {}

  /** A record schema from {@code name: type} pairs; a type ending in '?' is nullable. */
  public static Schema schema(String... fields) {
    StringBuilder json = new StringBuilder("{\"type\":\"record\",\"name\":\"row\",\"fields\":[");
    for (int i = 0; i < fields.length; i++) {
      String[] parts = fields[i].split(":");
      String type = parts[1].trim();
      boolean nullable = type.endsWith("?");
      type = nullable ? type.substring(0, type.length() - 1) : type;
      String avroType = type.equals("string") ? "{\"type\":\"string\",\"avro.java.string\":\"String\"}" : "\"" + type + "\"";
      json.append(i == 0 ? "" : ",")
          .append("{\"name\":\"").append(parts[0].trim()).append("\",\"type\":")
          .append(nullable ? "[\"null\"," + avroType + "]" : avroType)
          .append("}");
    }
    return new Schema.Parser().parse(json.append("]}").toString());
  }

  /** Writes rows, each a map from column to value (missing columns are null). */
  public static Path write(Path file, Schema schema, List<Map<String, Object>> rows) throws IOException {
    return write(file, schema, rows, ParquetWriter.DEFAULT_BLOCK_SIZE);
  }

  /**
   * {@link #write(Path, Schema, List)} with row groups of about {@code rowGroupBytes}; the writer
   * checks the size every 100 rows or so, so a tiny size gives row groups of about 100 rows.
   */
  public static Path write(Path file, Schema schema, List<Map<String, Object>> rows, long rowGroupBytes)
      throws IOException {
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
            .withSchema(schema)
            .withRowGroupSize(rowGroupBytes)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (Map<String, Object> row : rows) {
        GenericRecord record = new GenericData.Record(schema);
        row.forEach(record::put);
        writer.write(record);
      }
    }
    return file;
  }

  /** A row of {@code id_client} and {@code class_0..class_(n-1)}. */
  public static Map<String, Object> row(String id, double... values) {
    Map<String, Object> row = new java.util.LinkedHashMap<>();
    row.put("id_client", id);
    for (int i = 0; i < values.length; i++) {
      row.put("class_" + i, values[i]);
    }
    return row;
  }

  /** The schema {@code id_client: string, class_0..class_(n-1): double}. */
  public static Schema predictionSchema(int classes) {
    String[] fields = new String[classes + 1];
    fields[0] = "id_client: string";
    for (int i = 0; i < classes; i++) {
      fields[i + 1] = "class_" + i + ": double";
    }
    return schema(fields);
  }
}
