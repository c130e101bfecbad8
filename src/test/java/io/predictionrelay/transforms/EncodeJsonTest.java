package io.predictionrelay.transforms;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.testing.TestPipelines;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EncodeJsonTest {
  private TestPipeline pipeline;

  @BeforeEach
  void createPipeline() {
    pipeline = TestPipelines.create();
  }

  @Test
  void encodesEachMessageUnderItsId() {
    MessageBatch first =
        MessageBatch.inBucket(3, 0, List.of(new Prediction("a", new double[] {0.25, 0.75})));
    MessageBatch second =
        MessageBatch.inBucket(
            3, 1,
            List.of(new Prediction("b", new double[] {1, 0}), new Prediction("c", new double[] {0.5, 0.5})));
    PAssert.that(
            pipeline
                .apply(Create.of(first, second).withCoder(MessageBatch.Coder.of()))
                .apply(EncodeJson.of(MessageFormat.of(PredictionSchema.withClasses(2)))))
        .containsInAnyOrder(
            new EncodedMessage("3-0", 1,
                "[{\"id_client\":\"a\",\"class_0\":0.25,\"class_1\":0.75}]".getBytes(UTF_8)),
            new EncodedMessage("3-1", 2,
                ("[{\"id_client\":\"b\",\"class_0\":1.0,\"class_1\":0.0},"
                        + "{\"id_client\":\"c\",\"class_0\":0.5,\"class_1\":0.5}]").getBytes(UTF_8)));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void encodesInTheCompactLayoutWithRoundedValues() {
    MessageFormat format =
        MessageFormat.of(PredictionSchema.withClasses(2))
            .withLayout(MessageFormat.Layout.COMPACT)
            .withDoublePrecision(3);
    // ReadSplits rounds when it reads; these values are as it would pass them on.
    MessageBatch batch =
        MessageBatch.inBucket(
            7, 2,
            List.of(
                new Prediction("a", new double[] {format.round(0, 0.123456), format.round(1, 0.876544)}),
                new Prediction("b", new double[] {format.round(0, 1.0), format.round(1, 2.5E-7)})));
    PAssert.that(
            pipeline
                .apply(Create.of(batch).withCoder(MessageBatch.Coder.of()))
                .apply(EncodeJson.of(format)))
        .containsInAnyOrder(
            new EncodedMessage("7-2", 2,
                ("{\"ids\":[\"a\",\"b\"],\"classes\":[\"class_0\",\"class_1\"],"
                        + "\"probabilities\":[[0.123,0.877],[1.0,2.5E-7]]}").getBytes(UTF_8)));
    pipeline.run().waitUntilFinish();
  }
}
