package io.predictionrelay.input;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.options.LaunchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables laid out as other tools write them, found as Spark would find them. */
class TableFilesTest {
  @TempDir Path dir;

  private Path parquet(Path file, String... ids) throws IOException {
    Files.createDirectories(file.getParent());
    return write(file, predictionSchema(1), Arrays.stream(ids).map(id -> row(id, 0.5)).toList());
  }

  private String error(String input) {
    LaunchException e = assertThrows(LaunchException.class, () -> ParquetInput.describe(input));
    assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void filesWithoutAnExtensionAsPandasNamesThem() throws IOException {
    Path table = dir.resolve("inline.parquet");
    parquet(table.resolve("5f0c2a1e9b7d4e0f8a3c6b2d1e4f7a90"), "a", "b");
    parquet(table.resolve("7a21c3d4e5f60718293a4b5c6d7e8f90"), "c");
    ParquetInput input = ParquetInput.describe(table.toString());
    assertEquals(2, input.files().size());
    assertEquals(3, input.totalRows());
  }

  @Test
  void hivePartitionsAreReadRecursivelyAndHiddenFilesSkipped() throws IOException {
    Path table = dir.resolve("predictions");
    parquet(table.resolve("dt=2026-11-18/model=a%3Db/part-0.parquet"), "a", "b");
    parquet(table.resolve("dt=2026-11-19/model=c/part-0.parquet"), "c");
    parquet(table.resolve("dt=__HIVE_DEFAULT_PARTITION__/model=c/part-0.parquet"), "d");
    Files.writeString(table.resolve("_SUCCESS"), "");
    Files.writeString(table.resolve("dt=2026-11-19/model=c/.part-0.parquet.crc"), "crc");
    Files.writeString(table.resolve("dt=2026-11-18/_committed_8493"), "{}"); // a Databricks marker
    parquet(table.resolve("_temporary/0/part-9.parquet"), "never");

    FoundFiles.Found found = TableFiles.discover(table.toString());
    assertEquals(List.of("dt", "model"), found.partitionColumns());
    assertEquals(3, found.files().size(), found.toString());
    assertEquals(List.of("2026-11-18", "a=b"), found.files().get(0).partitionValues());
    assertEquals(List.of("2026-11-19", "c"), found.files().get(1).partitionValues());
    assertEquals(Arrays.asList(null, "c"), found.files().get(2).partitionValues());
    assertEquals(4, ParquetInput.describe(table.toString()).totalRows());
  }

  @Test
  void severalInputsSeparatedByCommas() throws IOException {
    Path first = parquet(dir.resolve("one/a.parquet"), "a");
    parquet(dir.resolve("two/b.parquet"), "b", "c");
    ParquetInput input = ParquetInput.describe(first + "," + dir.resolve("two") + "/");
    assertEquals(List.of(first.toString(), dir.resolve("two/b.parquet").toString()), input.files());
    assertEquals(3, input.totalRows());
  }

  @Test
  void aVisibleFileThatIsNotParquetIsRefusedByName() throws IOException {
    Path table = dir.resolve("t");
    parquet(table.resolve("part-0.parquet"), "a");
    Files.writeString(table.resolve("README.txt"), "about this table");
    String message = error(table.toString());
    assertTrue(message.contains("README.txt") && message.contains("not a readable Parquet file"), message);
  }

  @Test
  void partitionDirectoriesMustAgree() throws IOException {
    Path table = dir.resolve("t");
    parquet(table.resolve("dt=2026-11-18/part-0.parquet"), "a");
    parquet(table.resolve("model=x/part-0.parquet"), "b");
    String message = error(table.toString());
    assertTrue(message.contains("partition directories [model] differ from [dt]"), message);
  }

  @Test
  void aDirectoryOfHiddenFilesOnly() throws IOException {
    Path table = dir.resolve("t");
    Files.createDirectories(table);
    Files.writeString(table.resolve("_SUCCESS"), "");
    assertTrue(error(table.toString()).contains("no data files"));
  }

  @Test
  void unescapesHiveNames() {
    assertEquals("a=b/c:d", TableFiles.unescape("a%3Db%2Fc%3Ad"));
    assertEquals("100%", TableFiles.unescape("100%"));
  }
}
