package io.predictionrelay.input;

import io.predictionrelay.input.FoundFiles.TableFile;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.options.LaunchException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;

/**
 * The input of a run, known before the pipeline is built: the data files of the table
 * ({@link TableFiles}), the columns published with their types, the row count and the row groups,
 * all from the Parquet footers and the table's directories (no pass over the data). Every problem
 * is a {@link LaunchException} that names the file, column and type, or the option.
 */
public final class ParquetInput implements Serializable {
  private final String pattern;
  private final List<String> files;
  private final Map<String, List<String>> partitionValues;
  private final PredictionSchema schema;
  private final List<ExtraColumn> extraColumns;
  private final long totalRows;
  private final List<String> ignoredColumns;
  private final String avroSchema;
  private final List<InputSplit> splits;
  private final String snapshot;
  private final List<String> identities;

  private ParquetInput(String pattern, List<String> files, Map<String, List<String>> partitionValues,
      PredictionSchema schema, List<ExtraColumn> extraColumns, long totalRows,
      List<String> ignoredColumns, Schema avroSchema, List<InputSplit> splits, String snapshot,
      List<String> identities) {
    this.pattern = pattern;
    this.files = List.copyOf(files);
    this.partitionValues = partitionValues;
    this.schema = schema;
    this.extraColumns = List.copyOf(extraColumns);
    this.totalRows = totalRows;
    this.ignoredColumns = List.copyOf(ignoredColumns);
    this.avroSchema = avroSchema.toString();
    this.splits = List.copyOf(splits);
    this.snapshot = snapshot;
    this.identities = List.copyOf(identities);
  }

  /**
   * What identifies this input's data: each file's path, size, modification time and row count,
   * and the table snapshot, if any. The same lines mean the same rows.
   */
  public List<String> identity() {
    List<String> lines = new ArrayList<>(identities);
    if (snapshot != null && !snapshot.isEmpty()) {
      lines.add(snapshot);
    }
    return lines;
  }

  /** The classic table: {@code id_client} and {@code class_<n>} columns. */
  public static ParquetInput describe(String inputs) {
    return describe(inputs, TableColumns.CLASSIC);
  }

  /** The latest snapshot of a Delta or Iceberg table, and every file of any other input. */
  public static ParquetInput describe(String inputs, TableColumns columns) {
    return describe(inputs, columns, TableSnapshot.At.LATEST);
  }

  /** Finds the table's files and validates every footer against the columns asked for. */
  public static ParquetInput describe(String inputs, TableColumns columns, TableSnapshot.At at) {
    FoundFiles.Found found = TableFiles.discover(inputs, at);
    List<String> partitionColumns = found.partitionColumns();
    List<String> files = new ArrayList<>();
    Map<String, List<String>> partitionValues = new LinkedHashMap<>();
    List<String> identities = new ArrayList<>();
    List<InputSplit> splits = new ArrayList<>();
    long rows = 0;
    FileSchema first = null;
    for (TableFile file : found.files()) {
      ParquetMetadata footer = readFooter(file);
      FileSchema fileSchema =
          FileSchema.of(file.path(), footer.getFileMetaData().getSchema(), columns, partitionColumns);
      if (first == null) {
        first = fileSchema;
      } else {
        first.requireSameAs(fileSchema);
      }
      files.add(file.path());
      partitionValues.put(file.path(), file.partitionValues());
      identities.add(file.path() + " " + file.size() + " bytes, modified " + file.modifiedMillis() + ", "
          + footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum() + " rows");
      long firstRow = 0;
      for (BlockMetaData block : footer.getBlocks()) {
        long start = block.getStartingPos();
        splits.add(new InputSplit(splits.size(), file.path(), file.size(), start,
            start + Math.max(1, block.getCompressedSize()), firstRow, block.getRowCount(),
            file.partitionValues()));
        firstRow += block.getRowCount();
      }
      if (file.metadataRows() >= 0 && file.metadataRows() != firstRow) {
        throw new LaunchException(file.path() + ": the table's metadata counts " + file.metadataRows()
            + " rows, its footer " + firstRow + " (the file was changed)");
      }
      rows += firstRow;
    }
    List<ExtraColumn> extras =
        first.extraColumns(columns.extraColumns(), partitionColumns, found.partitionKinds(), partitionValues.values());
    List<String> ignored = new ArrayList<>(first.ignoredColumns);
    partitionColumns.stream().filter(c -> !columns.extraColumns().contains(c)).forEach(ignored::add);
    PredictionSchema schema = PredictionSchema.of(columns.idColumn(), first.idType(), columns.extraColumns(),
        new ArrayList<>(first.classes.values()));
    return new ParquetInput(inputs, files, partitionValues, schema, extras, rows, ignored,
        first.avroSchema(), splits, found.snapshot(), identities);
  }

  public String pattern() {
    return pattern;
  }

  /** Which snapshot of which Delta or Iceberg table the files are; empty for plain Parquet. */
  public String snapshot() {
    return snapshot;
  }

  public List<String> files() {
    return files;
  }

  /** A file's Hive partition values, in the order of the partition columns. */
  public List<String> partitionValues(String file) {
    return partitionValues.get(file);
  }

  /** The units of reading, one per row group, numbered in file and row order. */
  public List<InputSplit> splits() {
    return splits;
  }

  public PredictionSchema schema() {
    return schema;
  }

  /** How each extra column of {@link #schema()} is read and written. */
  public List<ExtraColumn> extraColumns() {
    return extraColumns;
  }

  /** The sum of the row counts in the footers: what a complete run must account for. */
  public long totalRows() {
    return totalRows;
  }

  /** Columns and partition columns that are not published. */
  public List<String> ignoredColumns() {
    return ignoredColumns;
  }

  /** The Avro schema that reads exactly the published file columns: id, extras, classes. */
  public Schema avroSchema() {
    return new Schema.Parser().parse(avroSchema);
  }

  /** The read configuration for {@link #avroSchema()}; INT96 timestamps come as fixed(12). */
  static Configuration readConfiguration(Schema schema) {
    Configuration conf = new Configuration(false);
    conf.setBoolean(AvroReadSupport.READ_INT96_AS_FIXED, true);
    // Records come in this schema's column order, whatever each file's order.
    AvroReadSupport.setRequestedProjection(conf, schema);
    AvroReadSupport.setAvroReadSchema(conf, schema);
    return conf;
  }

  /**
   * Reads every row of one of this input's files as an Avro record of {@link #avroSchema()}, in
   * file order. For tools (the verifier); the pipeline reads by splits ({@link SplitReader}).
   */
  public void readRecords(String file, Consumer<GenericRecord> consumer) throws IOException {
    readRecords(file, Long.MAX_VALUE, consumer);
  }

  /** {@link #readRecords(String, Consumer)}, stopping after {@code maxRows}. */
  public void readRecords(String file, long maxRows, Consumer<GenericRecord> consumer) throws IOException {
    var metadata = FileSystems.matchSingleFileSpec(file);
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(new BeamInputFile(metadata.resourceId(), metadata.sizeBytes()))
            .withDataModel(GenericData.get())
            .withConf(readConfiguration(avroSchema()))
            .build()) {
      long rows = 0;
      for (GenericRecord record; rows < maxRows && (record = reader.read()) != null; rows++) {
        consumer.accept(record);
      }
    }
  }

  private static ParquetMetadata readFooter(TableFile file) {
    if (file.size() == 0) {
      throw new LaunchException(file.path() + ": empty file, not Parquet");
    }
    InputFile input = new BeamInputFile(FileSystems.matchNewResource(file.path(), false), file.size());
    try (ParquetFileReader reader = ParquetFileReader.open(input)) {
      return reader.getFooter();
    } catch (IOException | RuntimeException e) {
      throw new LaunchException(
          file.path() + ": not a readable Parquet file (truncated or another format): " + FoundFiles.firstLine(e), e);
    }
  }

}
