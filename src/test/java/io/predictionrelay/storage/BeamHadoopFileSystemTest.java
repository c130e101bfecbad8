package io.predictionrelay.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hadoop calls Delta Kernel and Iceberg make, answered through Beam's file systems: here Beam's
 * local one, which behaves as its S3 one does for these calls (LakehouseStorageIT runs it on S3).
 */
class BeamHadoopFileSystemTest {
  @TempDir Path dir;
  private FileSystem fs;

  @BeforeEach
  void setUp() throws IOException {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    fs = new BeamHadoopFileSystem();
    fs.initialize(URI.create("file:///"), new Configuration(false));
    Files.createDirectories(dir.resolve("table/_delta_log"));
    Files.writeString(dir.resolve("table/_delta_log/00000000000000000000.json"), "0123456789");
    Files.writeString(dir.resolve("table/_delta_log/00000000000000000001.json"), "{}");
  }

  private org.apache.hadoop.fs.Path path(String relative) {
    return new org.apache.hadoop.fs.Path(dir.resolve(relative).toUri());
  }

  @Test
  void readsWithSeeksAndPositionedReads() throws IOException {
    try (FSDataInputStream in = fs.open(path("table/_delta_log/00000000000000000000.json"))) {
      assertEquals('0', in.read());
      in.seek(7);
      assertEquals(7, in.getPos());
      byte[] three = new byte[3];
      in.readFully(three);
      assertEquals("789", new String(three, StandardCharsets.UTF_8));
      assertEquals(-1, in.read());
      byte[] two = new byte[2];
      in.readFully(2, two);
      assertEquals("23", new String(two, StandardCharsets.UTF_8));
    }
  }

  @Test
  void statusOfFilesDirectoriesAndWhatIsNotThere() throws IOException {
    FileStatus file = fs.getFileStatus(path("table/_delta_log/00000000000000000000.json"));
    assertTrue(file.isFile());
    assertEquals(10, file.getLen());
    assertTrue(fs.getFileStatus(path("table/_delta_log")).isDirectory());
    assertTrue(fs.getFileStatus(path("table")).isDirectory(), "a prefix with files only in a sub-prefix");
    assertFalse(fs.exists(path("table/_delta_log/_last_checkpoint")));
    assertThrows(FileNotFoundException.class, () -> fs.open(path("table/_delta_log/_last_checkpoint")));
  }

  @Test
  void listsTheFilesDirectlyInADirectory() throws IOException {
    String[] names = Arrays.stream(fs.listStatus(path("table/_delta_log")))
        .map(s -> s.getPath().getName()).sorted().toArray(String[]::new);
    assertArrayEquals(new String[] {"00000000000000000000.json", "00000000000000000001.json"}, names);
    assertThrows(FileNotFoundException.class, () -> fs.listStatus(path("missing")));
  }

  @Test
  void refusesToWrite() {
    IOException e = assertThrows(IOException.class, () -> fs.create(path("table/x")));
    assertTrue(e.getMessage().contains("read, never written"), e.getMessage());
    assertThrows(IOException.class, () -> fs.delete(path("table"), true));
  }
}
