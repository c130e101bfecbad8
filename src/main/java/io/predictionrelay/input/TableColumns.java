package io.predictionrelay.input;

import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.TableOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Which columns of a table are published, as {@link TableOptions} name them, checked. */
public record TableColumns(String idColumn, String classPattern, List<String> extraColumns)
    implements Serializable {

  public static final TableColumns CLASSIC = new TableColumns("id_client", "class_(\\d+)", List.of());

  public TableColumns {
    extraColumns = List.copyOf(extraColumns);
  }

  /**
   * The columns the options name.
   *
   * @throws LaunchException naming the option, when one is empty, not a regular expression with one
   *     group, or names a column twice
   */
  public static TableColumns of(TableOptions options) {
    String id = options.getIdColumn() == null ? "" : options.getIdColumn().trim();
    if (id.isEmpty()) {
      throw new LaunchException("--idColumn is empty");
    }
    String classes = options.getClassColumns();
    try {
      if (classes == null || Pattern.compile(classes).matcher("").groupCount() != 1) {
        throw new LaunchException("--classColumns=" + classes
            + ": expected a regular expression with exactly one group, the class number, e.g. class_(\\d+)");
      }
    } catch (PatternSyntaxException e) {
      throw new LaunchException("--classColumns=" + classes + ": not a regular expression: "
          + e.getDescription());
    }
    List<String> extras = new ArrayList<>();
    String spec = options.getExtraColumns();
    if (spec != null && !spec.isBlank()) {
      LinkedHashSet<String> seen = new LinkedHashSet<>();
      for (String name : spec.split(",")) {
        String column = name.trim();
        if (column.isEmpty() || !seen.add(column)) {
          throw new LaunchException("--extraColumns=" + spec + ": "
              + (column.isEmpty() ? "an empty column name" : column + " is named twice"));
        }
        if (column.equals(id)) {
          throw new LaunchException("--extraColumns=" + spec + ": " + column + " is the id column");
        }
        extras.add(column);
      }
    }
    return new TableColumns(id, classes, extras);
  }

  Pattern classRegex() {
    return Pattern.compile(classPattern);
  }
}
