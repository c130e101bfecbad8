package io.predictionrelay.io;

import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.options.LaunchException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * The input of a run, known before the pipeline is built: the files a pattern matches, their common
 * prediction schema and their total row count, all read from the Parquet footers (no pass over the
 * data). Every problem is an {@link LaunchException} that names the file and column.
 */
public final class ParquetInput implements Serializable {
  private final String pattern;
  private final List<String> files;
  private final PredictionSchema schema;
  private final long totalRows;
  private final List<String> ignoredColumns;
  private final String avroSchema;
  private final List<InputSplit> splits;

  private ParquetInput(
      String pattern,
      List<String> files,
      PredictionSchema schema,
      long totalRows,
      List<String> ignoredColumns,
      Schema avroSchema,
      List<InputSplit> splits) {
    this.pattern = pattern;
    this.files = List.copyOf(files);
    this.schema = schema;
    this.totalRows = totalRows;
    this.ignoredColumns = List.copyOf(ignoredColumns);
    this.avroSchema = avroSchema.toString();
    this.splits = List.copyOf(splits);
  }

  /**
   * Matches {@code pattern} and validates every file's footer. A local directory, or any path ending
   * in '/', means the {@code .parquet} files directly inside it.
   */
  public static ParquetInput describe(String pattern) {
    String spec = pattern;
    boolean directory = pattern.endsWith("/") || isLocalDirectory(pattern);
    if (directory) {
      spec = (pattern.endsWith("/") ? pattern : pattern + "/") + "*.parquet";
    }
    List<MatchResult.Metadata> matches = match(pattern, spec);
    if (matches.isEmpty()) {
      throw new LaunchException(
          directory
              ? "--input " + pattern + ": the directory holds no .parquet files"
              : "--input " + pattern + ": no file matches");
    }
    matches.sort((a, b) -> a.resourceId().toString().compareTo(b.resourceId().toString()));

    List<String> files = new ArrayList<>();
    List<InputSplit> splits = new ArrayList<>();
    long rows = 0;
    FileSchema first = null;
    for (MatchResult.Metadata file : matches) {
      String name = file.resourceId().toString();
      ParquetMetadata footer = readFooter(file);
      FileSchema fileSchema = FileSchema.of(name, footer.getFileMetaData().getSchema());
      if (first == null) {
        first = fileSchema;
      } else {
        first.requireSameAs(fileSchema);
      }
      files.add(name);
      long firstRow = 0;
      for (BlockMetaData block : footer.getBlocks()) {
        long start = block.getStartingPos();
        splits.add(new InputSplit(splits.size(), name, file.sizeBytes(), start,
            start + Math.max(1, block.getCompressedSize()), firstRow, block.getRowCount()));
        firstRow += block.getRowCount();
      }
      rows += firstRow;
    }
    return new ParquetInput(pattern, files, first.predictionSchema(), rows, first.ignoredColumns,
        first.avroSchema(), splits);
  }

  public String pattern() {
    return pattern;
  }

  public List<String> files() {
    return files;
  }

  /** The units of reading, one per row group, numbered in file and row order. */
  public List<InputSplit> splits() {
    return splits;
  }

  public PredictionSchema schema() {
    return schema;
  }

  /** The sum of the row counts in the footers: what a complete run must account for. */
  public long totalRows() {
    return totalRows;
  }

  /** Columns that are neither {@code id_client} nor a class column; they are not published. */
  public List<String> ignoredColumns() {
    return ignoredColumns;
  }

  /** The Avro schema that reads exactly {@code id_client} and the class columns, in order. */
  public Schema avroSchema() {
    return new Schema.Parser().parse(avroSchema);
  }

  /**
   * Reads every row of one of this input's files as an Avro record of {@link #avroSchema()}, in
   * file order. For tools (the verifier); the pipeline reads through ParquetIO.
   */
  public void readRecords(String file, java.util.function.Consumer<GenericRecord> consumer)
      throws IOException {
    readRecords(file, Long.MAX_VALUE, consumer);
  }

  /** {@link #readRecords(String, java.util.function.Consumer)}, stopping after {@code maxRows}. */
  public void readRecords(
      String file, long maxRows, java.util.function.Consumer<GenericRecord> consumer)
      throws IOException {
    MatchResult.Metadata metadata = FileSystems.matchSingleFileSpec(file);
    Configuration conf = new Configuration(false);
    AvroReadSupport.setRequestedProjection(conf, avroSchema());
    AvroReadSupport.setAvroReadSchema(conf, avroSchema());
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(
                new BeamInputFile(metadata.resourceId(), metadata.sizeBytes()))
            .withDataModel(GenericData.get())
            .withConf(conf)
            .build()) {
      long rows = 0;
      for (GenericRecord record; rows < maxRows && (record = reader.read()) != null; rows++) {
        consumer.accept(record);
      }
    }
  }

  private static boolean isLocalDirectory(String pattern) {
    try {
      return !pattern.contains("://") && Files.isDirectory(Path.of(pattern));
    } catch (RuntimeException invalidPath) {
      return false;
    }
  }

  private static List<MatchResult.Metadata> match(String pattern, String spec) {
    try {
      MatchResult result = FileSystems.match(spec, EmptyMatchTreatment.ALLOW);
      if (result.status() == MatchResult.Status.NOT_FOUND) {
        throw new LaunchException("--input " + pattern + ": no such file or directory");
      }
      if (result.metadata().isEmpty() && !FileSystems.hasGlobWildcard(spec)) {
        throw new LaunchException("--input " + pattern + ": no such file or directory");
      }
      List<MatchResult.Metadata> files = new ArrayList<>();
      for (MatchResult.Metadata metadata : result.metadata()) {
        String name = metadata.resourceId().getFilename();
        if (name != null && !name.startsWith(".") && !name.startsWith("_")) {
          files.add(metadata);
        }
      }
      return files;
    } catch (IOException | IllegalArgumentException e) {
      throw new LaunchException("--input " + pattern + ": " + e.getMessage(), e);
    }
  }

  private static ParquetMetadata readFooter(MatchResult.Metadata file) {
    String name = file.resourceId().toString();
    if (file.sizeBytes() == 0) {
      throw new LaunchException(name + ": empty file, not Parquet");
    }
    InputFile input = new BeamInputFile(file.resourceId(), file.sizeBytes());
    try (ParquetFileReader reader = ParquetFileReader.open(input)) {
      return reader.getFooter();
    } catch (IOException | RuntimeException e) {
      throw new LaunchException(
          name + ": not a readable Parquet file (truncated or another format): " + firstLine(e), e);
    }
  }

  private static String firstLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** The columns of one file that matter here, checked. */
  private static final class FileSchema {
    final String file;
    final PrimitiveType id;
    final Map<Integer, PrimitiveType> classes; // by class number, hence ordered by n
    final List<String> ignoredColumns;

    private FileSchema(
        String file, PrimitiveType id, Map<Integer, PrimitiveType> classes, List<String> ignored) {
      this.file = file;
      this.id = id;
      this.classes = classes;
      this.ignoredColumns = ignored;
    }

    static FileSchema of(String file, MessageType schema) {
      PrimitiveType id = null;
      Map<Integer, PrimitiveType> classes = new TreeMap<>();
      List<String> ignored = new ArrayList<>();
      for (Type field : schema.getFields()) {
        String name = field.getName();
        if (name.equals(PredictionSchema.ID_COLUMN)) {
          id = requireString(file, field);
        } else if (name.startsWith("class_") && name.length() > "class_".length()) {
          int n = PredictionSchema.classNumber(name);
          if (n < 0) {
            throw new LaunchException(
                file + ": column " + name + " is not a class column name: expected class_<n>,"
                    + " n without leading zeros");
          }
          classes.put(n, requireNumber(file, field));
        } else {
          ignored.add(name);
        }
      }
      if (id == null) {
        throw new LaunchException(file + ": no " + PredictionSchema.ID_COLUMN + " column");
      }
      if (classes.isEmpty()) {
        throw new LaunchException(file + ": no class_<n> columns");
      }
      return new FileSchema(file, id, classes, ignored);
    }

    private static PrimitiveType requireString(String file, Type field) {
      if (field.isPrimitive()
          && !field.isRepetition(Type.Repetition.REPEATED)
          && field.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY
          && field.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation) {
        return field.asPrimitiveType();
      }
      throw new LaunchException(
          file + ": column " + field.getName() + " is " + describe(field) + ", expected a string");
    }

    private static PrimitiveType requireNumber(String file, Type field) {
      if (field.isPrimitive() && !field.isRepetition(Type.Repetition.REPEATED)) {
        PrimitiveType type = field.asPrimitiveType();
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        boolean plainNumber =
            logical == null || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation;
        switch (type.getPrimitiveTypeName()) {
          case DOUBLE:
          case FLOAT:
            if (logical == null) {
              return type;
            }
            break;
          case INT32:
          case INT64:
            if (plainNumber) {
              return type;
            }
            break;
          default:
            break;
        }
      }
      throw new LaunchException(
          file + ": column " + field.getName() + " is " + describe(field) + ", expected a number");
    }

    private static String describe(Type field) {
      return field.toString().trim().replaceAll("\\s+", " ");
    }

    void requireSameAs(FileSchema other) {
      String mine = signature();
      String theirs = other.signature();
      if (!mine.equals(theirs)) {
        throw new LaunchException(
            other.file + ": schema differs from " + file + ": [" + theirs + "] vs [" + mine + "]");
      }
    }

    private String signature() {
      StringBuilder s = new StringBuilder(describe(id));
      classes.values().forEach(type -> s.append(", ").append(describe(type)));
      return s.toString();
    }

    PredictionSchema predictionSchema() {
      return PredictionSchema.of(classes.values().stream().map(Type::getName).toList());
    }

    Schema avroSchema() {
      Types.MessageTypeBuilder projection = Types.buildMessage();
      projection.addField(id);
      classes.values().forEach(projection::addField);
      return new AvroSchemaConverter().convert(projection.named("prediction"));
    }
  }
}
