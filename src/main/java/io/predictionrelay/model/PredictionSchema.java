package io.predictionrelay.model;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The columns of a prediction table as messages carry them: the id column (a string or an integer),
 * the extra columns published after it (file or partition columns, already in JSON form per row),
 * and the class columns, ordered by their number, each with the type it is written as. Read once
 * from the footers and the input's layout, and shared by every stage that needs column names.
 */
public final class PredictionSchema implements Serializable {
  /** The id column of the classic table. */
  public static final String ID_COLUMN = "id_client";

  /** How the id is written: a JSON string, or a JSON number (an integer id column). */
  public enum IdType {
    STRING,
    INTEGER
  }

  /** The number types a class column can have, each written as Spark's {@code to_json} writes it. */
  public enum NumberType {
    /** Shortest round-trip form of the double. */
    DOUBLE,
    /** Shortest round-trip form of the float: {@code 0.0259049}, not the widened double's digits. */
    FLOAT,
    /** An integer (int32 or int64 columns). */
    INTEGER,
    /**
     * The decimal exactly, at any precision, with its column's scale, as {@code BigDecimal.toString}
     * writes it: {@code 0.10000000}.
     */
    DECIMAL
  }

  /** One class column: its name, type, and for decimals precision and scale. */
  public record ClassColumn(String name, NumberType type, int precision, int scale) implements Serializable {
    public ClassColumn {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
    }

    public static ClassColumn of(String name, NumberType type) {
      return new ClassColumn(name, type, 0, 0);
    }

    public static ClassColumn decimal(String name, int precision, int scale) {
      return new ClassColumn(name, NumberType.DECIMAL, precision, scale);
    }

    @Override
    public String toString() {
      return name + " " + (type == NumberType.DECIMAL
          ? "decimal(" + precision + "," + scale + ")"
          : type.name().toLowerCase(Locale.ROOT));
    }
  }

  private final String idColumn;
  private final IdType idType;
  private final List<String> extraColumns;
  private final List<ClassColumn> classes;
  private final List<String> classNames;

  private PredictionSchema(
      String idColumn, IdType idType, List<String> extraColumns, List<ClassColumn> classes) {
    if (classes.isEmpty()) {
      throw new IllegalArgumentException("a prediction schema needs at least one class column");
    }
    this.idColumn = Objects.requireNonNull(idColumn, "idColumn");
    this.idType = Objects.requireNonNull(idType, "idType");
    this.extraColumns = List.copyOf(extraColumns);
    this.classes = List.copyOf(classes);
    this.classNames = classes.stream().map(ClassColumn::name).toList();
  }

  /** A schema with every part given. */
  public static PredictionSchema of(
      String idColumn, IdType idType, List<String> extraColumns, List<ClassColumn> classes) {
    return new PredictionSchema(idColumn, idType, extraColumns, classes);
  }

  /** The classic table: a string {@code id_client} and double class columns, in the given order. */
  public static PredictionSchema of(List<String> classColumns) {
    return new PredictionSchema(ID_COLUMN, IdType.STRING, List.of(),
        classColumns.stream().map(name -> ClassColumn.of(name, NumberType.DOUBLE)).toList());
  }

  /** The classic table with {@code class_0 … class_(n-1)}. */
  public static PredictionSchema withClasses(int count) {
    return of(IntStream.range(0, count).mapToObj(i -> "class_" + i).toList());
  }

  public String idColumn() {
    return idColumn;
  }

  public IdType idType() {
    return idType;
  }

  /** Columns published after the id, in this order. */
  public List<String> extraColumns() {
    return extraColumns;
  }

  public List<ClassColumn> classes() {
    return classes;
  }

  public List<String> classColumns() {
    return classNames;
  }

  public int classCount() {
    return classes.size();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PredictionSchema other
        && idColumn.equals(other.idColumn)
        && idType == other.idType
        && extraColumns.equals(other.extraColumns)
        && classes.equals(other.classes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(idColumn, idType, extraColumns, classes);
  }

  /**
   * For the start-up lines: the id, the extras, and the class columns with their types, a run of
   * columns of one type shortened, e.g. {@code id_client string, dt, class_0 … class_29 double (30)}.
   */
  public String summary() {
    StringBuilder s = new StringBuilder(idColumn).append(' ').append(idType.name().toLowerCase(Locale.ROOT));
    extraColumns.forEach(extra -> s.append(", ").append(extra));
    for (int i = 0; i < classes.size(); ) {
      int j = i;
      while (j + 1 < classes.size() && sameType(classes.get(j + 1), classes.get(i))) {
        j++;
      }
      String type = classes.get(i).toString().substring(classes.get(i).name().length());
      s.append(", ").append(classes.get(i).name());
      if (j - i >= 2) {
        s.append(" … ").append(classes.get(j).name()).append(type).append(" (").append(j - i + 1).append(')');
      } else {
        s.append(type);
        for (int k = i + 1; k <= j; k++) {
          s.append(", ").append(classes.get(k));
        }
      }
      i = j + 1;
    }
    return s.toString();
  }

  private static boolean sameType(ClassColumn a, ClassColumn b) {
    return a.type() == b.type() && a.precision() == b.precision() && a.scale() == b.scale();
  }

  /** E.g. {@code id_client string, model_version, class_0 double, …}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(idColumn).append(' ').append(idType.name().toLowerCase(Locale.ROOT));
    extraColumns.forEach(extra -> s.append(", ").append(extra));
    classes.forEach(column -> s.append(", ").append(column));
    return s.toString();
  }
}
