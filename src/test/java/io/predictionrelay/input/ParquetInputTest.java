package io.predictionrelay.input;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.schema;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.options.LaunchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetInputTest {
  @TempDir Path dir;

  private String error(String pattern) {
    LaunchException e = assertThrows(LaunchException.class, () -> ParquetInput.describe(pattern));
    assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    return e.getMessage();
  }

  private void assertError(String pattern, String... parts) {
    String message = error(pattern);
    for (String part : parts) {
      assertTrue(message.contains(part), "'" + message + "' should name " + part);
    }
  }

  @Test
  void describesFilesSchemaAndRowCountFromFooters() throws IOException {
    write(dir.resolve("a.parquet"), predictionSchema(12), List.of(row("x", new double[12]), row("y", new double[12])));
    write(dir.resolve("b.parquet"), predictionSchema(12), List.of(row("z", new double[12])));
    ParquetInput input = ParquetInput.describe(dir.toString());
    assertEquals(2, input.files().size());
    assertEquals(3, input.totalRows());
    assertEquals(12, input.schema().classCount());
    // ordered by n, not as text: class_2 before class_10
    assertEquals("class_2", input.schema().classColumns().get(2));
    assertEquals("class_10", input.schema().classColumns().get(10));
    assertEquals(13, input.columns(input.files().get(0)).fileNames().size());
    assertEquals(Map.of(), input.absentColumns());
  }

  @Test
  void classColumnsAreOrderedByNumberWhateverTheFileOrder() throws IOException {
    write(dir.resolve("a.parquet"),
        schema("class_10: double", "model: string", "id_client: string", "class_9: float", "class_0: long"),
        List.of(Map.of("class_10", 1.0, "model", "m", "id_client", "x", "class_9", 0.5f, "class_0", 3L)));
    ParquetInput input = ParquetInput.describe(dir.resolve("a.parquet").toString());
    assertEquals(List.of("class_0", "class_9", "class_10"), input.schema().classColumns());
    assertEquals(List.of("model"), input.ignoredColumns());
  }

  @Test
  void missingPath() {
    assertError(dir.resolve("nope").toString(), "--input", "nope", "no such file");
  }

  @Test
  void patternMatchingNothing() {
    assertError(dir.resolve("*.parquet").toString(), "--input", "no file matches");
  }

  @Test
  void emptyDirectory() {
    assertError(dir.toString(), dir.toString(), "the directory holds no files");
  }

  @Test
  void fileThatIsNotParquet() throws IOException {
    Path file = Files.writeString(dir.resolve("notes.parquet"), "id_client,class_0\nx,0.1\n");
    assertError(file.toString(), "notes.parquet", "not a readable Parquet file");
  }

  @Test
  void truncatedParquetFile() throws IOException {
    Path file = write(dir.resolve("t.parquet"), predictionSchema(3), List.of(row("x", 0.1, 0.2, 0.7)));
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 20));
    assertError(file.toString(), "t.parquet", "truncated");
  }

  @Test
  void noIdColumn() throws IOException {
    Path file = write(dir.resolve("f.parquet"), schema("client: string", "class_0: double"), List.of());
    assertError(file.toString(), "f.parquet", "no id_client column");
  }

  @Test
  void idThatIsNeitherAStringNorAnInteger() throws IOException {
    Path file = write(dir.resolve("f.parquet"), schema("id_client: double", "class_0: double"), List.of());
    assertError(file.toString(), "f.parquet", "column id_client", "expected the id: a string or an integer");
  }

  @Test
  void integerIdsAreIntegers() throws IOException {
    Path file = write(dir.resolve("f.parquet"), schema("id_client: long", "class_0: double"), List.of());
    assertEquals(PredictionSchema.IdType.INTEGER, ParquetInput.describe(file.toString()).schema().idType());
  }

  @Test
  void classColumnThatIsNotNumeric() throws IOException {
    Path file = write(dir.resolve("f.parquet"), schema("id_client: string", "class_0: double", "class_1: string"), List.of());
    assertError(file.toString(), "f.parquet", "column class_1", "expected a number");
  }

  @Test
  void noClassColumns() throws IOException {
    Path file = write(dir.resolve("f.parquet"), schema("id_client: string", "score: double"), List.of());
    assertError(file.toString(), "f.parquet", "no column matches --classColumns=class_(\\d+)");
  }

  @Test
  void twoClassColumnsWithOneNumber() throws IOException {
    Path file = write(dir.resolve("f.parquet"),
        schema("id_client: string", "class_1: double", "class_01: double"), List.of());
    assertError(file.toString(), "f.parquet", "class_1", "class_01", "same class number 1");
  }

  @Test
  void filesWithDifferentColumnsAreReadAsTheirUnionAsSparksMergeSchemaReadsThem() throws IOException {
    write(dir.resolve("a.parquet"), predictionSchema(3), List.of(row("x", 0.1, 0.2, 0.7)));
    write(dir.resolve("b.parquet"), schema("class_3: double", "id_client: string", "class_0: double"),
        List.of(Map.of("class_3", 0.4, "id_client", "y", "class_0", 0.6)));
    ParquetInput input = ParquetInput.describe(dir.toString());
    assertEquals(List.of("class_0", "class_1", "class_2", "class_3"), input.schema().classColumns());
    assertEquals(Map.of("class_1", 1, "class_2", 1, "class_3", 1), input.absentColumns());
    String a = dir.resolve("a.parquet").toString();
    String b = dir.resolve("b.parquet").toString();
    // published order: id, class_0..3; each file reads only what it holds, under its own order
    assertEquals(List.of("id_client", "class_0", "class_1", "class_2"), input.columns(a).fileNames());
    assertEquals(List.of("id_client", "class_0", "class_3"), input.columns(b).fileNames());
    assertTrue(input.columns(b).holds(4) && !input.columns(b).holds(2));
  }

  @Test
  void filesWhoseColumnTypesDifferAreRefusedNamingBoth() throws IOException {
    write(dir.resolve("a.parquet"), predictionSchema(3), List.of());
    write(dir.resolve("b.parquet"), schema("id_client: string", "class_0: double", "class_1: float", "class_2: double"),
        List.of());
    assertError(dir.toString(), "b.parquet", "class_1", "float", "double", "a.parquet");
  }

  @Test
  void aFileHoldingNoneOfThePublishedColumnsIsRefused() throws IOException {
    write(dir.resolve("a.parquet"), predictionSchema(3), List.of());
    write(dir.resolve("b.parquet"), schema("model: string", "score: double"), List.of());
    assertError(dir.toString(), "b.parquet", "holds neither the id id_client nor any class column");
  }

  @Test
  void nullableColumnsAreAccepted() throws IOException {
    Path file = write(dir.resolve("f.parquet"), schema("id_client: string?", "class_0: double?"), List.of());
    assertEquals(1, ParquetInput.describe(file.toString()).schema().classCount());
  }
}
