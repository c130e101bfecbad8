package io.predictionrelay.input;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BOOLEAN;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.ByteType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * A Delta column's type as Parquet types it, so that a Delta table's schema is checked and typed as
 * any file's ({@link FileSchema}): strings, integers, floating point, decimals (int32, int64 or
 * fixed bytes by precision, as Spark writes them), booleans, dates and timestamps (microseconds).
 * Nested types become a group, which the columns published refuse.
 */
final class DeltaTypes {
  private DeltaTypes() {}

  static Type parquet(StructField field) {
    DataType type = field.getDataType();
    String name = field.getName();
    if (type instanceof StringType) {
      return Types.optional(BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
    } else if (type instanceof LongType) {
      return Types.optional(INT64).named(name);
    } else if (type instanceof IntegerType) {
      return Types.optional(INT32).named(name);
    } else if (type instanceof ShortType) {
      return Types.optional(INT32).as(LogicalTypeAnnotation.intType(16, true)).named(name);
    } else if (type instanceof ByteType) {
      return Types.optional(INT32).as(LogicalTypeAnnotation.intType(8, true)).named(name);
    } else if (type instanceof FloatType) {
      return Types.optional(FLOAT).named(name);
    } else if (type instanceof DoubleType) {
      return Types.optional(DOUBLE).named(name);
    } else if (type instanceof BooleanType) {
      return Types.optional(BOOLEAN).named(name);
    } else if (type instanceof DecimalType decimal) {
      LogicalTypeAnnotation annotation =
          LogicalTypeAnnotation.decimalType(decimal.getScale(), decimal.getPrecision());
      if (decimal.getPrecision() <= 9) {
        return Types.optional(INT32).as(annotation).named(name);
      } else if (decimal.getPrecision() <= 18) {
        return Types.optional(INT64).as(annotation).named(name);
      }
      int bytes = (int) Math.ceil((decimal.getPrecision() * Math.log(10) / Math.log(2) + 1) / 8); // Spark's width
      return Types.optional(FIXED_LEN_BYTE_ARRAY).length(bytes).as(annotation).named(name);
    } else if (type instanceof DateType) {
      return Types.optional(INT32).as(LogicalTypeAnnotation.dateType()).named(name);
    } else if (type instanceof TimestampType) {
      return Types.optional(INT64).as(LogicalTypeAnnotation.timestampType(true, TimeUnit.MICROS)).named(name);
    } else if (type instanceof TimestampNTZType) {
      return Types.optional(INT64).as(LogicalTypeAnnotation.timestampType(false, TimeUnit.MICROS)).named(name);
    } else if (type instanceof BinaryType) {
      return Types.optional(BINARY).named(name);
    }
    return Types.optionalGroup().optional(BINARY).named(type.toString()).named(name);
  }
}
