package io.predictionrelay.verify;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.kafka.KafkaTopics;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.transforms.PublishToKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The verifier catches every kind of loss and corruption, each counted exactly. */
class VerifyTopicIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir Path dir;

  /** Sends one message and returns its broker timestamp. */
  private long send(KafkaProducer<String, String> producer, String topic, String key, String value, int count)
      throws Exception {
    ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
    record.headers().add(PublishToKafka.COUNT_HEADER, Integer.toString(count).getBytes(UTF_8));
    return producer.send(record).get().timestamp();
  }

  private static String object(String id, double c0, double c1) {
    return "{\"id_client\":\"" + id + "\",\"class_0\":" + c0 + ",\"class_1\":" + c1 + "}";
  }

  @Test
  void countsEveryProblemExactly() throws Exception {
    write(dir.resolve("in.parquet"), predictionSchema(2),
        List.of(row("a", 0.1, 0.9), row("b", 0.2, 0.8), row("c", 0.3, 0.7), row("d", 0.4, 0.6),
            row("e", 0.5, 0.5), row("nan", Double.NaN, 0.5)));
    String topic = "verify-problems";
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), Map.of(), Duration.ofSeconds(10))) {
      topics.ensureTopic(topic, true, 2, 1);
    }
    StringBuilder eleven = new StringBuilder("[");
    for (int i = 0; i < 11; i++) {
      eleven.append(i == 0 ? "" : ",").append(object("stranger-" + i, 0.5, 0.5));
    }
    eleven.append("]");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        new StringSerializer(), new StringSerializer())) {
      send(producer, topic, "0-0", "[" + object("a", 0.1, 0.9) + "," + object("b", 0.2, 0.8) + "]", 2);
      send(producer, topic, "0-1", "[" + object("c", 0.3, 0.71) + "]", 1); // differs from its row
      send(producer, topic, "0-0", "[" + object("a", 0.1, 0.9) + "]", 1); // the key again, other bytes
      send(producer, topic, "0-0", "[" + object("a", 0.1, 0.9) + "," + object("b", 0.2, 0.8) + "]", 2); // a retry
      send(producer, topic, "1-0", "[{\"id_client\":", 1); // not JSON
      send(producer, topic, "1-1", eleven.toString(), 11); // over the count cap, not in the input
      send(producer, topic, "1-2", "[" + object("e", 0.5, 0.5) + "]", 3); // wrong header
      producer.flush();
    }

    VerifyReport report =
        VerifyTopicBuilder.of(dir.toString(), KAFKA.bootstrapServers(), topic).build().verify();

    assertFalse(report.ok(), report.toString());
    assertEquals(6, report.inputRows());
    assertEquals(1, report.expectedDeadLetters());
    assertEquals(5, report.expected());
    assertEquals(7, report.messages());
    assertEquals(2 + 1 + 1 + 11 + 1 + 2, report.received());
    assertEquals(2, report.missing()); // c (its copy differs) and d
    assertEquals(List.of("c", "d"), report.missingSample().stream().sorted().toList());
    assertEquals(3, report.duplicatedPredictions());
    assertEquals(1, report.duplicatedMessages());
    assertEquals(1, report.conflictingKeys());
    assertEquals(1, report.mismatched());
    assertEquals(11, report.unexpected());
    assertEquals(1, report.invalidMessages());
    assertEquals(1, report.overCountCap());
    assertEquals(0, report.overByteCap());
    assertEquals(1, report.headerMismatches());
  }

  /**
   * Every prediction arrived exactly once, but two different messages share a key: a consumer that
   * drops repeated keys would lose one of them, so the verification fails.
   */
  @Test
  void failsWhenAKeyCarriesTwoDifferentMessages() throws Exception {
    write(dir.resolve("in.parquet"), predictionSchema(2),
        List.of(row("a", 0.1, 0.9), row("b", 0.2, 0.8), row("c", 0.3, 0.7)));
    String topic = "verify-collision";
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), Map.of(), Duration.ofSeconds(10))) {
      topics.ensureTopic(topic, true, 3, 1);
    }
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        new StringSerializer(), new StringSerializer())) {
      send(producer, topic, "s0-0", "[" + object("a", 0.1, 0.9) + "," + object("b", 0.2, 0.8) + "]", 2);
      send(producer, topic, "s0-0", "[" + object("c", 0.3, 0.7) + "]", 1);
      producer.flush();
    }

    VerifyReport report = VerifyTopicBuilder.of(dir.toString(), KAFKA.bootstrapServers(), topic).build().verify();

    assertEquals(0, report.missing(), report.toString());
    assertEquals(0, report.duplicatedPredictions(), report.toString());
    assertEquals(0, report.duplicatedMessages(), report.toString());
    assertEquals(1, report.conflictingKeys(), report.toString());
    assertFalse(report.ok(), report.toString());
    assertTrue(report.toString().contains("key s0-0 carries two different messages"), report.toString());
  }

  @Test
  void readsTheCompactLayoutAndExpectsRoundedValues() throws Exception {
    write(dir.resolve("in.parquet"), predictionSchema(2),
        List.of(row("a", 0.123, 0.877), row("b", 0.2468, 0.7532), row("c", 0.5, 0.5)));
    String topic = "verify-compact";
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), Map.of(), Duration.ofSeconds(10))) {
      topics.ensureTopic(topic, true, 1, 1);
    }
    String classes = "\"classes\":[\"class_0\",\"class_1\"]";
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        new StringSerializer(), new StringSerializer())) {
      send(producer, topic, "0-0",
          "{\"ids\":[\"a\",\"b\"]," + classes + ",\"probabilities\":[[0.12,0.88],[0.25,0.75]]}", 2);
      send(producer, topic, "0-1",
          "{\"ids\":[\"c\"]," + classes + ",\"probabilities\":[[0.5000001,0.5]]}", 1); // not rounded
      send(producer, topic, "0-2", "[" + object("c", 0.5, 0.5) + "]", 1); // the object layout
      producer.flush();
    }

    VerifyReport report =
        VerifyTopicBuilder.of(dir.toString(), KAFKA.bootstrapServers(), topic)
            .layout(MessageFormat.Layout.COMPACT)
            .doublePrecision(2)
            .build()
            .verify();

    assertFalse(report.ok(), report.toString());
    assertEquals(3, report.messages());
    assertEquals(3, report.received());
    assertEquals(1, report.mismatched());
    assertEquals(1, report.invalidMessages());
    assertEquals(1, report.missing());
    assertEquals(List.of("c"), report.missingSample());
  }

  @Test
  void passesACompleteTopicAndHonoursSince() throws Exception {
    write(dir.resolve("in.parquet"), predictionSchema(2), List.of(row("a", 0.1, 0.9), row("b", 0.2, 0.8)));
    String topic = "verify-since";
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), Map.of(), Duration.ofSeconds(10))) {
      topics.ensureTopic(topic, true, 1, 1);
    }
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        new StringSerializer(), new StringSerializer())) {
      long old = send(producer, topic, "old", "[" + object("a", 0.1, 0.9) + "]", 1);
      while (System.currentTimeMillis() <= old) {
        Thread.onSpinWait(); // timestamps are in milliseconds: the next record must be later
      }
      long since = old + 1;
      send(producer, topic, "0-0", "[" + object("a", 0.1, 0.9) + "," + object("b", 0.2, 0.8) + "]", 2);
      producer.flush();

      VerifyReport all = VerifyTopicBuilder.of(dir.toString(), KAFKA.bootstrapServers(), topic).build().verify();
      assertTrue(all.ok(), all.toString()); // duplicates are reported, not failures
      assertEquals(1, all.duplicatedPredictions());

      VerifyReport recent =
          VerifyTopicBuilder.of(dir.toString(), KAFKA.bootstrapServers(), topic).since(since).build().verify();
      assertTrue(recent.ok(), recent.toString());
      assertEquals(1, recent.messages());
      assertEquals(0, recent.duplicatedPredictions());
    }
  }
}
