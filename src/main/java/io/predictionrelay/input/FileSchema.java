package io.predictionrelay.input;

import io.predictionrelay.input.ExtraColumn.Kind;
import io.predictionrelay.model.PredictionSchema.ClassColumn;
import io.predictionrelay.model.PredictionSchema.IdType;
import io.predictionrelay.model.PredictionSchema.NumberType;
import io.predictionrelay.options.LaunchException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The columns a run publishes (the id, the class columns, the extra columns) as a table defines
 * them, checked against what the options ask and typed, and where each data file holds them
 * ({@link #columnsIn}); every problem a one-line {@link LaunchException} naming the file or table,
 * the column and its type.
 */
final class FileSchema {
  /** What the columns were read from: a file, an input of several files, or a table's snapshot. */
  final String source;
  /** Where a column was found, for messages: the file holding it, or the table. */
  private final Function<String, String> where;
  final PrimitiveType id;
  final IdType idType;
  final Map<Long, ClassColumn> classes = new TreeMap<>(); // by class number, hence ordered by it
  final Map<Long, PrimitiveType> classTypes = new TreeMap<>();
  final Map<String, PrimitiveType> extraFields = new LinkedHashMap<>(); // file columns among the extras
  final List<String> ignoredColumns = new ArrayList<>();
  /** The published file columns in {@link RecordConverter}'s order: the id, the extras asked for, the classes. */
  private final List<String> published = new ArrayList<>();

  private FileSchema(String source, Function<String, String> where, PrimitiveType id, IdType idType) {
    this.source = source;
    this.where = where;
    this.id = id;
    this.idType = idType;
  }

  IdType idType() {
    return idType;
  }

  /** The columns of one file, as a table of that file alone. */
  static FileSchema of(String file, MessageType schema, TableColumns columns, List<String> partitionColumns) {
    return of(file, column -> file, schema, columns, partitionColumns);
  }

  /**
   * The columns of a table whose schema is {@code schema}.
   *
   * @param source the file, input or table snapshot the schema is of, named by messages
   * @param where the file or table a column comes from, named by messages about that column
   */
  static FileSchema of(String source, Function<String, String> where, MessageType schema, TableColumns columns,
      List<String> partitionColumns) {
    String idName = columns.idColumn();
    if (!schema.containsField(idName)) {
      throw new LaunchException(source + ": no " + idName + " column (--idColumn)"
          + (partitionColumns.contains(idName) ? "; it is a partition column, which cannot be the id" : ""));
    }
    Type idField = schema.getType(idName);
    String idFile = where.apply(idName);
    FileSchema result = new FileSchema(source, where, primitive(idFile, idField, "the id: a string or an integer"),
        idType(idFile, idField));
    Pattern classPattern = columns.classRegex();
    Map<Long, String> byNumber = new TreeMap<>();
    for (Type field : schema.getFields()) {
      String name = field.getName();
      String file = where.apply(name);
      Matcher matcher = classPattern.matcher(name);
      if (name.equals(idName)) {
        continue;
      } else if (columns.extraColumns().contains(name)) {
        if (partitionColumns.contains(name)) {
          throw new LaunchException(file + ": " + name + " is both a column of the file and a partition column");
        }
        result.extraFields.put(name, primitive(file, field, "an extra column: a string, number, boolean, date or timestamp"));
        extraKind(file, result.extraFields.get(name)); // checks the type now
      } else if (matcher.matches()) {
        long number = classNumber(file, name, matcher.group(1), columns.classPattern());
        String earlier = byNumber.put(number, name);
        if (earlier != null) {
          throw new LaunchException(file + ": columns " + earlier + " and " + name
              + " have the same class number " + number + " (--classColumns=" + columns.classPattern() + ")");
        }
        PrimitiveType type = primitive(file, field, "a number");
        result.classes.put(number, classColumn(file, type));
        result.classTypes.put(number, type);
      } else {
        result.ignoredColumns.add(name);
      }
    }
    if (result.classes.isEmpty()) {
      throw new LaunchException(source + ": no column matches --classColumns=" + columns.classPattern());
    }
    for (String extra : columns.extraColumns()) {
      if (!result.extraFields.containsKey(extra) && !partitionColumns.contains(extra)) {
        throw new LaunchException("--extraColumns: " + extra + " is neither a column of " + source
            + " nor a partition directory above it" + (byNumber.containsValue(extra) ? " (it is a class column)" : ""));
      }
    }
    result.published.add(idName);
    result.published.addAll(columns.extraColumns());
    result.classes.values().forEach(column -> result.published.add(column.name()));
    return result;
  }

  /** The published columns that files hold (all but partition columns), in {@link RecordConverter}'s order. */
  List<String> fileColumns() {
    return published.stream().filter(column -> tableType(column) != null).toList();
  }

  /** The table's type of a published file column; null for a partition column. */
  private PrimitiveType tableType(String column) {
    if (column.equals(id.getName())) {
      return id;
    }
    if (extraFields.containsKey(column)) {
      return extraFields.get(column);
    }
    for (Map.Entry<Long, ClassColumn> entry : classes.entrySet()) {
      if (entry.getValue().name().equals(column)) {
        return classTypes.get(entry.getKey());
      }
    }
    return null;
  }

  /**
   * Where {@code file} holds each published column, given the file's own column for each table
   * column it holds ({@link TableSchema#columnsOf}).
   *
   * @param promotions whether a file's column may have a narrower type than the table's, as the
   *     table formats allow (int to long, float to double, a decimal widened, an integer to a
   *     decimal or double); plain Parquet files must agree on each column's type
   * @throws LaunchException naming the file, the column and both types, when the file's column
   *     cannot be read as the table's
   */
  FileColumns columnsIn(String file, Map<String, Type> held, boolean promotions) {
    int n = published.size();
    int[] positions = new int[n];
    int[] fileScales = new int[n];
    int[] tableScales = new int[n];
    int[] fileKinds = new int[n];
    int[] tableKinds = new int[n];
    List<String> fileNames = new ArrayList<>();
    List<String> recordNames = new ArrayList<>();
    if (!held.containsKey(id.getName()) && classes.values().stream().noneMatch(c -> held.containsKey(c.name()))) {
      throw new LaunchException(file + ": holds neither the id " + id.getName() + " nor any class column of "
          + source);
    }
    for (int k = 0; k < n; k++) {
      String name = published.get(k);
      PrimitiveType table = tableType(name);
      Type column = held.get(name);
      positions[k] = FileColumns.ABSENT;
      fileScales[k] = -1;
      fileKinds[k] = -1;
      tableKinds[k] = -1;
      if (table == null || column == null) {
        continue; // a partition column, or a column the file predates: read as null
      }
      PrimitiveType type = primitive(file, column, "a column of type " + typeOf(table));
      Kind mine = kindOrNull(type);
      Kind theirs = kindOrNull(table);
      int[] scales = compatible(type, mine, table, theirs, promotions);
      if (scales == null) {
        throw new LaunchException(file + ": column " + describe(type) + " cannot be read as " + name + " "
            + typeOf(table) + (where.apply(name).equals(file) ? "" : " of " + where.apply(name)));
      }
      fileScales[k] = scales[0];
      tableScales[k] = scales[1];
      if (mine != theirs && isTimestamp(mine)) {
        fileKinds[k] = mine.ordinal();
        tableKinds[k] = theirs.ordinal();
      }
      positions[k] = fileNames.size();
      fileNames.add(type.getName());
      recordNames.add(name);
    }
    return new FileColumns(fileNames, recordNames, positions, fileScales, tableScales, fileKinds, tableKinds);
  }

  /**
   * {file scale, table scale} when a value of {@code type} reads exactly as {@code table}: -1s when
   * no rescaling is needed; null when it cannot be read so.
   */
  private static int[] compatible(PrimitiveType type, Kind mine, PrimitiveType table, Kind theirs,
      boolean promotions) {
    int[] same = {-1, -1};
    if (mine == null || theirs == null) {
      return null;
    }
    if (mine == Kind.DECIMAL || theirs == Kind.DECIMAL) {
      if (theirs != Kind.DECIMAL || (mine != Kind.DECIMAL && mine != Kind.INTEGER)) {
        return null;
      }
      DecimalLogicalTypeAnnotation to = (DecimalLogicalTypeAnnotation) table.getLogicalTypeAnnotation();
      int precision;
      int scale;
      if (mine == Kind.INTEGER) {
        precision = type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32 ? 10 : 20;
        scale = 0;
      } else {
        DecimalLogicalTypeAnnotation from = (DecimalLogicalTypeAnnotation) type.getLogicalTypeAnnotation();
        precision = from.getPrecision();
        scale = from.getScale();
        if (precision == to.getPrecision() && scale == to.getScale()) {
          return same;
        }
      }
      boolean widens = scale <= to.getScale() && precision - scale <= to.getPrecision() - to.getScale();
      return promotions && widens ? new int[] {scale, to.getScale()} : null;
    }
    if (mine == theirs) {
      return same;
    }
    if (!promotions) {
      return null;
    }
    boolean widens = switch (theirs) {
      case DOUBLE -> mine == Kind.FLOAT || mine == Kind.INTEGER;
      case TIMESTAMP_MILLIS, TIMESTAMP_MICROS, TIMESTAMP_NANOS -> isTimestamp(mine) && isUtc(mine);
      case LOCAL_TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MICROS, LOCAL_TIMESTAMP_NANOS -> isTimestamp(mine) && !isUtc(mine);
      default -> false;
    };
    return widens ? same : null;
  }

  private static boolean isTimestamp(Kind kind) {
    return kind != null && (kind == Kind.INT96 || kind.name().contains("TIMESTAMP"));
  }

  private static boolean isUtc(Kind kind) {
    return !kind.name().startsWith("LOCAL_");
  }

  private static long classNumber(String file, String column, String group, String pattern) {
    try {
      return Long.parseLong(group);
    } catch (NumberFormatException e) {
      throw new LaunchException(file + ": column " + column + " matches --classColumns=" + pattern
          + " but its group '" + group + "' is not a class number");
    }
  }

  private static PrimitiveType primitive(String file, Type field, String expected) {
    if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)) {
      throw new LaunchException(file + ": column " + field.getName() + " is " + describe(field)
          + ", expected " + expected);
    }
    return field.asPrimitiveType();
  }

  private static IdType idType(String file, Type field) {
    Kind kind = kindOrNull(field.asPrimitiveType());
    if (kind == Kind.STRING || kind == Kind.INTEGER) {
      return kind == Kind.STRING ? IdType.STRING : IdType.INTEGER;
    }
    throw new LaunchException(file + ": column " + field.getName() + " is " + describe(field)
        + ", expected the id: a string or an integer");
  }

  private static boolean isPlainInteger(LogicalTypeAnnotation logical) {
    return logical == null
        || (logical instanceof IntLogicalTypeAnnotation i && (i.isSigned() || i.getBitWidth() < 64));
  }

  private static ClassColumn classColumn(String file, PrimitiveType type) {
    Kind kind = kindOrNull(type);
    if (kind == Kind.DECIMAL) {
      DecimalLogicalTypeAnnotation decimal = (DecimalLogicalTypeAnnotation) type.getLogicalTypeAnnotation();
      return ClassColumn.decimal(type.getName(), decimal.getPrecision(), decimal.getScale());
    }
    NumberType number = kind == null ? null : switch (kind) {
      case DOUBLE -> NumberType.DOUBLE;
      case FLOAT -> NumberType.FLOAT;
      case INTEGER -> NumberType.INTEGER;
      default -> null;
    };
    if (number == null) {
      throw new LaunchException(file + ": column " + type.getName() + " is " + describe(type)
          + ", expected a number: double, float, int, long or decimal");
    }
    return ClassColumn.of(type.getName(), number);
  }

  static ExtraColumn extraColumn(String file, PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    int scale = logical instanceof DecimalLogicalTypeAnnotation d ? d.getScale() : 0;
    return ExtraColumn.inFile(type.getName(), extraKind(file, type), scale);
  }

  private static Kind extraKind(String file, PrimitiveType type) {
    Kind kind = kindOrNull(type);
    if (kind == null) {
      throw new LaunchException(file + ": column " + type.getName() + " is " + describe(type)
          + ", expected an extra column: a string, number, boolean, date or timestamp");
    }
    return kind;
  }

  /** The kind of value a column holds, as an extra column would be written; null when it is none of them. */
  private static Kind kindOrNull(PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    if (logical instanceof DecimalLogicalTypeAnnotation) {
      return Kind.DECIMAL;
    }
    switch (type.getPrimitiveTypeName()) {
      case BINARY:
        if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation) {
          return Kind.STRING;
        }
        break;
      case INT32:
        if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
          return Kind.DATE;
        }
        if (isPlainInteger(logical)) {
          return Kind.INTEGER;
        }
        break;
      case INT64:
        if (logical instanceof TimestampLogicalTypeAnnotation ts) {
          boolean utc = ts.isAdjustedToUTC();
          TimeUnit unit = ts.getUnit();
          return switch (unit) {
            case MILLIS -> utc ? Kind.TIMESTAMP_MILLIS : Kind.LOCAL_TIMESTAMP_MILLIS;
            case MICROS -> utc ? Kind.TIMESTAMP_MICROS : Kind.LOCAL_TIMESTAMP_MICROS;
            case NANOS -> utc ? Kind.TIMESTAMP_NANOS : Kind.LOCAL_TIMESTAMP_NANOS;
          };
        }
        if (isPlainInteger(logical)) {
          return Kind.INTEGER;
        }
        break;
      case INT96:
        return Kind.INT96;
      case FLOAT:
        if (logical == null) {
          return Kind.FLOAT;
        }
        break;
      case DOUBLE:
        if (logical == null) {
          return Kind.DOUBLE;
        }
        break;
      case BOOLEAN:
        return Kind.BOOLEAN;
      default:
        break;
    }
    return null;
  }

  private static String describe(Type field) {
    return field.toString().trim().replaceAll("\\s+", " ");
  }

  /** A column's type, without its name: nullable or not does not matter. */
  private static String typeOf(PrimitiveType type) {
    return type.getPrimitiveTypeName().name().toLowerCase(java.util.Locale.ROOT)
        + (type.getLogicalTypeAnnotation() == null ? "" : " (" + type.getLogicalTypeAnnotation() + ")");
  }

  /**
   * The extra columns in the order asked for, partition columns typed by the table's schema when it
   * has one (Delta), else from all their values.
   */
  List<ExtraColumn> extraColumns(List<String> names, List<String> partitionColumns,
      Map<String, Kind> partitionKinds, java.util.Collection<List<String>> values) {
    List<ExtraColumn> extras = new ArrayList<>();
    for (String name : names) {
      if (extraFields.containsKey(name)) {
        extras.add(extraColumn(where.apply(name), extraFields.get(name)));
      } else {
        int index = partitionColumns.indexOf(name);
        Kind kind = partitionKinds.containsKey(name) ? partitionKinds.get(name) : partitionKind(index, values);
        extras.add(ExtraColumn.partition(name, kind, index));
      }
    }
    return extras;
  }

  /** As Spark infers a partition column's type: integer, else date, else string. */
  private static Kind partitionKind(int index, java.util.Collection<List<String>> values) {
    boolean integers = true;
    boolean dates = true;
    for (List<String> file : values) {
      String value = file.get(index);
      if (value == null) {
        continue;
      }
      integers &= value.matches("-?\\d{1,18}");
      dates &= isDate(value);
    }
    return integers ? Kind.INTEGER : dates ? Kind.DATE : Kind.STRING;
  }

  private static boolean isDate(String value) {
    try {
      return value.length() == 10 && LocalDate.parse(value) != null;
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}
