package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.run.RunSummary;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every column type a model's table may have, published as Spark's {@code to_json} writes it,
 * byte for byte: integer ids, floats in their shortest float form, decimals with their scale,
 * integers, dates and timestamps of extra columns; and the integers a double cannot carry set aside,
 * while decimals of any precision are published exactly.
 */
class TableTypesTest {
  @TempDir Path dir;

  private static final Schema SCHEMA = new Schema.Parser().parse("""
      {"type":"record","name":"row","fields":[
        {"name":"user_id","type":"long"},
        {"name":"model_version","type":["null","string"]},
        {"name":"day","type":{"type":"int","logicalType":"date"}},
        {"name":"scored_at","type":{"type":"long","logicalType":"timestamp-millis"}},
        {"name":"p_0","type":"double"},
        {"name":"p_1","type":"float"},
        {"name":"p_2","type":"int"},
        {"name":"p_3","type":"long"},
        {"name":"p_4","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":8}},
        {"name":"p_5","type":{"type":"fixed","name":"d38","size":16,"logicalType":"decimal","precision":38,"scale":18}},
        {"name":"unused","type":"string"}
      ]}""");

  private static GenericRecord row(long id, String version, double p0, float p1, int p2, long p3,
      String p4, String p5) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("user_id", id);
    r.put("model_version", version);
    r.put("day", (int) LocalDate.parse("2026-11-18").toEpochDay());
    r.put("scored_at", Instant.parse("2026-11-18T10:15:30.250Z").toEpochMilli());
    r.put("p_0", p0);
    r.put("p_1", p1);
    r.put("p_2", p2);
    r.put("p_3", p3);
    r.put("p_4", ByteBuffer.wrap(new BigDecimal(p4).setScale(8).unscaledValue().toByteArray()));
    byte[] unscaled = new BigDecimal(p5).setScale(18).unscaledValue().toByteArray();
    byte[] fixed = new byte[16];
    byte fill = (byte) (unscaled[0] < 0 ? 0xFF : 0);
    java.util.Arrays.fill(fixed, fill);
    System.arraycopy(unscaled, 0, fixed, 16 - unscaled.length, unscaled.length);
    r.put("p_5", new GenericData.Fixed(SCHEMA.getField("p_5").schema(), fixed));
    r.put("unused", "x");
    return r;
  }

  private Path table(List<GenericRecord> rows) throws IOException {
    Path file = Files.createDirectories(dir.resolve("in")).resolve("typed.parquet");
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file)).withSchema(SCHEMA).build()) {
      for (GenericRecord r : rows) {
        writer.write(r);
      }
    }
    return file;
  }

  /** Publishes with this table's columns; {@code more} adds options or replaces these. */
  private RunSummary publish(Path input, String... more) {
    List<String> args = new ArrayList<>(List.of(more));
    for (String option : List.of("--input=" + input, "--sink=files",
        "--outputDir=" + dir.resolve("out"), "--deadLetterDir=" + dir.resolve("dead"),
        "--reportDir=" + dir.resolve("reports"), "--runner=DirectRunner",
        "--idColumn=user_id", "--classColumns=p_(\\d+)", "--extraColumns=model_version,day,scored_at")) {
      String name = option.substring(0, option.indexOf('=') + 1);
      if (args.stream().noneMatch(a -> a.startsWith(name))) {
        args.add(option);
      }
    }
    return PublishPredictions.run(
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(PublishOptions.class));
  }

  private Set<String> lines(String sub) throws IOException {
    Set<String> lines = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir.resolve(sub))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        lines.addAll(Files.readAllLines(f));
      }
    }
    return lines;
  }

  @Test
  void everyTypeIsWrittenAsToJsonWritesIt() throws IOException {
    Path input = table(List.of(
        row(7, "v3", 0.1, 0.0259049f, 3, -4, "0.02590490", "0.125"),
        row(8, null, 1.0E-5, 1.0E-5f, 0, 9_007_199_254_740_992L, "0.00000001", "0")));
    RunSummary summary = publish(input, "--numBuckets=1");
    assertTrue(summary.reconciles(), summary.toString());
    String common = "\"day\":\"2026-11-18\",\"scored_at\":\"2026-11-18T10:15:30.250Z\",";
    assertEquals(Set.of("{\"key\":\"0-0\",\"predictions\":2,\"value\":["
            + "{\"user_id\":7,\"model_version\":\"v3\"," + common
            + "\"p_0\":0.1,\"p_1\":0.0259049,\"p_2\":3,\"p_3\":-4,\"p_4\":0.02590490,\"p_5\":0.125000000000000000},"
            + "{\"user_id\":8," + common // a null field is left out, as to_json does
            + "\"p_0\":1.0E-5,\"p_1\":1.0E-5,\"p_2\":0,\"p_3\":9007199254740992,\"p_4\":1E-8,\"p_5\":0E-18}]}"),
        lines("out"));
  }

  @Test
  void integersADoubleCannotCarryAreDeadLettersDecimalsAreExact() throws IOException {
    Path input = table(List.of(
        row(1, "v", 0.5, 0.5f, 1, 9_007_199_254_740_993L, "0.5", "0.5"),
        row(2, "v", 0.5, 0.5f, 1, 1, "0.5", "0.123456789012345678"),
        row(3, "v", 0.5, 0.5f, 1, 1, "0.5", "-12345678901234567890.123456789012345678")));
    RunSummary summary = publish(input, "--numBuckets=1");
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(2, summary.predictions());
    assertEquals(1, summary.deadLetters().get(DeadLetter.Reason.UNREPRESENTABLE_VALUE));
    Set<String> dead = lines("dead");
    assertEquals(1, dead.size(), dead.toString());
    assertTrue(dead.iterator().next().contains("p_3 is 9007199254740993, beyond the 2^53"), dead.toString());
    String out = String.join("\n", lines("out"));
    assertTrue(out.contains("\"p_4\":0.50000000,\"p_5\":0.123456789012345678}"), out);
    assertTrue(out.contains("\"p_4\":0.50000000,\"p_5\":-12345678901234567890.123456789012345678}"), out);
  }

  @Test
  void columnsThatCannotBePublishedAreRefusedInOneLine() throws IOException {
    Path input = table(List.of(row(1, "v", 0.5, 0.5f, 1, 1, "0.5", "0.5")));
    LaunchException e = assertThrows(LaunchException.class, () -> publish(input, "--classColumns=(\\d+)?unused"));
    assertEquals(input + ": column unused matches --classColumns=(\\d+)?unused but its group 'null' is not a"
        + " class number", e.getMessage());
    e = assertThrows(LaunchException.class, () -> publish(input, "--classColumns=p_(\\d+)|(u)nused"));
    assertEquals("--classColumns=p_(\\d+)|(u)nused: expected a regular expression with exactly one group, the"
        + " class number, e.g. class_(\\d+)", e.getMessage());
    e = assertThrows(LaunchException.class, () -> publish(input, "--extraColumns=nope"));
    assertEquals("--extraColumns: nope is neither a column of " + input + " nor a partition directory above it",
        e.getMessage());
    e = assertThrows(LaunchException.class, () -> publish(input, "--classColumns=p_("));
    assertTrue(e.getMessage().startsWith("--classColumns=p_(: not a regular expression"), e.getMessage());
  }
}
