package io.predictionrelay;

import static io.predictionrelay.servers.LocalKafkaBroker.INTRUDER;
import static io.predictionrelay.servers.LocalKafkaBroker.READER;
import static io.predictionrelay.servers.LocalKafkaBroker.USERS;
import static io.predictionrelay.servers.LocalKafkaBroker.WRITER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.kafka.KafkaClientConfig;
import io.predictionrelay.kafka.KafkaTopics;
import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.testing.Leaks;
import io.predictionrelay.testing.Runs;
import io.predictionrelay.testing.SecuredKafkaExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each way a secured launch goes wrong, through {@link PublishPredictions#run} as the command line
 * runs it: one line, within seconds, no secret in it or its causes, and nothing sent (the topic is
 * not created, or stays empty). The input does not exist: the Kafka checks come first, so a run
 * that got as far as reading it would fail on that instead.
 */
class SecuredLaunchIT {
  @RegisterExtension static final SecuredKafkaExtension KAFKA = new SecuredKafkaExtension();
  private static final long FAST_MILLIS = 10_000;

  @TempDir Path dir;

  private LaunchException failsFast(String topic, Path kafkaConfigFile) {
    long start = System.nanoTime();
    LaunchException e = assertThrows(LaunchException.class, () -> PublishPredictions.run(Runs.options(
        "--input=" + dir.resolve("no-such-input"),
        "--bootstrapServers=" + KAFKA.bootstrapServers(),
        "--kafkaConfigFile=" + kafkaConfigFile,
        "--topic=" + topic,
        "--brokerTimeoutSeconds=30")));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < FAST_MILLIS, "took " + millis + " ms, the timeout is 30 s");
    Leaks.assertNoneIn(e, secrets());
    return e;
  }

  private static Map<String, String> secrets() {
    Map<String, String> secrets = new LinkedHashMap<>();
    USERS.forEach(user -> secrets.put(user + "'s password", KAFKA.broker().password(user)));
    secrets.put("the truststore password", KAFKA.broker().truststorePassword());
    return secrets;
  }

  /** The writer's file with {@code from} replaced by {@code to}, or its lines starting with {@code to} dropped when from is null. */
  private Path writerFile(String name, String from, String to) throws Exception {
    String text = Files.readString(KAFKA.clientProperties(WRITER));
    text = from != null
        ? text.replace(from, to)
        : text.lines().filter(line -> !line.startsWith(to)).collect(Collectors.joining("\n"));
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  /** As the writer sees it: empty when the topic does not exist, else how many messages it holds. */
  private static Optional<Long> messagesOn(String topic) throws Exception {
    Map<String, Object> config = new LinkedHashMap<>(KafkaClientConfig.forAdmin(writer()));
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    try (Admin admin = Admin.create(config)) {
      TopicDescription description;
      try {
        description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          return Optional.empty();
        }
        throw e;
      }
      Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
      description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      return Optional.of(admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum());
    }
  }

  private static Map<String, Object> writer() throws Exception {
    return ProducerSettings.resolve("", KafkaClientConfig.load(KAFKA.clientProperties(WRITER)), 1_000_000);
  }

  private static void createAsWriter(String topic) throws Exception {
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), writer(), Duration.ofSeconds(30))) {
      topics.ensureTopic(topic, true, 2, 1);
    }
  }

  @Test
  void wrongPassword() throws Exception {
    String wrong = "wrong-" + UUID.randomUUID();
    LaunchException e = failsFast("launch-password",
        writerFile("wrong-password.properties", KAFKA.broker().password(WRITER), wrong));
    assertEquals("authentication failed at --bootstrapServers=" + KAFKA.bootstrapServers()
        + ": SASL SCRAM-SHA-512 as user 'writer' was rejected", e.getMessage());
    Leaks.assertNoneIn(e, Map.of("the wrong password", wrong));
    assertEquals(Optional.empty(), messagesOn("launch-password"));
  }

  /** The intruder may not even describe the topic; the reader may read it but not write it, nor create one. */
  @Test
  void usersWithoutWrite() throws Exception {
    String topic = "launch-acl";
    createAsWriter(topic);
    assertEquals("user 'intruder' is not authorized to describe topic '" + topic + "'",
        failsFast(topic, KAFKA.clientProperties(INTRUDER)).getMessage());
    assertEquals("user 'reader' is not authorized to write topic '" + topic + "'",
        failsFast(topic, KAFKA.clientProperties(READER)).getMessage());
    assertEquals(Optional.of(0L), messagesOn(topic));

    assertEquals("user 'reader' is not authorized to create topic launch-acl-new",
        failsFast("launch-acl-new", KAFKA.clientProperties(READER)).getMessage());
    assertEquals(Optional.empty(), messagesOn("launch-acl-new"));
  }

  @Test
  void untrustedCertificate() throws Exception {
    LaunchException e = failsFast("launch-untrusted", writerFile("untrusted.properties", null, "ssl.truststore."));
    assertEquals("TLS handshake with --bootstrapServers=" + KAFKA.bootstrapServers()
        + " failed: the broker's certificate is not trusted (check ssl.truststore.location)", e.getMessage());
    assertEquals(Optional.empty(), messagesOn("launch-untrusted"));
  }

  @Test
  void missingTruststore() throws Exception {
    Path missing = dir.resolve("no-truststore.p12");
    LaunchException e = failsFast("launch-no-truststore",
        writerFile("missing-truststore.properties", KAFKA.broker().truststore().toString(), missing.toString()));
    assertEquals("ssl.truststore.location=" + missing + ": no such file (from --kafkaConfigFile or --producerConfig)",
        e.getMessage());
    assertEquals(Optional.empty(), messagesOn("launch-no-truststore"));
  }

  /** The verifier checks the same way, before it reads its input: the writer may not read. */
  @Test
  void verifierAsAUserWithoutRead() throws Exception {
    String topic = "launch-verify";
    createAsWriter(topic);
    long start = System.nanoTime();
    LaunchException e = assertThrows(LaunchException.class, () ->
        VerifyTopicBuilder.of(dir.resolve("no-such-input").toString(), KAFKA.bootstrapServers(), topic)
            .kafkaConfigFile(KAFKA.clientProperties(WRITER).toString())
            .build()
            .verify());
    assertTrue((System.nanoTime() - start) / 1_000_000 < FAST_MILLIS);
    assertEquals("user 'writer' is not authorized to read topic '" + topic + "'", e.getMessage());
    Leaks.assertNoneIn(e, secrets());

    e = assertThrows(LaunchException.class, () ->
        VerifyTopicBuilder.of(dir.resolve("no-such-input").toString(), KAFKA.bootstrapServers(), topic)
            .kafkaConfigFile(writerFile("verify-wrong.properties", KAFKA.broker().password(WRITER), "not-it-" + UUID.randomUUID()).toString())
            .build()
            .verify());
    assertEquals("authentication failed at --bootstrapServers=" + KAFKA.bootstrapServers()
        + ": SASL SCRAM-SHA-512 as user 'writer' was rejected", e.getMessage());
    Leaks.assertNoneIn(e, secrets());
  }
}
