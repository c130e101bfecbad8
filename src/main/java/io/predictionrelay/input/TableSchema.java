package io.predictionrelay.input;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * A table's columns as its format defines them, and how each is found in a data file, as the
 * format's own readers find it:
 *
 * <ul>
 *   <li>plain Parquet and Delta without column mapping: by name;
 *   <li>Delta with column mapping: by the column's physical name ({@code name} mode), or by its
 *       Parquet field id where the file has one ({@code id} mode);
 *   <li>Iceberg: by field id, from the file's Parquet field ids, else from the table's name mapping
 *       ({@code schema.name-mapping.default}), else from Iceberg's fallback ids by position.
 * </ul>
 *
 * <p>So a column renamed, dropped and added again, or reordered is found where it is, and a file that
 * predates a column does not hold it, whatever names its own columns have: no value is ever read
 * under another column's name.
 */
final class TableSchema {
  private final MessageType columns;
  private final Map<String, String> physicalNames;
  private final Map<String, Integer> fieldIds;
  private final UnaryOperator<MessageType> fileIds;

  private TableSchema(MessageType columns, Map<String, String> physicalNames, Map<String, Integer> fieldIds,
      UnaryOperator<MessageType> fileIds) {
    this.columns = columns;
    this.physicalNames = physicalNames;
    this.fieldIds = fieldIds;
    this.fileIds = fileIds;
  }

  /** Columns found by name; {@code columns} is null where the files' union is the table's schema (plain Parquet). */
  static TableSchema byName(MessageType columns) {
    return new TableSchema(columns, Map.of(), Map.of(), null);
  }

  /**
   * Delta's columns: by physical name where the table maps columns, and by field id where it maps
   * them by id and the file has ids.
   */
  static TableSchema delta(MessageType columns, Map<String, String> physicalNames, Map<String, Integer> fieldIds) {
    return new TableSchema(columns, Map.copyOf(physicalNames), Map.copyOf(fieldIds), null);
  }

  /** Iceberg's columns, by field id; {@code fileIds} gives a file's schema its ids (name mapping, fallback). */
  static TableSchema iceberg(MessageType columns, UnaryOperator<MessageType> fileIds) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (Type column : columns.getFields()) {
      ids.put(column.getName(), column.getId().intValue());
    }
    return new TableSchema(columns, Map.of(), ids, fileIds);
  }

  /** The name a Delta table's files and partition values give {@code column}: its own, without column mapping. */
  String physicalName(String column) {
    return physicalNames.getOrDefault(column, column);
  }

  /** The table's columns, under their names and with their types; null for a union of plain files. */
  MessageType columns() {
    return columns;
  }

  /** The union of plain files' columns by name, in order of first appearance, typed by the first file holding each. */
  static MessageType union(List<MessageType> files) {
    Map<String, Type> union = new LinkedHashMap<>();
    for (MessageType file : files) {
      for (Type column : file.getFields()) {
        union.putIfAbsent(column.getName(), column);
      }
    }
    return new MessageType("table", List.copyOf(union.values()));
  }

  /** The table's columns {@code file} holds, by the table's names: the file's own column for each. */
  Map<String, Type> columnsOf(MessageType file) {
    Map<String, Type> held = new LinkedHashMap<>();
    if (fileIds != null) {
      Map<Integer, Type> byId = byId(fileIds.apply(file));
      fieldIds.forEach((name, id) -> {
        Type column = byId.get(id);
        if (column != null) {
          held.put(name, file.getType(column.getName()));
        }
      });
      return held;
    }
    Map<Integer, Type> byId = fieldIds.isEmpty() ? Map.of() : byId(file);
    for (Type column : (columns == null ? file : columns).getFields()) {
      String name = column.getName();
      Integer id = fieldIds.get(name);
      Type found = id != null && byId.containsKey(id) ? byId.get(id) : null;
      if (found == null) {
        String physical = physicalNames.getOrDefault(name, name);
        found = file.containsField(physical) ? file.getType(physical) : null;
      }
      if (found != null) {
        held.put(name, found);
      }
    }
    return held;
  }

  private static Map<Integer, Type> byId(MessageType file) {
    Map<Integer, Type> byId = new LinkedHashMap<>();
    for (Type column : file.getFields()) {
      if (column.getId() != null) {
        byId.putIfAbsent(column.getId().intValue(), column);
      }
    }
    return byId;
  }
}
