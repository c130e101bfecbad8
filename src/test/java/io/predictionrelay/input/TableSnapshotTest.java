package io.predictionrelay.input;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.TableOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot options, and inputs that are not one table. Tables themselves: DeltaTableTest, IcebergTableTest. */
class TableSnapshotTest {
  @TempDir Path dir;

  private static TableSnapshot.At at(String... args) {
    return TableSnapshot.At.of(PipelineOptionsFactory.fromArgs(args).as(TableOptions.class));
  }

  private static String error(Runnable launch) {
    LaunchException e = assertThrows(LaunchException.class, launch::run);
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void aTimestampIsEpochMillisecondsOrAnInstant() {
    assertEquals(new TableSnapshot.At(null, 1_700_000_000_000L), at("--tableTimestamp=1700000000000"));
    assertEquals(new TableSnapshot.At(null, 1_794_996_000_000L), at("--tableTimestamp=2026-11-18T10:00:00Z"));
    assertEquals(new TableSnapshot.At(7L, null), at("--tableVersion=7"));
    assertEquals(TableSnapshot.At.LATEST, at());
  }

  @Test
  void aTimestampOfAnotherFormIsRefused() {
    assertTrue(error(() -> at("--tableTimestamp=yesterday")).startsWith("--tableTimestamp=yesterday: expected"));
  }

  @Test
  void aVersionAndATimestampTogetherAreRefused() {
    assertTrue(error(() -> at("--tableVersion=3", "--tableTimestamp=1700000000000")).contains("not both"));
  }

  @Test
  void aVersionOfPlainParquetIsRefused() throws IOException {
    write(dir.resolve("a.parquet"), predictionSchema(2), List.of(row("x", new double[2])));
    String message = error(() -> ParquetInput.describe(dir.toString(), TableColumns.CLASSIC, new TableSnapshot.At(3L, null)));
    assertTrue(message.startsWith("--tableVersion=3: --input " + dir + " is not one Delta or Iceberg table"), message);
  }

  @Test
  void anIcebergTableOfAnotherCatalogAsksForItsMetadataFile() throws IOException {
    Path metadata = Files.createDirectories(dir.resolve("t/metadata"));
    Files.writeString(metadata.resolve("00000-1b2c.metadata.json"), "{}");
    Files.writeString(metadata.resolve("00001-3d4e.metadata.json"), "{}");
    String message = error(() -> ParquetInput.describe(dir.resolve("t").toString()));
    assertTrue(message.endsWith("--input=" + metadata.resolve("00001-3d4e.metadata.json")), message);
  }
}
