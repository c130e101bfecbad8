package io.predictionrelay.input;

import com.fasterxml.jackson.databind.JsonNode;
import io.predictionrelay.input.ParquetInput.FileStamp;
import io.predictionrelay.options.LaunchException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run published, as its run record keeps it, so that a later run can publish only what
 * changed since ({@code --changesSince}): a Delta table's version, an Iceberg table's snapshot id,
 * or, for plain Parquet and Hive layouts, each file's path, size and modification time (what the
 * run's input fingerprint holds). A Delta or Iceberg snapshot is read again by time travel; a plain
 * file's old content is gone, so its stamp is all there is.
 */
public record Published(Format format, String table, long version, List<FileStamp> files) {
  /** How the input was read. */
  public enum Format { DELTA, ICEBERG, FILES }

  public Published {
    files = List.copyOf(files);
  }

  /** What a run over {@code input} publishes. */
  public static Published of(ParquetInput input) {
    TableSnapshot table = input.table().orElse(null);
    if (table == null) {
      return new Published(Format.FILES, input.pattern(), -1, input.fileStamps());
    }
    if (table instanceof DeltaSnapshot) {
      return new Published(Format.DELTA, table.location(), table.version(), List.of());
    }
    if (table instanceof IcebergSnapshot) {
      return new Published(Format.ICEBERG, table.location(), table.version(), List.of());
    }
    throw new IllegalStateException("unknown snapshot: " + table.describe());
  }

  /** As the run record and the report carry it: small, a few hundred kB for thousands of files. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("format", format.name().toLowerCase(Locale.ROOT));
    map.put("table", table);
    switch (format) {
      case DELTA -> map.put("version", version);
      case ICEBERG -> map.put("snapshot", version);
      case FILES -> {
        List<List<Object>> stamps = new ArrayList<>();
        files.forEach(f -> stamps.add(List.of(f.path(), f.size(), f.modifiedMillis())));
        map.put("files", stamps); // [path, size, modified]: compact for a Kafka record
      }
    }
    return map;
  }

  /** Read back from a run record or report; {@code what} names it in the message of a refusal. */
  public static Published fromJson(JsonNode node, String what) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      throw new LaunchException(what + " does not say what it published (a run of an older version):"
          + " run in full once, then incrementally");
    }
    Format format;
    try {
      format = Format.valueOf(node.path("format").asText().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new LaunchException(what + ": unknown published format " + node.path("format"));
    }
    String table = node.path("table").asText();
    return switch (format) {
      case DELTA -> new Published(format, table, node.path("version").asLong(), List.of());
      case ICEBERG -> new Published(format, table, node.path("snapshot").asLong(), List.of());
      case FILES -> {
        List<FileStamp> files = new ArrayList<>();
        for (JsonNode f : node.path("files")) {
          files.add(new FileStamp(f.get(0).asText(), f.get(1).asLong(), f.get(2).asLong()));
        }
        yield new Published(format, table, -1, files);
      }
    };
  }

  /** One line for the console: {@code Delta version 12}, {@code Iceberg snapshot 8812…}, {@code 40 files}. */
  public String describe() {
    return switch (format) {
      case DELTA -> "Delta version " + version;
      case ICEBERG -> "Iceberg snapshot " + version;
      case FILES -> files.size() + " files";
    };
  }

  /** A digest of this value: the same snapshot or files give the same digest. */
  public String digest() {
    StringBuilder text = new StringBuilder(format + " " + table + " " + version + "\n");
    files.forEach(f -> text.append(f.path()).append(' ').append(f.size()).append(' ').append(f.modifiedMillis())
        .append('\n'));
    return sha256(text.toString());
  }

  static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
