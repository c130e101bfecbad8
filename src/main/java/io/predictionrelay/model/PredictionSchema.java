package io.predictionrelay.model;

import java.io.Serializable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The columns of a prediction table: {@code id_client} and the class columns, ordered by their
 * number ({@code class_2} before {@code class_10}). Read once from the Parquet footers and shared by
 * every stage that needs column names.
 */
public final class PredictionSchema implements Serializable {
  public static final String ID_COLUMN = "id_client";
  private static final Pattern CLASS_COLUMN = Pattern.compile("class_(0|[1-9][0-9]{0,8})");

  private final List<String> classColumns;

  private PredictionSchema(List<String> classColumns) {
    this.classColumns = List.copyOf(classColumns);
  }

  /** A schema with the given class columns, in the given order. */
  public static PredictionSchema of(List<String> classColumns) {
    if (classColumns.isEmpty()) {
      throw new IllegalArgumentException("a prediction schema needs at least one class column");
    }
    return new PredictionSchema(classColumns);
  }

  /** A schema with {@code class_0 … class_(n-1)}. */
  public static PredictionSchema withClasses(int count) {
    return of(java.util.stream.IntStream.range(0, count).mapToObj(i -> "class_" + i).toList());
  }

  /** The class number of a column name such as {@code class_12}, or -1 if it is not one. */
  public static int classNumber(String column) {
    Matcher m = CLASS_COLUMN.matcher(column);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  public List<String> classColumns() {
    return classColumns;
  }

  public int classCount() {
    return classColumns.size();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PredictionSchema && classColumns.equals(((PredictionSchema) o).classColumns);
  }

  @Override
  public int hashCode() {
    return classColumns.hashCode();
  }

  @Override
  public String toString() {
    return ID_COLUMN + ", " + String.join(", ", classColumns);
  }
}
