package io.predictionrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.predictionrelay.options.LaunchException;
import io.predictionrelay.testing.KafkaBrokerExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The launch checks against a plain broker, with no authorizer: the write check lets everyone through. */
class KafkaTopicsIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void withoutAnAuthorizerEveryoneMayWrite() {
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), Map.of(), Duration.ofSeconds(10))) {
      topics.ensureTopic("plain", true, 1, 1);
      topics.checkCanWrite("plain");
      LaunchException e = assertThrows(LaunchException.class, () -> topics.checkCanWrite("never-created"));
      assertEquals("--topic never-created does not exist on " + KAFKA.bootstrapServers(), e.getMessage());
    }
  }
}
