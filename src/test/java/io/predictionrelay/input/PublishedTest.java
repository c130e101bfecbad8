package io.predictionrelay.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.input.ParquetInput.FileStamp;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.testing.ParquetFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run published, as its run record keeps it, and the files that changed since. */
class PublishedTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static Published roundTrip(Published published) throws Exception {
    JsonNode node = JSON.readTree(JSON.writeValueAsBytes(published.toMap()));
    return Published.fromJson(node, "run x");
  }

  @Test
  void deltaAndIcebergAreTheirVersionAndFilesTheirStamps() throws Exception {
    Published delta = new Published(Published.Format.DELTA, "/lake/t", 12, List.of());
    assertEquals("{\"format\":\"delta\",\"table\":\"/lake/t\",\"version\":12}", JSON.writeValueAsString(delta.toMap()));
    assertEquals(delta, roundTrip(delta));
    Published iceberg = new Published(Published.Format.ICEBERG, "/lake/i", -881234567890123L, List.of());
    assertEquals("{\"format\":\"iceberg\",\"table\":\"/lake/i\",\"snapshot\":-881234567890123}",
        JSON.writeValueAsString(iceberg.toMap()));
    assertEquals(iceberg, roundTrip(iceberg));
    Published files = new Published(Published.Format.FILES, "/data", -1,
        List.of(new FileStamp("/data/day=1/a.parquet", 1234, 1764669000000L)));
    assertEquals("{\"format\":\"files\",\"table\":\"/data\",\"files\":[[\"/data/day=1/a.parquet\",1234,1764669000000]]}",
        JSON.writeValueAsString(files.toMap()));
    assertEquals(files, roundTrip(files));
    assertNotEquals(files.digest(), new Published(Published.Format.FILES, "/data", -1,
        List.of(new FileStamp("/data/day=1/a.parquet", 1234, 1764669000001L))).digest());
  }

  @Test
  void fiveThousandFilesFitAKafkaRecord() throws Exception {
    List<FileStamp> stamps = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      stamps.add(new FileStamp("hdfs://nn:8020/lake/predictions/day=2026-12-" + (i % 28)
          + "/part-" + i + "-6c17d93e-0b4e-4d0c-9e8f-1f2a3b4c5d6e.c000.snappy.parquet", 134_217_728L, 1764669000000L + i));
    }
    int bytes = JSON.writeValueAsBytes(new Published(Published.Format.FILES, "/lake", -1, stamps).toMap()).length;
    assertTrue(bytes < 1_000_000, bytes + " bytes");
  }

  @Test
  void aRecordWithoutPublishedIsRefusedInOneLine() {
    LaunchException e = assertThrows(LaunchException.class,
        () -> Published.fromJson(JSON.createObjectNode().path("published"), "--changesSince=r1"));
    assertEquals("--changesSince=r1 does not say what it published (a run of an older version): run in full once,"
        + " then incrementally", e.getMessage());
  }

  @Test
  void plainFilesUnchangedAddedReplacedAndRemoved() throws Exception {
    var schema = ParquetFixtures.predictionSchema(1);
    Path a = ParquetFixtures.write(dir.resolve("a.parquet"), schema, List.of(ParquetFixtures.row("a", 0.5)));
    Path b = ParquetFixtures.write(dir.resolve("b.parquet"), schema, List.of(ParquetFixtures.row("b", 0.5)));
    Path c = ParquetFixtures.write(dir.resolve("c.parquet"), schema, List.of(ParquetFixtures.row("c", 0.5)));
    Published base = Published.of(ParquetInput.describe(dir.toString()));
    assertEquals(Published.Format.FILES, base.format());
    assertEquals(3, base.files().size());

    Files.setLastModifiedTime(b, FileTime.fromMillis(Files.getLastModifiedTime(b).toMillis() + 1000));
    Files.delete(c);
    Path d = ParquetFixtures.write(dir.resolve("d.parquet"), schema,
        List.of(ParquetFixtures.row("d", 0.5), ParquetFixtures.row("e", 0.5)));
    ParquetInput now = ParquetInput.describe(dir.toString());
    SnapshotChanges changes = SnapshotChanges.between(base, now, TableColumns.CLASSIC, "run x");
    assertEquals(1, changes.filesUnchanged());
    assertEquals(1, changes.rowsUnchanged());
    assertEquals(List.of(b.toString(), d.toString()), changes.filesAdded());
    assertEquals(List.of(b.toString()), changes.filesReplacedInPlace());
    assertEquals(List.of(c.toString()), changes.plainFilesRemoved());
    assertEquals(3, changes.rowsToRead());
    assertEquals(false, changes.comparesById());
    assertEquals(1, changes.unchangedSplits().length);
    assertEquals(a.toString(), now.splits().get(changes.unchangedSplits()[0]).file());
    assertEquals(changes.token(), SnapshotChanges.between(base, now, TableColumns.CLASSIC, "run x").token());
    assertNotEquals(changes.token(), SnapshotChanges.between(Published.of(now), now, TableColumns.CLASSIC, "x").token());
  }
}
