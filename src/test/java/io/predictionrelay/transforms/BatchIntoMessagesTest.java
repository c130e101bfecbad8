package io.predictionrelay.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.testing.TestPipelines;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchIntoMessagesTest {
  private static final MessageFormat SCHEMA = MessageFormat.of(PredictionSchema.withClasses(2));
  private TestPipeline pipeline;

  @BeforeEach
  void createPipeline() {
    pipeline = TestPipelines.create();
  }

  /** Rows p00..p(n-1), given to the transform in reverse so that ordering is tested too. */
  private static List<Prediction> rows(int n) {
    List<Prediction> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new Prediction(String.format("p%02d", i), new double[] {i / 100.0, 1 - i / 100.0}));
    }
    return rows;
  }

  /** The transform with the caps of the default options, to be adjusted by each test. */
  private static BatchIntoMessages messages(MessageFormat format) {
    return BatchIntoMessages.of(format, 10, 1_000_000);
  }

  private PCollection<MessageBatch> batch(BatchIntoMessages transform, int bucket, List<Prediction> rows) {
    List<Prediction> shuffled = new ArrayList<>(rows);
    Collections.reverse(shuffled);
    return pipeline
        .apply(
            Create.of(KV.<Integer, Iterable<Prediction>>of(bucket, shuffled))
                .withCoder(KvCoder.of(VarIntCoder.of(), IterableCoder.of(PredictionCoder.of()))))
        .apply(transform);
  }

  @Test
  void bucketOfExactlyTenIsOneMessage() {
    List<Prediction> rows = rows(10);
    PAssert.that(batch(messages(SCHEMA), 4, rows))
        .containsInAnyOrder(MessageBatch.lastInBucket(4, 0, rows));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void bucketOfElevenIsTenThenOne() {
    List<Prediction> rows = rows(11);
    PAssert.that(batch(messages(SCHEMA), 4, rows))
        .containsInAnyOrder(
            MessageBatch.inBucket(4, 0, rows.subList(0, 10)), MessageBatch.lastInBucket(4, 1, rows.subList(10, 11)));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void bucketOfOneIsOneMessage() {
    List<Prediction> rows = rows(1);
    PAssert.that(batch(messages(SCHEMA), 9, rows))
        .containsInAnyOrder(MessageBatch.lastInBucket(9, 0, rows));
    pipeline.run().waitUntilFinish();
  }

  @ParameterizedTest
  @EnumSource(MessageFormat.Layout.class)
  void byteCapSplitsBeforeTheCountCap(MessageFormat.Layout layout) {
    List<Prediction> rows = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      rows.add(new Prediction("p" + i, new double[] {0.25, 0.75})); // all the same size
    }
    MessageFormat format = SCHEMA.withLayout(layout);
    // Room for exactly three predictions: a fourth would pass the cap.
    int cap = new PredictionJson(format).encode(rows.subList(0, 3)).length;
    PAssert.that(batch(messages(format).withMaxBytes(cap), 1, rows))
        .containsInAnyOrder(
            MessageBatch.inBucket(1, 0, rows.subList(0, 3)),
            MessageBatch.inBucket(1, 1, rows.subList(3, 6)),
            MessageBatch.lastInBucket(1, 2, rows.subList(6, 7)));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void countCapIsConfigurable() {
    List<Prediction> rows = rows(5);
    PAssert.that(batch(messages(SCHEMA).withMaxPredictions(2), 0, rows))
        .containsInAnyOrder(
            MessageBatch.inBucket(0, 0, rows.subList(0, 2)),
            MessageBatch.inBucket(0, 1, rows.subList(2, 4)),
            MessageBatch.lastInBucket(0, 2, rows.subList(4, 5)));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void repeatedIdsAreOrderedByValues() {
    Prediction low = new Prediction("same", new double[] {0.1, 0.9});
    Prediction high = new Prediction("same", new double[] {0.2, 0.8});
    PAssert.that(batch(messages(SCHEMA).withMaxPredictions(1), 2, List.of(low, high)))
        .containsInAnyOrder(MessageBatch.inBucket(2, 0, List.of(low)), MessageBatch.lastInBucket(2, 1, List.of(high)));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void aPredictionOverTheCapIsAnError() {
    batch(messages(SCHEMA).withMaxBytes(20), 0, rows(1));
    assertThrows(PipelineExecutionException.class, () -> pipeline.run().waitUntilFinish());
  }

  @Test
  void rejectsNonPositiveCaps() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BatchIntoMessages.of(SCHEMA, 0, 1_000));
    assertTrue(e.getMessage().contains("maxPredictionsPerMessage"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BatchIntoMessages.of(SCHEMA, 10, -1));
    assertThrows(IllegalArgumentException.class, () -> BatchIntoMessages.of(SCHEMA, 10, 1_000).withMaxPredictions(0));
  }

  @Test
  void theStagesShowTheirSettingsAsDisplayData() {
    assertEquals(Map.of("format", SCHEMA.toString(), "maxPredictions", "10", "maxBytes", "1000"),
        items(BatchIntoMessages.of(SCHEMA, 10, 1000)));
    assertEquals(Map.of("buckets", "7", "skippedBuckets", "2", "maxBufferedRows", "100000"),
        items(GroupIntoBuckets.of(7).skipping(new int[] {3, 1})));
    assertEquals(Map.of("format", SCHEMA.toString()), items(EncodeJson.of(SCHEMA)));
  }

  private static Map<String, String> items(org.apache.beam.sdk.transforms.PTransform<?, ?> transform) {
    return DisplayData.from(transform).items().stream()
        .collect(Collectors.toMap(DisplayData.Item::getKey, item -> String.valueOf(item.getValue())));
  }
}
