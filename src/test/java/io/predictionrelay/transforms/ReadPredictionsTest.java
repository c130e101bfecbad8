package io.predictionrelay.transforms;

import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.schema;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.io.ParquetInput;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.DeadLetter.Reason;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadPredictionsTest {
  @TempDir Path dir;
  private TestPipeline pipeline;

  @BeforeEach
  void createPipeline() {
    pipeline = TestPipelines.create();
  }

  private static Map<String, Object> nullable(String id, Object c0, Object c1) {
    Map<String, Object> row = new HashMap<>();
    row.put("id_client", id);
    row.put("class_0", c0);
    row.put("class_1", c1);
    return row;
  }

  @Test
  void convertsRowsAndSetsAsideTheOnesThatCannotBePublished() throws IOException {
    write(
        dir.resolve("p.parquet"),
        schema("id_client: string?", "class_1: double?", "class_0: float?"),
        List.of(
            nullable("good", 0.25f, 0.75),
            nullable(null, 0.5f, 0.5),
            nullable("", 0.5f, 0.5),
            nullable("has-null", null, 0.5),
            nullable("has-nan", 0.5f, Double.NaN),
            nullable("has-inf", Float.NEGATIVE_INFINITY, 0.5)));
    ParquetInput input = ParquetInput.describe(dir.toString());
    PCollectionTuple rows = pipeline.apply(ReadPredictions.from(input));

    PAssert.that(rows.get(ReadPredictions.PREDICTIONS))
        .containsInAnyOrder(new Prediction("good", new double[] {0.25, 0.75}));
    PAssert.that(rows.get(ReadPredictions.DEAD_LETTERS))
        .containsInAnyOrder(
            new DeadLetter(Reason.MISSING_ID, "id_client is null",
                "{\"id_client\":null,\"class_0\":0.5,\"class_1\":0.5}"),
            new DeadLetter(Reason.MISSING_ID, "id_client is empty",
                "{\"id_client\":\"\",\"class_0\":0.5,\"class_1\":0.5}"),
            new DeadLetter(Reason.NULL_CLASS_VALUE, "class_0 is null",
                "{\"id_client\":\"has-null\",\"class_0\":null,\"class_1\":0.5}"),
            new DeadLetter(Reason.NON_FINITE_CLASS_VALUE, "class_1 is NaN",
                "{\"id_client\":\"has-nan\",\"class_0\":0.5,\"class_1\":\"NaN\"}"),
            new DeadLetter(Reason.NON_FINITE_CLASS_VALUE, "class_0 is -Infinity",
                "{\"id_client\":\"has-inf\",\"class_0\":\"-Infinity\",\"class_1\":0.5}"));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    long read =
        result.metrics().queryMetrics(MetricsFilter.builder()
                .addNameFilter(MetricNameFilter.named(
                    ReadPredictions.ToPredictionFn.class, ReadPredictions.ToPredictionFn.ROWS_READ))
                .build())
            .getCounters().iterator().next().getCommitted();
    assertEquals(6, read);
  }

  @Test
  void aPredictionOverTheByteCapIsADeadLetter() throws IOException {
    write(dir.resolve("p.parquet"), io.predictionrelay.testing.ParquetFixtures.predictionSchema(1),
        List.of(row("short", 0.5), row("a-much-longer-client-id", 0.5)));
    ParquetInput input = ParquetInput.describe(dir.toString());
    int cap = "[{\"id_client\":\"short\",\"class_0\":0.5}]".length();
    PCollectionTuple rows = pipeline.apply(ReadPredictions.from(input).withMaxMessageBytes(cap));
    PAssert.that(rows.get(ReadPredictions.PREDICTIONS))
        .containsInAnyOrder(new Prediction("short", new double[] {0.5}));
    PAssert.that(rows.get(ReadPredictions.DEAD_LETTERS))
        .containsInAnyOrder(new DeadLetter(Reason.PREDICTION_TOO_LARGE,
            "alone it encodes to "
                + "[{\"id_client\":\"a-much-longer-client-id\",\"class_0\":0.5}]".length()
                + " bytes, over --maxMessageBytes=" + cap,
            "{\"id_client\":\"a-much-longer-client-id\",\"class_0\":0.5}"));
    pipeline.run().waitUntilFinish();
  }
}
