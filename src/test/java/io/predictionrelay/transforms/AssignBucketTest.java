package io.predictionrelay.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.hash.Hashing;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.testing.TestPipelines;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AssignBucketTest {
  private TestPipeline pipeline;

  @BeforeEach
  void createPipeline() {
    pipeline = TestPipelines.create();
  }

  @Test
  void hashIsMurmur3AsGuavaComputesIt() {
    for (String id : new String[] {"", "a", "client-42", UUID.randomUUID().toString(), "é😀"}) {
      long guava = Hashing.murmur3_128().hashString(id, StandardCharsets.UTF_8).asLong();
      assertEquals(Math.floorMod(guava, 1000L), AssignBucket.bucketOf(id, 1000), id);
    }
  }

  @Test
  void spreadsUuidsEvenly() {
    int buckets = 100;
    int[] counts = new int[buckets];
    java.util.Random random = new java.util.Random(1);
    for (int i = 0; i < 200_000; i++) {
      counts[AssignBucket.bucketOf(new UUID(random.nextLong(), random.nextLong()).toString(), buckets)]++;
    }
    // Poisson-like: mean 2000, sd ~45; six sigma either side.
    for (int count : counts) {
      assertTrue(count > 1730 && count < 2270, "bucket of " + count);
    }
  }

  @Test
  void bucketCountComesFromRowsPerBucket() {
    assertEquals(500, AssignBucket.bucketsFor(1_000_000, 2000));
    assertEquals(501, AssignBucket.bucketsFor(1_000_001, 2000));
    assertEquals(1, AssignBucket.bucketsFor(0, 2000));
    assertThrows(IllegalArgumentException.class, () -> AssignBucket.into(0));
  }

  @Test
  void keysEachPredictionByItsBucket() {
    Prediction a = new Prediction("a", new double[] {0.1});
    Prediction b = new Prediction("b", new double[] {0.2});
    PCollection<KV<Integer, Prediction>> keyed =
        pipeline
            .apply(Create.of(a, b).withCoder(PredictionCoder.of()))
            .apply(AssignBucket.into(7));
    PAssert.that(keyed)
        .containsInAnyOrder(
            KV.of(AssignBucket.bucketOf("a", 7), a), KV.of(AssignBucket.bucketOf("b", 7), b));
    pipeline.run().waitUntilFinish();
  }
}
