package io.predictionrelay.transforms;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.io.ProducerSettings;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.testing.TestPipelines;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
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
}
