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
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.MessageType;

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
  private final long deletedRows;
  private final Map<String, long[]> fileDeletes;
  private final List<String> ignoredColumns;
  private final Map<String, Integer> absentColumns;
  private final Map<String, FileColumns> fileColumns;
  private final List<InputSplit> splits;
  private final String snapshot;
  /** The Delta or Iceberg snapshot read (null for plain Parquet); known at launch only. */
  private final transient TableSnapshot table;
  /** The published columns, to plan further files of the table ({@link #splitsOf}); known at launch only. */
  private final transient FileSchema published;
  private final List<String> identities;
  private final List<FileStamp> stamps;

  /** A data file as a run's fingerprint knows it: its path, size and modification time. */
  public record FileStamp(String path, long size, long modifiedMillis) implements Serializable {}

  private ParquetInput(String pattern, List<String> files, Map<String, List<String>> partitionValues,
      Map<String, FileColumns> fileColumns, Map<String, long[]> fileDeletes, PredictionSchema schema,
      List<ExtraColumn> extraColumns, long totalRows, long deletedRows, List<String> ignoredColumns,
      Map<String, Integer> absentColumns, List<InputSplit> splits, TableSnapshot table, FileSchema published,
      List<String> identities, List<FileStamp> stamps) {
    this.pattern = pattern;
    this.files = List.copyOf(files);
    this.partitionValues = partitionValues;
    this.schema = schema;
    this.extraColumns = List.copyOf(extraColumns);
    this.totalRows = totalRows;
    this.deletedRows = deletedRows;
    this.fileDeletes = fileDeletes;
    this.ignoredColumns = List.copyOf(ignoredColumns);
    this.absentColumns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(absentColumns));
    this.fileColumns = fileColumns;
    this.splits = List.copyOf(splits);
    this.table = table;
    this.snapshot = table == null ? "" : table.describe();
    this.published = published;
    this.identities = List.copyOf(identities);
    this.stamps = List.copyOf(stamps);
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

  /**
   * Finds the table's files, the columns it publishes (the snapshot's schema for a Delta or Iceberg
   * table, the union of the files' columns for plain Parquet, as Spark's {@code mergeSchema} reads
   * them), and where each file holds them; validates every footer against the columns asked for.
   */
  public static ParquetInput describe(String inputs, TableColumns columns, TableSnapshot.At at) {
    FoundFiles.Found found = TableFiles.discover(inputs, at);
    List<String> partitionColumns = found.partitionColumns();
    List<MessageType> fileSchemas = new ArrayList<>();
    List<ParquetMetadata> footers = new ArrayList<>();
    for (TableFile file : found.files()) {
      ParquetMetadata footer = readFooter(file);
      footers.add(footer);
      fileSchemas.add(footer.getFileMetaData().getSchema());
    }
    TableSchema table = found.schema();
    FileSchema published = published(inputs, found, fileSchemas, columns);
    List<String> files = new ArrayList<>();
    Map<String, List<String>> partitionValues = new LinkedHashMap<>();
    Map<String, FileColumns> fileColumns = new LinkedHashMap<>();
    Map<String, Integer> absent = new LinkedHashMap<>();
    List<String> identities = new ArrayList<>();
    List<FileStamp> stamps = new ArrayList<>();
    List<InputSplit> splits = new ArrayList<>();
    Map<String, long[]> fileDeletes = new LinkedHashMap<>();
    long rows = 0;
    long deletedRows = 0;
    for (int i = 0; i < found.files().size(); i++) {
      TableFile file = found.files().get(i);
      ParquetMetadata footer = footers.get(i);
      Map<String, org.apache.parquet.schema.Type> held = table.columnsOf(fileSchemas.get(i));
      FileColumns read = published.columnsIn(file.path(), held, table.columns() != null);
      published.fileColumns().stream().filter(c -> !held.containsKey(c))
          .forEach(c -> absent.merge(c, 1, Integer::sum));
      files.add(file.path());
      partitionValues.put(file.path(), file.partitionValues());
      fileColumns.put(file.path(), read);
      long[] deleted = file.deleted();
      stamps.add(new FileStamp(file.path(), file.size(), file.modifiedMillis()));
      identities.add(file.path() + " " + file.size() + " bytes, modified " + file.modifiedMillis() + ", "
          + footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum() + " rows"
          + (deleted.length == 0 ? "" : ", " + deleted.length + " deleted " + java.util.Arrays.hashCode(deleted)));
      long firstRow = addSplits(file, footer, read, splits.size(), splits);
      deletedRows += deleted.length;
      fileDeletes.put(file.path(), deleted);
      if (file.metadataRows() >= 0 && file.metadataRows() != firstRow) {
        throw new LaunchException(file.path() + ": the table's metadata counts " + file.metadataRows()
            + " rows, its footer " + firstRow + " (the file was changed)");
      }
      rows += firstRow - deleted.length;
    }
    List<ExtraColumn> extras = published.extraColumns(columns.extraColumns(), partitionColumns,
        found.partitionKinds(), partitionValues.values());
    List<String> ignored = new ArrayList<>(published.ignoredColumns);
    partitionColumns.stream().filter(c -> !columns.extraColumns().contains(c)).forEach(ignored::add);
    PredictionSchema schema = PredictionSchema.of(columns.idColumn(), published.idType(), columns.extraColumns(),
        new ArrayList<>(published.classes.values()));
    return new ParquetInput(inputs, files, partitionValues, fileColumns, fileDeletes, schema, extras, rows,
        deletedRows, ignored, absent, splits, found.table(), published, identities, stamps);
  }

  /**
   * Adds a file's splits, one per row group numbered from {@code firstIndex}, each with the
   * positions of its rows the table deletes; where the file has selected rows, one per row group
   * holding any, each with the positions of its selected rows. Returns the file's row count.
   */
  private static long addSplits(TableFile file, ParquetMetadata footer, FileColumns read, int firstIndex,
      List<InputSplit> splits) {
    boolean selecting = file.selected() != null;
    long[] positions = selecting ? file.selected() : file.deleted();
    long firstRow = 0;
    int next = 0;
    int index = firstIndex;
    for (BlockMetaData block : footer.getBlocks()) {
      long start = block.getStartingPos();
      int from = next;
      while (next < positions.length && positions[next] < firstRow + block.getRowCount()) {
        next++;
      }
      long[] these = java.util.Arrays.copyOfRange(positions, from, next);
      if (!selecting || these.length > 0) { // a row group with no selected row is not read
        splits.add(new InputSplit(index++, file.path(), file.size(), start,
            start + Math.max(1, block.getCompressedSize()), firstRow, block.getRowCount(),
            file.partitionValues(), read, selecting ? TableFile.NONE : these, selecting ? these : null));
      }
      firstRow += block.getRowCount();
    }
    if (next < positions.length) {
      throw new LaunchException(file.path() + ": the table " + (selecting ? "changes" : "deletes") + " row "
          + positions[next] + ", beyond its " + firstRow + " rows (the file was changed)");
    }
    return firstRow;
  }

  /**
   * The splits of further files of this input's table, found and read with its columns as its own
   * files are (Delta's physical names, partition values), numbered from {@code firstIndex}: the
   * files an incremental run reads from a Delta table's change data feed. With {@code changeType},
   * each file's {@code _change_type} column ({@link FileColumns#CHANGE_TYPE}) is read too. Only at
   * launch: what it needs is not serialized.
   */
  List<InputSplit> splitsOf(List<TableFile> files, boolean changeType, int firstIndex) {
    if (table == null || published == null) {
      throw new IllegalStateException("splitsOf needs the table's snapshot, known at launch only: " + pattern);
    }
    List<InputSplit> splits = new ArrayList<>();
    for (TableFile file : files) {
      ParquetMetadata footer = readFooter(file);
      MessageType fileSchema = footer.getFileMetaData().getSchema();
      FileColumns read = published.columnsIn(file.path(), table.schema().columnsOf(fileSchema), true);
      if (changeType) {
        if (!fileSchema.containsField(FileColumns.CHANGE_TYPE)) {
          throw new LaunchException(file.path() + ": a change data file without a " + FileColumns.CHANGE_TYPE
              + " column");
        }
        read = read.withChangeType();
      }
      addSplits(file, footer, read, firstIndex + splits.size(), splits);
    }
    return splits;
  }

  /**
   * The columns published, checked and typed: from the table's schema for a Delta or Iceberg table,
   * from the union of the files' columns for plain Parquet (a column's problems then name the first
   * file that holds it).
   */
  private static FileSchema published(String inputs, FoundFiles.Found found, List<MessageType> fileSchemas,
      TableColumns columns) {
    if (found.schema().columns() != null) {
      return FileSchema.of(found.snapshot(), column -> found.snapshot(), found.schema().columns(), columns,
          found.partitionColumns());
    }
    Map<String, String> firstHolder = new LinkedHashMap<>();
    for (int i = 0; i < fileSchemas.size(); i++) {
      for (org.apache.parquet.schema.Type column : fileSchemas.get(i).getFields()) {
        firstHolder.putIfAbsent(column.getName(), found.files().get(i).path());
      }
    }
    String source = found.files().size() == 1 ? found.files().get(0).path() : "--input " + inputs;
    return FileSchema.of(source, column -> firstHolder.getOrDefault(column, source),
        TableSchema.union(fileSchemas), columns, found.partitionColumns());
  }

  public String pattern() {
    return pattern;
  }

  /** Which snapshot of which Delta or Iceberg table the files are, in one phrase; empty for plain Parquet. */
  public String snapshot() {
    return snapshot;
  }

  /**
   * The Delta or Iceberg snapshot the files are, typed (its location and version); empty for plain
   * Parquet. Known at launch only: it is not serialized.
   */
  public Optional<TableSnapshot> table() {
    if (table == null && !snapshot.isEmpty()) {
      throw new IllegalStateException("the snapshot of " + pattern + " is known at launch only");
    }
    return Optional.ofNullable(table);
  }

  public List<String> files() {
    return files;
  }

  /** Each data file's path, size and modification time, in path order. */
  public List<FileStamp> fileStamps() {
    return stamps;
  }

  /** The positions of a file's rows that the table deletes, ascending (empty: none). */
  public long[] deleted(String file) {
    return fileDeletes.getOrDefault(file, FoundFiles.TableFile.NONE).clone();
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

  /**
   * The rows of the table: the sum of the row counts in the footers, less the rows the table
   * deletes ({@link #deletedRows()}). What a complete run must account for.
   */
  public long totalRows() {
    return totalRows;
  }

  /** Rows in the files that the table deletes (Delta deletion vectors, Iceberg delete files): never read. */
  public long deletedRows() {
    return deletedRows;
  }

  /** Columns and partition columns that are not published. */
  public List<String> ignoredColumns() {
    return ignoredColumns;
  }

  /**
   * Published columns that some files do not hold, each with how many files lack it: their rows
   * read it as null (a column added to the table after they were written).
   */
  public Map<String, Integer> absentColumns() {
    return absentColumns;
  }

  /** Where one of this input's files holds each published column. */
  public FileColumns columns(String file) {
    return fileColumns.get(file);
  }

  /** The read configuration of every file: INT96 timestamps come as fixed(12). */
  static Configuration readConfiguration() {
    Configuration conf = new Configuration(false);
    conf.setBoolean(AvroReadSupport.READ_INT96_AS_FIXED, true);
    return conf;
  }

  /**
   * Reads every row of one of this input's files as an Avro record of the published columns it
   * holds ({@link #columns(String)} says where), in file order. For tools (the verifier); the
   * pipeline reads by splits ({@link SplitReader}).
   */
  public void readRecords(String file, Consumer<GenericRecord> consumer) throws IOException {
    readRecords(file, Long.MAX_VALUE, consumer);
  }

  /** {@link #readRecords(String, Consumer)}, stopping after {@code maxRows}; rows the table deletes are left out. */
  public void readRecords(String file, long maxRows, Consumer<GenericRecord> consumer) throws IOException {
    // One of files() is a resource's name, not a spec: on HDFS a spec reads its '%' escapes as text.
    var split = splits.stream().filter(s -> s.file().equals(file)).findFirst();
    InputFile input;
    if (split.isPresent()) {
      input = new BeamInputFile(FileSystems.matchNewResource(file, false), split.get().fileSize());
    } else {
      var metadata = FileSystems.matchSingleFileSpec(file);
      input = new BeamInputFile(metadata.resourceId(), metadata.sizeBytes());
    }
    long[] deleted = fileDeletes.get(file);
    try (ParquetReader<GenericRecord> reader = columns(file).reader(input, readConfiguration())) {
      long rows = 0;
      int nextDeleted = 0;
      for (long position = 0; rows < maxRows; position++) {
        GenericRecord record = reader.read();
        if (record == null) {
          break;
        }
        if (nextDeleted < deleted.length && deleted[nextDeleted] == position) {
          nextDeleted++;
          continue;
        }
        consumer.accept(record);
        rows++;
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
