package io.predictionrelay.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.model.OptionValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratePredictionsTest {
  @TempDir Path dir;

  private static List<GenericRecord> read(Path output) throws Exception {
    ParquetInput input = ParquetInput.describe(output.toString());
    List<GenericRecord> rows = new ArrayList<>();
    for (String file : input.files()) {
      input.readRecords(file, rows::add);
    }
    return rows;
  }

  @Test
  void sameSeedGivesByteIdenticalFilesWhateverTheThreads() throws Exception {
    List<Path> a = GeneratePredictions.builder(dir.resolve("a")).rows(1001).classes(5).files(3).seed(9).threads(1).build().run();
    List<Path> b = GeneratePredictions.builder(dir.resolve("b")).rows(1001).classes(5).files(3).seed(9).threads(3).build().run();
    assertEquals(3, a.size());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)));
    }
    List<Path> c = GeneratePredictions.builder(dir.resolve("c")).rows(1001).classes(5).files(3).seed(10).build().run();
    assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.get(0)), Files.readAllBytes(c.get(0))));
  }

  @Test
  void writesTheRequestedRowsWithUniqueUuidsAndProbabilities() throws Exception {
    GeneratePredictions.builder(dir).rows(2500).classes(30).files(2).build().run();
    List<GenericRecord> rows = read(dir);
    assertEquals(2500, rows.size());
    Set<String> ids = new HashSet<>();
    for (GenericRecord row : rows) {
      String id = row.get(0).toString();
      assertTrue(ids.add(id));
      assertEquals(4, java.util.UUID.fromString(id).version());
      double sum = 0;
      for (int c = 1; c <= 30; c++) {
        double v = (Double) row.get(c);
        assertTrue(v >= 0 && v <= 1);
        sum += v;
      }
      assertEquals(1.0, sum, 1e-9);
    }
    assertEquals(2500, ParquetInput.describe(dir.toString()).totalRows());

    ParquetInput input = ParquetInput.describe(dir.toString());
    List<GenericRecord> first = new ArrayList<>();
    input.readRecords(input.files().get(0), 7, first::add);
    assertEquals(rows.subList(0, 7), first); // files are listed in order, rows read in file order
  }

  @Test
  void uniformValuesAreIndependent() throws Exception {
    GeneratePredictions.builder(dir).rows(200).classes(4).files(1)
        .distribution(GeneratePredictions.Distribution.UNIFORM).build().run();
    double sumOfSums = 0;
    for (GenericRecord row : read(dir)) {
      for (int c = 1; c <= 4; c++) {
        sumOfSums += (Double) row.get(c);
      }
    }
    assertEquals(2.0, sumOfSums / 200, 0.2); // four uniforms average 2, not 1
  }

  @Test
  void theCommandLineIsReadAsBeamOptionsWithTheToolsDefaults() {
    GeneratePredictions.Options defaults = PipelineOptionsFactory.fromArgs().as(GeneratePredictions.Options.class);
    assertEquals(1_000_000, defaults.getRows());
    assertEquals(30, defaults.getClasses());
    assertEquals(null, defaults.getFiles());
    assertEquals("data/predictions", defaults.getOutput());
    assertEquals(42, defaults.getSeed());
    assertEquals(GeneratePredictions.Distribution.SOFTMAX, defaults.getDistribution());
    String[] args = {"--rows=30000", "--classes=4", "--files=3", "--output=out", "--seed=7", "--distribution=uniform",
        "--threads=2"};
    GeneratePredictions.Options given = PipelineOptionsFactory.fromArgs(args).as(GeneratePredictions.Options.class);
    assertEquals(List.of(30000L, 4, 3, "out", 7L, GeneratePredictions.Distribution.UNIFORM, 2),
        List.of(given.getRows(), given.getClasses(), given.getFiles(), given.getOutput(), given.getSeed(),
            given.getDistribution(), given.getThreads()));
    String[] bad = {"--rows=many"};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PipelineOptionsFactory.fromArgs(bad).as(GeneratePredictions.Options.class));
    assertEquals("--rows=many: expected a whole number", OptionValues.describe(e, bad));
    String[] unknown = {"--distribution=normal"};
    e = assertThrows(IllegalArgumentException.class,
        () -> PipelineOptionsFactory.fromArgs(unknown).as(GeneratePredictions.Options.class));
    assertEquals("--distribution=normal: expected 'softmax' or 'uniform'", OptionValues.describe(e, unknown));
  }
}
