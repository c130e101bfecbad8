package io.predictionrelay.input;

import io.predictionrelay.input.ExtraColumn.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.HadoopParquetConfiguration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Where one data file holds each published column of its table, resolved at launch as the table's
 * format resolves it (by name, by Delta physical name, by Iceberg field id; {@link TableSchema}):
 * which of the file's columns to read, and for each published column (the id, the extra columns,
 * the class columns, in {@link RecordConverter}'s order) its position in the records read, or
 * {@link #ABSENT} where the file does not hold it (a column added later, or dropped and added
 * again: the table reads it as null there). Values of a narrower type than the table's (int for
 * long, float for double, a decimal of a smaller scale, timestamps of another unit) come as the
 * table's type.
 *
 * <p>Records are read under the table's column names, not the file's: a file's names may be ones
 * Avro does not accept (Delta's physical names, {@code col-5f42…}), and may name another column.
 */
public final class FileColumns implements Serializable {
  /** No position: the file does not hold the column, or it comes from the partition directories. */
  public static final int ABSENT = -1;
  /** The column of a Delta change data file that says what each row is: insert, update_preimage, update_postimage, delete. */
  public static final String CHANGE_TYPE = "_change_type";

  private final List<String> fileNames;
  private final List<String> recordNames;
  private final int[] positions;
  /** Per published column, the decimal scale of the file's values where they need rescaling, else -1. */
  private final int[] fileScales;
  private final int[] tableScales;
  /** Per published column, the timestamp kinds (ordinals) of the file and the table where they differ, else -1. */
  private final int[] fileKinds;
  private final int[] tableKinds;
  /** The position of {@link #CHANGE_TYPE} in the records read, or {@link #ABSENT}. */
  private final int changeTypeAt;

  FileColumns(List<String> fileNames, List<String> recordNames, int[] positions, int[] fileScales,
      int[] tableScales, int[] fileKinds, int[] tableKinds) {
    this(fileNames, recordNames, positions, fileScales, tableScales, fileKinds, tableKinds, ABSENT);
  }

  private FileColumns(List<String> fileNames, List<String> recordNames, int[] positions, int[] fileScales,
      int[] tableScales, int[] fileKinds, int[] tableKinds, int changeTypeAt) {
    this.fileNames = List.copyOf(fileNames);
    this.recordNames = List.copyOf(recordNames);
    this.positions = positions.clone();
    this.fileScales = fileScales.clone();
    this.tableScales = tableScales.clone();
    this.fileKinds = fileKinds.clone();
    this.tableKinds = tableKinds.clone();
    this.changeTypeAt = changeTypeAt;
  }

  /**
   * These columns and the file's {@link #CHANGE_TYPE} column after them: a Delta change data file's
   * rows are read with what each records ({@link #changeType}).
   */
  FileColumns withChangeType() {
    List<String> files = new ArrayList<>(fileNames);
    List<String> records = new ArrayList<>(recordNames);
    files.add(CHANGE_TYPE);
    records.add(CHANGE_TYPE);
    return new FileColumns(files, records, positions, fileScales, tableScales, fileKinds, tableKinds,
        files.size() - 1);
  }

  /** The {@link #CHANGE_TYPE} of a record read with these columns; null when they do not read it. */
  public String changeType(GenericRecord record) {
    if (changeTypeAt == ABSENT) {
      return null;
    }
    Object value = record.get(changeTypeAt);
    return value == null ? null : value.toString();
  }

  /** The file's own names of the columns read, in the order of the records' fields. */
  public List<String> fileNames() {
    return fileNames;
  }

  /** Whether the file holds the {@code column}-th published column. */
  public boolean holds(int column) {
    return positions[column] != ABSENT;
  }

  /**
   * The {@code column}-th published column's value in {@code record} (read with {@link #reader}), as
   * parquet-avro hands over a value of the table's type; null where the file does not hold the column.
   */
  public Object get(GenericRecord record, int column) {
    int at = positions[column];
    if (at == ABSENT) {
      return null;
    }
    Object value = record.get(at);
    if (value == null) {
      return null;
    }
    if (fileScales[column] >= 0) {
      return ExtraColumn.decimal(value, fileScales[column]).setScale(tableScales[column]);
    }
    if (fileKinds[column] >= 0) {
      Kind table = Kind.values()[tableKinds[column]];
      return ExtraColumn.timestamp(table, ExtraColumn.instant(Kind.values()[fileKinds[column]], value));
    }
    return value;
  }

  /**
   * A reader of this file's rows in {@code [start, end)} (the row groups whose midpoint falls there),
   * as records of the published columns the file holds, named as the table names them.
   */
  public ParquetReader<GenericRecord> reader(InputFile file, Configuration conf, long start, long end)
      throws IOException {
    return new Builder(file, this).withConf(conf).withFileRange(start, end).build();
  }

  /** {@link #reader(InputFile, Configuration, long, long)} of every row. */
  public ParquetReader<GenericRecord> reader(InputFile file, Configuration conf) throws IOException {
    return new Builder(file, this).withConf(conf).build();
  }

  private static final class Builder extends ParquetReader.Builder<GenericRecord> {
    private final FileColumns columns;

    Builder(InputFile file, FileColumns columns) {
      super(file);
      this.columns = columns;
    }

    @Override
    protected ReadSupport<GenericRecord> getReadSupport() {
      return new ProjectingReadSupport(columns);
    }
  }

  /**
   * parquet-avro's read support, asked for the file's columns by their own names and materializing
   * them under the table's: Parquet finds column chunks by the requested schema's names, and the
   * records' converters are matched to those columns by position.
   */
  private static final class ProjectingReadSupport extends AvroReadSupport<GenericRecord> {
    private final FileColumns columns;

    ProjectingReadSupport(FileColumns columns) {
      super(GenericData.get());
      this.columns = columns;
    }

    @Override
    public ReadContext init(Configuration conf, Map<String, String> keyValueMetaData, MessageType fileSchema) {
      return init(new HadoopParquetConfiguration(conf), keyValueMetaData, fileSchema);
    }

    @Override
    public ReadContext init(ParquetConfiguration conf, Map<String, String> keyValueMetaData, MessageType fileSchema) {
      List<Type> read = new ArrayList<>();
      for (String name : columns.fileNames) {
        read.add(fileSchema.getType(name));
      }
      ReadContext avro = super.init(conf, keyValueMetaData, fileSchema);
      return new ReadContext(new MessageType(fileSchema.getName(), read), avro.getReadSupportMetadata());
    }

    @Override
    public RecordMaterializer<GenericRecord> prepareForRead(Configuration conf, Map<String, String> keyValueMetaData,
        MessageType fileSchema, ReadContext context) {
      return prepareForRead(new HadoopParquetConfiguration(conf), keyValueMetaData, fileSchema, context);
    }

    @Override
    public RecordMaterializer<GenericRecord> prepareForRead(ParquetConfiguration conf,
        Map<String, String> keyValueMetaData, MessageType fileSchema, ReadContext context) {
      List<Type> renamed = new ArrayList<>();
      List<Type> requested = context.getRequestedSchema().getFields();
      for (int i = 0; i < requested.size(); i++) {
        renamed.add(rename(requested.get(i), avroName(columns.recordNames.get(i), i)));
      }
      // No Avro schema of the file's writer (parquet.avro.schema): it names the file's columns, not these.
      return super.prepareForRead(conf, Map.of(), fileSchema,
          new ReadContext(new MessageType("prediction", renamed), context.getReadSupportMetadata()));
    }
  }

  /** A file's column under another name (the published columns are all primitive). */
  private static Type rename(Type type, String name) {
    PrimitiveType primitive = type.asPrimitiveType();
    Types.PrimitiveBuilder<PrimitiveType> renamed =
        Types.primitive(primitive.getPrimitiveTypeName(), primitive.getRepetition());
    if (primitive.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY) {
      renamed.length(primitive.getTypeLength());
    }
    return renamed.as(primitive.getLogicalTypeAnnotation()).named(name);
  }

  /** The table's name where Avro accepts it, else one made of the column's place. */
  private static String avroName(String name, int position) {
    boolean valid = !name.isEmpty() && (Character.isLetter(name.charAt(0)) || name.charAt(0) == '_')
        && name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_');
    return valid ? name : "_column_" + position;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FileColumns other && fileNames.equals(other.fileNames) && recordNames.equals(other.recordNames)
        && Arrays.equals(positions, other.positions) && Arrays.equals(fileScales, other.fileScales)
        && Arrays.equals(tableScales, other.tableScales) && Arrays.equals(fileKinds, other.fileKinds)
        && Arrays.equals(tableKinds, other.tableKinds) && changeTypeAt == other.changeTypeAt;
  }

  @Override
  public int hashCode() {
    return fileNames.hashCode() * 31 + Arrays.hashCode(positions);
  }

  @Override
  public String toString() {
    return "FileColumns" + fileNames + " as " + recordNames + " at " + Arrays.toString(positions);
  }

  /** Deterministic coder for {@link FileColumns}. */
  static final class Coder extends AtomicCoder<FileColumns> {
    private static final Coder INSTANCE = new Coder();
    private static final ListCoder<String> NAMES = ListCoder.of(StringUtf8Coder.of());
    private static final VarIntCoder INT = VarIntCoder.of();

    static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(FileColumns columns, OutputStream out) throws IOException {
      NAMES.encode(columns.fileNames, out);
      NAMES.encode(columns.recordNames, out);
      INT.encode(columns.positions.length, out);
      for (int[] values : List.of(columns.positions, columns.fileScales, columns.tableScales, columns.fileKinds,
          columns.tableKinds)) {
        for (int value : values) {
          INT.encode(value, out);
        }
      }
      INT.encode(columns.changeTypeAt + 1, out); // ABSENT is -1: a varint of a negative number takes 5 bytes
    }

    @Override
    public FileColumns decode(InputStream in) throws IOException {
      List<String> fileNames = NAMES.decode(in);
      List<String> recordNames = NAMES.decode(in);
      int n = INT.decode(in);
      int[][] values = new int[5][n];
      for (int[] array : values) {
        for (int i = 0; i < n; i++) {
          array[i] = INT.decode(in);
        }
      }
      return new FileColumns(fileNames, recordNames, values[0], values[1], values[2], values[3], values[4],
          INT.decode(in) - 1);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
