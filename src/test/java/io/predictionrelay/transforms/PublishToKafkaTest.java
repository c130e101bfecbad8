package io.predictionrelay.transforms;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.testing.TestPipelines;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.kafka.ProducerRecordCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;

class PublishToKafkaTest {
  @Test
  void secretsStayOutOfDisplayData() {
    Map<String, Object> config = ProducerSettings.resolve(
        "security.protocol=SASL_SSL,sasl.mechanism=PLAIN,sasl.jaas.config=org.apache.kafka.common"
            + ".security.plain.PlainLoginModule required username=\"u\" password=\"hunter2\";", 1000);
    TestPipeline pipeline = TestPipelines.create();
    pipeline
        .apply(Create.empty(EncodedMessage.Coder.of()))
        .apply(PublishToKafka.to("t").withBootstrapServers("127.0.0.1:1").withProducerConfig(config));
    StringBuilder shown = new StringBuilder();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            shown.append(DisplayData.from(node.getTransform())).append('\n');
          }

          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (node.getTransform() != null) {
              shown.append(DisplayData.from(node.getTransform())).append('\n');
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }
        });
    assertTrue(shown.toString().contains("SASL_SSL"), shown.toString()); // display data is there
    assertFalse(shown.toString().contains("hunter2"), shown.toString());
  }

  @Test
  void recordsCarryTheirCountTheRunIdAndTheLastMark() {
    TestPipeline pipeline = TestPipelines.create();
    PCollection<String> headers = pipeline
        .apply(Create.of(new EncodedMessage("4-0", 10, false, new byte[] {'['}),
                new EncodedMessage("4-1", 3, true, new byte[] {'['}))
            .withCoder(EncodedMessage.Coder.of()))
        .apply(ParDo.of(new PublishToKafka.ToProducerRecordFn("t", "run-7")))
        .setCoder(ProducerRecordCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
        .apply(MapElements.into(TypeDescriptors.strings()).via(record -> {
          StringBuilder s = new StringBuilder(record.key());
          record.headers().forEach(h -> s.append(' ').append(h.key()).append('=')
              .append(new String(h.value(), java.nio.charset.StandardCharsets.UTF_8)));
          return s.toString();
        }));
    PAssert.that(headers).containsInAnyOrder(
        "4-0 prediction_count=10 run_id=run-7",
        "4-1 prediction_count=3 run_id=run-7 last_in_bucket=true");
    pipeline.run().waitUntilFinish();
  }
}
