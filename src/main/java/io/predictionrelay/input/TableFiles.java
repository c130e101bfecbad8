package io.predictionrelay.input;

import static io.predictionrelay.input.FoundFiles.firstLine;

import io.predictionrelay.input.FoundFiles.Found;
import io.predictionrelay.input.FoundFiles.TableFile;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.storage.FileSystemSetup;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Finds the data files of an input as Spark and Hive read a table: comma-separated files,
 * directories or globs; directories read recursively; names starting with {@code _} or {@code .}
 * skipped at any depth ({@code _SUCCESS}, {@code _delta_log/}, {@code .part-0.crc}); Hive-style
 * {@code name=value} directories are partitions whose values belong to every file beneath them.
 * Every other file is data: {@link ParquetInput} refuses one that is not Parquet. A Delta Lake or
 * Iceberg table is not listed: its snapshot's files come from its log or metadata ({@link TableFormat},
 * {@link TableSnapshot}).
 */
final class TableFiles {
  private TableFiles() {}

  /** Hive writes a null partition value as this directory name. */
  static final String DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";

  static Found discover(String inputs) {
    return discover(inputs, TableSnapshot.At.LATEST);
  }

  /** The files of {@code inputs}; {@code at} selects the snapshot of its one table. */
  static Found discover(String inputs, TableSnapshot.At at) {
    List<String> specs = new ArrayList<>();
    for (String spec : inputs.split(",")) {
      if (!spec.trim().isEmpty()) {
        specs.add(spec.trim());
      }
    }
    if (specs.size() == 1) {
      Optional<TableSnapshot> table = TableFormat.snapshot(specs.get(0), at);
      if (table.isPresent()) {
        TableSnapshot snapshot = table.get();
        if (snapshot.files().isEmpty()) {
          throw new LaunchException("--input " + inputs + ": the table's snapshot has no data files");
        }
        return new Found(snapshot.partitionColumns(), snapshot.partitionKinds(), snapshot.files(), snapshot,
            snapshot.schema());
      }
    }
    if (!at.latest()) {
      throw new LaunchException(at + ": --input " + inputs + " is not one Delta or Iceberg table");
    }
    Map<String, TableFile> files = new LinkedHashMap<>();
    List<String> partitionColumns = null;
    String columnsFrom = null;
    for (String spec : specs) {
      if (specs.size() > 1 && TableFormat.of(spec) != TableFormat.NONE) {
        throw new LaunchException("--input " + spec + ": a Delta or Iceberg table is read alone, not among other inputs");
      }
      for (Match match : match(spec)) {
        String name = match.relativePath();
        if (hidden(name)) {
          continue;
        }
        Partition partition = Partition.of(match.path(), name);
        if (partitionColumns == null) {
          partitionColumns = partition.columns();
          columnsFrom = match.path();
        } else if (!partitionColumns.equals(partition.columns())) {
          throw new LaunchException(match.path() + ": partition directories " + partition.columns()
              + " differ from " + partitionColumns + " of " + columnsFrom);
        }
        files.putIfAbsent(match.path(), new TableFile(match.path(), match.size(), partition.values(), -1, match.modified()));
      }
    }
    if (files.isEmpty()) {
      throw new LaunchException("--input " + inputs + ": no data files (names starting with _ or . are skipped)");
    }
    List<TableFile> sorted = new ArrayList<>(files.values());
    sorted.sort((a, b) -> a.path().compareTo(b.path()));
    return new Found(partitionColumns, Map.of(), sorted, null, TableSchema.byName(null));
  }

  /** A matched file, with its path below the directory or glob root it was found under. */
  private record Match(String path, String relativePath, long size, long modified) {}

  private static boolean hidden(String relativePath) {
    for (String part : relativePath.split("/")) {
      if (part.startsWith("_") || part.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static List<Match> match(String spec) {
    if (isGlob(spec)) {
      List<MatchResult.Metadata> found = matchOrEmpty(spec);
      if (found.isEmpty()) {
        throw new LaunchException("--input " + spec + ": no file matches");
      }
      return relativeTo(root(spec), files(found));
    }
    List<MatchResult.Metadata> exact = matchOrEmpty(spec);
    // A directory: its files at every depth.
    String dir = spec.endsWith("/") ? spec : spec + "/";
    List<MatchResult.Metadata> found;
    if (isHadoop(spec)) {
      found = walkHadoop(dir);
    } else {
      // "**" skips the top level on some file systems, so "*" is matched too.
      found = new ArrayList<>(matchOrEmpty(dir + "*"));
      found.addAll(matchOrEmpty(dir + "**"));
    }
    if (found.isEmpty() && exact.size() == 1 && !exact.get(0).resourceId().isDirectory()) {
      MatchResult.Metadata file = exact.get(0); // a file (Hadoop lists a directory like one: found would hold its files)
      return List.of(new Match(file.resourceId().toString(), file.resourceId().getFilename(), file.sizeBytes(),
          file.lastModifiedMillis()));
    }
    if (found.isEmpty()) {
      throw new LaunchException("--input " + spec
          + (exact.isEmpty() ? ": no such file or directory" : ": the directory holds no files"));
    }
    return relativeTo(dir, files(found));
  }

  /**
   * Beam's Hadoop file system ({@code hdfs://}, {@code webhdfs://}, {@code viewfs://}) names what it
   * matches by the file's URI, escaped ({@code Path.toUri().toString()}: the directory Spark names
   * {@code ts=2026-11-18 10%3A00%3A00} is {@code ts=2026-11-18%2010%253A00%253A00}), but reads a
   * spec as a Hadoop path, unescaped: a matched name given back as a spec names another file, its
   * '%' escaped a second time. Its recursive glob ({@code **}) does just that, and so finds nothing
   * beneath such a directory. So on these file systems a directory is walked one level at a time,
   * each level's spec made from the path of the directory as HDFS names it (the URI decoded once),
   * and relative paths are taken from those names ({@link #relativeTo}): Hive's own escapes are
   * left for {@link #unescape}, decoded once, as on every other file system.
   */
  private static boolean isHadoop(String spec) {
    int colon = spec.indexOf(':');
    return colon > 0 && FileSystemSetup.HADOOP_SCHEMES.contains(spec.substring(0, colon).toLowerCase(Locale.ROOT));
  }

  /** Every file beneath a directory of a Hadoop file system ({@code dir} ends in '/'), at any depth. */
  private static List<MatchResult.Metadata> walkHadoop(String dir) {
    List<MatchResult.Metadata> files = new ArrayList<>();
    Deque<List<MatchResult.Metadata>> levels = new ArrayDeque<>();
    levels.push(matchOrEmpty(dir + "*"));
    while (!levels.isEmpty()) {
      for (MatchResult.Metadata entry : levels.pop()) {
        if (entry.sizeBytes() > 0 || hidden(entry.resourceId().getFilename())) {
          files.add(entry); // hidden ones are skipped by name, without listing _temporary/ or _delta_log/
          continue;
        }
        // Hadoop lists a directory like an empty file: it is one when something lies beneath it.
        List<MatchResult.Metadata> beneath = matchOrEmpty(globEscaped(hadoopPath(entry.resourceId().toString())) + "/*");
        if (beneath.isEmpty()) {
          files.add(entry);
        } else {
          levels.push(beneath);
        }
      }
    }
    return files;
  }

  /** A Hadoop resource's path as a Hadoop path string: its URI decoded once ({@code %2520} is {@code %20}). */
  private static String hadoopPath(String resourceUri) {
    URI uri = URI.create(resourceUri);
    return uri.getScheme() + ":" + (uri.getRawAuthority() == null ? "" : "//" + uri.getRawAuthority()) + uri.getPath();
  }

  /** A literal path as a Hadoop glob: its wildcard characters escaped. */
  private static String globEscaped(String path) {
    StringBuilder s = new StringBuilder();
    for (char c : path.toCharArray()) {
      if ("\\*?[]{}".indexOf(c) >= 0) {
        s.append('\\');
      }
      s.append(c);
    }
    return s.toString();
  }

  /**
   * The files among matches. Some file systems list a directory among a glob's matches like a file
   * (Hadoop's, with no trailing slash and size 0): it is one when other matches lie beneath it.
   */
  private static List<MatchResult.Metadata> files(List<MatchResult.Metadata> matches) {
    Map<String, MatchResult.Metadata> byPath = new LinkedHashMap<>();
    for (MatchResult.Metadata m : matches) {
      if (!m.resourceId().isDirectory()) {
        byPath.putIfAbsent(m.resourceId().toString(), m);
      }
    }
    List<String> paths = new ArrayList<>(byPath.keySet());
    paths.sort(null);
    List<MatchResult.Metadata> files = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      boolean directory = i + 1 < paths.size() && paths.get(i + 1).startsWith(paths.get(i) + "/");
      if (!directory) {
        files.add(byPath.get(paths.get(i)));
      }
    }
    return files;
  }

  /**
   * The matches with their paths below {@code root}, a directory as the user wrote it (a Hadoop
   * path on Hadoop's file systems, whose matches are compared by their URIs' decoded paths).
   */
  private static List<Match> relativeTo(String root, List<MatchResult.Metadata> files) {
    boolean hadoop = isHadoop(root);
    String base = root.isEmpty() ? "" : hadoop ? new org.apache.hadoop.fs.Path(root).toUri().getPath()
        : FileSystems.matchNewResource(root, true).toString();
    String prefix = base.endsWith("/") ? base : base + "/";
    List<Match> matches = new ArrayList<>();
    for (MatchResult.Metadata file : files) {
      String path = file.resourceId().toString();
      String name = hadoop ? URI.create(path).getPath() : path;
      String relative = name.startsWith(prefix) ? name.substring(prefix.length()) : file.resourceId().getFilename();
      matches.add(new Match(path, relative, file.sizeBytes(), file.lastModifiedMillis()));
    }
    return matches;
  }

  /** Beam's hasGlobWildcard misses character classes ({@code part-0000[02]}), which its matchers support. */
  private static boolean isGlob(String spec) {
    return spec.chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
  }

  /** The directory a glob starts from: its path up to the last '/' before the first wildcard. */
  private static String root(String glob) {
    int wildcard = 0;
    while (wildcard < glob.length() && "*?[{".indexOf(glob.charAt(wildcard)) < 0) {
      wildcard++;
    }
    int slash = glob.lastIndexOf('/', wildcard);
    return slash < 0 ? "" : glob.substring(0, slash + 1);
  }

  private static List<MatchResult.Metadata> matchOrEmpty(String spec) {
    try {
      MatchResult result = FileSystems.match(spec, EmptyMatchTreatment.ALLOW);
      if (result.status() == MatchResult.Status.NOT_FOUND) {
        return List.of();
      }
      return result.metadata();
    } catch (IOException | IllegalArgumentException e) {
      throw new LaunchException("--input " + spec + ": " + firstLine(e), e);
    }
  }

  /** The Hive-style partition of a file, from the {@code name=value} directories of its relative path. */
  private record Partition(List<String> columns, List<String> values) {
    static Partition of(String file, String relativePath) {
      String[] parts = relativePath.split("/");
      List<String> columns = new ArrayList<>();
      List<String> values = new ArrayList<>();
      for (int i = 0; i < parts.length - 1; i++) {
        int eq = parts[i].indexOf('=');
        if (eq <= 0) {
          continue; // a plain subdirectory
        }
        String column = unescape(parts[i].substring(0, eq));
        if (columns.contains(column)) {
          throw new LaunchException(file + ": partition column " + column + " appears twice in its path");
        }
        String value = unescape(parts[i].substring(eq + 1));
        columns.add(column);
        values.add(value.equals(DEFAULT_PARTITION) ? null : value);
      }
      return new Partition(columns, values);
    }
  }

  /** Hive escapes characters such as '/', ':' and '=' in partition names and values as %XX. */
  static String unescape(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%' && i + 2 < text.length() && isHex(text.charAt(i + 1)) && isHex(text.charAt(i + 2))) {
        s.append((char) Integer.parseInt(text.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }
}
