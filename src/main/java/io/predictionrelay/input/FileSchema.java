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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * The columns of one Parquet file that a run publishes (the id, the class columns, the extra
 * columns), checked against what the options ask and typed; every problem a one-line
 * {@link LaunchException} naming the file, the column and its type.
 */
final class FileSchema {
  final String file;
  final PrimitiveType id;
  final IdType idType;
  final Map<Long, ClassColumn> classes = new TreeMap<>(); // by class number, hence ordered by it
  final Map<Long, PrimitiveType> classTypes = new TreeMap<>();
  final Map<String, PrimitiveType> extraFields = new LinkedHashMap<>(); // file columns among the extras
  final List<String> ignoredColumns = new ArrayList<>();

  private FileSchema(String file, PrimitiveType id, IdType idType) {
    this.file = file;
    this.id = id;
    this.idType = idType;
  }

  IdType idType() {
    return idType;
  }

  static FileSchema of(String file, MessageType schema, TableColumns columns, List<String> partitionColumns) {
    String idName = columns.idColumn();
    if (!schema.containsField(idName)) {
      throw new LaunchException(file + ": no " + idName + " column (--idColumn)"
          + (partitionColumns.contains(idName) ? "; it is a partition column, which cannot be the id" : ""));
    }
    Type idField = schema.getType(idName);
    FileSchema result = new FileSchema(file, primitive(file, idField, "the id: a string or an integer"),
        idType(file, idField));
    Pattern classPattern = columns.classRegex();
    Map<Long, String> byNumber = new TreeMap<>();
    for (Type field : schema.getFields()) {
      String name = field.getName();
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
      throw new LaunchException(file + ": no column matches --classColumns=" + columns.classPattern());
    }
    for (String extra : columns.extraColumns()) {
      if (!result.extraFields.containsKey(extra) && !partitionColumns.contains(extra)) {
        throw new LaunchException("--extraColumns: " + extra + " is neither a column of " + file
            + " nor a partition directory above it" + (byNumber.containsValue(extra) ? " (it is a class column)" : ""));
      }
    }
    return result;
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
    PrimitiveType type = field.asPrimitiveType();
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    switch (type.getPrimitiveTypeName()) {
      case BINARY:
        if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation) {
          return IdType.STRING;
        }
        break;
      case INT32:
      case INT64:
        if (isPlainInteger(logical)) {
          return IdType.INTEGER;
        }
        break;
      default:
        break;
    }
    throw new LaunchException(file + ": column " + field.getName() + " is " + describe(field)
        + ", expected the id: a string or an integer");
  }

  private static boolean isPlainInteger(LogicalTypeAnnotation logical) {
    return logical == null
        || (logical instanceof IntLogicalTypeAnnotation i && (i.isSigned() || i.getBitWidth() < 64));
  }

  private static ClassColumn classColumn(String file, PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    if (logical instanceof DecimalLogicalTypeAnnotation decimal) {
      return ClassColumn.decimal(type.getName(), decimal.getPrecision(), decimal.getScale());
    }
    switch (type.getPrimitiveTypeName()) {
      case DOUBLE:
        if (logical == null) {
          return ClassColumn.of(type.getName(), NumberType.DOUBLE);
        }
        break;
      case FLOAT:
        if (logical == null) {
          return ClassColumn.of(type.getName(), NumberType.FLOAT);
        }
        break;
      case INT32:
      case INT64:
        if (isPlainInteger(logical)) {
          return ClassColumn.of(type.getName(), NumberType.INTEGER);
        }
        break;
      default:
        break;
    }
    throw new LaunchException(file + ": column " + type.getName() + " is " + describe(type)
        + ", expected a number: double, float, int, long or decimal");
  }

  static ExtraColumn extraColumn(String file, PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    int scale = logical instanceof DecimalLogicalTypeAnnotation d ? d.getScale() : 0;
    return ExtraColumn.inFile(type.getName(), extraKind(file, type), scale);
  }

  private static Kind extraKind(String file, PrimitiveType type) {
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
    throw new LaunchException(file + ": column " + type.getName() + " is " + describe(type)
        + ", expected an extra column: a string, number, boolean, date or timestamp");
  }

  private static String describe(Type field) {
    return field.toString().trim().replaceAll("\\s+", " ");
  }

  /** A column's type as files must agree on it: nullable or not does not matter. */
  private static String typeOf(PrimitiveType type) {
    return type.getName() + " " + type.getPrimitiveTypeName()
        + (type.getLogicalTypeAnnotation() == null ? "" : " (" + type.getLogicalTypeAnnotation() + ")");
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
    StringBuilder s = new StringBuilder(typeOf(id));
    extraFields.values().forEach(type -> s.append(", ").append(typeOf(type)));
    classTypes.values().forEach(type -> s.append(", ").append(typeOf(type)));
    return s.toString();
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
        extras.add(extraColumn(file, extraFields.get(name)));
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

  Schema avroSchema() {
    Types.MessageTypeBuilder projection = Types.buildMessage();
    projection.addField(id);
    extraFields.values().forEach(projection::addField);
    classTypes.values().forEach(projection::addField);
    Configuration conf = new Configuration(false);
    conf.setBoolean(AvroReadSupport.READ_INT96_AS_FIXED, true);
    return new AvroSchemaConverter(conf).convert(projection.named("prediction"));
  }
}
