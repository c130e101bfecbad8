package io.predictionrelay.kafka;

import static io.predictionrelay.servers.LocalKafkaBroker.INTRUDER;
import static io.predictionrelay.servers.LocalKafkaBroker.READER;
import static io.predictionrelay.servers.LocalKafkaBroker.USERS;
import static io.predictionrelay.servers.LocalKafkaBroker.WRITER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.options.LaunchException;
import io.predictionrelay.testing.SecuredKafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real SASL_SSL broker with SCRAM users and ACLs: the writer writes and the reader reads
 * with nothing but their client properties files, and each way a secured launch goes wrong is one
 * line, within seconds, without a secret in it.
 */
class SecuredKafkaIT {
  @RegisterExtension static final SecuredKafkaExtension KAFKA = new SecuredKafkaExtension();
  /** Long enough that a check waiting for its timeout instead of the broker's answer shows. */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final long FAST_MILLIS = 10_000;
  private static final String TOPIC = "secured";

  @TempDir Path dir;

  private static Map<String, Object> writerSettings() throws Exception {
    Map<String, String> fromFile = KafkaClientConfig.load(KAFKA.clientProperties(WRITER).toString());
    return ProducerSettings.resolve("", fromFile, 1_000_000);
  }

  private static void ensureTopic(String topic) throws Exception {
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), writerSettings(), TIMEOUT)) {
      topics.ensureTopic(topic, true, 2, 1);
    }
  }

  /** The key stores that hold private keys, and their directory, are readable by their owner alone. */
  @Test
  void privateKeysAreTheOwnersOnly() throws Exception {
    Path tls = KAFKA.broker().truststore().getParent();
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tls)));
    List<String> keyStores = new ArrayList<>();
    try (var files = Files.list(tls)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".p12")).sorted().toList()) {
        if (!file.equals(KAFKA.broker().truststore())) {
          keyStores.add(file.getFileName().toString());
          assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
        }
      }
    }
    assertEquals(List.of("broker.p12", "ca.p12", WRITER + ".p12"), keyStores);
  }

  @Test
  void writerProducesAndReaderConsumesWithTheirPropertiesFiles() throws Exception {
    Map<String, Object> producerConfig = writerSettings();
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), producerConfig, TIMEOUT)) {
      topics.ensureTopic(TOPIC, true, 2, 1);
      topics.checkCanWrite(TOPIC);
    }
    producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    Set<String> sent = new TreeSet<>();
    // Idempotent (the default here): proves WRITE on the topic is enough without IDEMPOTENT_WRITE.
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 20; i++) {
        String key = "key-" + i;
        producer.send(new ProducerRecord<>(TOPIC, key, "value-" + i)).get();
        sent.add(key);
      }
    }

    Map<String, Object> consumerConfig =
        KafkaClientConfig.forConsumer(KafkaClientConfig.load(KAFKA.clientProperties(READER).toString()));
    consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Set<String> received = new TreeSet<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(TOPIC, TIMEOUT).forEach(p -> partitions.add(new TopicPartition(TOPIC, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (received.size() < sent.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          received.add(record.key());
        }
      }
    }
    assertEquals(sent, received);
  }

  @Test
  void writerWritesByItsCertificateOverMutualTls() throws Exception {
    String topic = "secured-mtls";
    ensureTopic(topic);
    Map<String, Object> config =
        ProducerSettings.resolve("", KafkaClientConfig.load(KAFKA.broker().mtlsClientProperties()), 1_000_000);
    String servers = KAFKA.broker().mtlsBootstrapServers();
    try (KafkaTopics topics = KafkaTopics.connect(servers, config, TIMEOUT)) {
      topics.checkCanWrite(topic);
    }
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      assertEquals(topic, producer.send(new ProducerRecord<>(topic, "by-certificate", "value")).get().topic());
    }

    config.remove("ssl.keystore.location");
    config.remove("ssl.keystore.password");
    long start = System.nanoTime();
    LaunchException e =
        assertThrows(LaunchException.class, () -> KafkaTopics.connect(servers, config, TIMEOUT).close());
    assertFast(start);
    assertEquals("TLS handshake with --bootstrapServers=" + servers
        + " failed: the broker wants a client certificate it trusts (check ssl.keystore.location)", e.getMessage());
  }

  @Test
  void wrongPasswordIsOneLineNamingUserAndMechanism() throws Exception {
    String wrong = "wrong-" + UUID.randomUUID();
    Map<String, Object> config = writerSettings();
    config.put("sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"writer\" password=\"" + wrong + "\";");
    LaunchException e = failsFast(config);
    assertEquals("authentication failed at --bootstrapServers=" + KAFKA.bootstrapServers()
        + ": SASL SCRAM-SHA-512 as user 'writer' was rejected", e.getMessage());
    assertNoSecret(e, wrong);
  }

  @Test
  void userWithoutWriteIsRefusedBeforeAnythingIsSent() throws Exception {
    ensureTopic(TOPIC);
    for (String user : List.of(INTRUDER, READER)) {
      Map<String, Object> config = ProducerSettings.resolve("", KAFKA.broker().clientConfig(user), 1_000_000);
      try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), config, TIMEOUT)) {
        long start = System.nanoTime();
        LaunchException e = assertThrows(LaunchException.class, () -> topics.checkCanWrite(TOPIC));
        assertFast(start);
        assertEquals("user '" + user + "' is not authorized to write topic '" + TOPIC + "'", e.getMessage());
        assertNoSecret(e, KAFKA.broker().password(user));
      }
    }
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), writerSettings(), TIMEOUT)) {
      topics.checkCanWrite(TOPIC);
    }
  }

  @Test
  void intruderCannotEvenDescribeTheTopic() throws Exception {
    ensureTopic(TOPIC);
    Map<String, Object> config = ProducerSettings.resolve("", KAFKA.broker().clientConfig(INTRUDER), 1_000_000);
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), config, TIMEOUT)) {
      LaunchException e =
          assertThrows(LaunchException.class, () -> topics.ensureTopic(TOPIC, true, 2, 1));
      assertEquals("user 'intruder' is not authorized to describe topic '" + TOPIC + "'", e.getMessage());
    }
  }

  @Test
  void untrustedCertificateIsOneLineNamingTheListener() throws Exception {
    Map<String, Object> config = writerSettings();
    // The JDK's own trust store, which does not hold the broker's CA.
    config.remove("ssl.truststore.location");
    config.remove("ssl.truststore.password");
    config.remove("ssl.truststore.type");
    LaunchException e = failsFast(config);
    assertEquals("TLS handshake with --bootstrapServers=" + KAFKA.bootstrapServers()
        + " failed: the broker's certificate is not trusted (check ssl.truststore.location)", e.getMessage());
    assertNoSecret(e, KAFKA.broker().password(WRITER));
  }

  @Test
  void missingTruststoreIsOneLineNamingThePropertyAndPath() throws Exception {
    Path missing = dir.resolve("no-truststore.p12");
    Path file = dir.resolve("client.properties");
    String text = Files.readString(KAFKA.clientProperties(WRITER))
        .replace(KAFKA.broker().truststore().toString(), missing.toString());
    Files.writeString(file, text);
    Map<String, Object> config = ProducerSettings.resolve("", KafkaClientConfig.load(file), 1_000_000);
    LaunchException e = failsFast(config);
    assertEquals("ssl.truststore.location=" + missing + ": no such file (from --kafkaConfigFile or --producerConfig)",
        e.getMessage());
    assertNoSecret(e, KAFKA.broker().password(WRITER));
  }

  @Test
  void truststoreThatCannotBeOpenedIsOneLineWithoutItsPassword() throws Exception {
    Map<String, Object> config = writerSettings();
    String wrong = "wrong-" + UUID.randomUUID();
    config.put("ssl.truststore.password", wrong);
    LaunchException e = failsFast(config);
    assertEquals("ssl.truststore.location=" + KAFKA.broker().truststore() + " cannot be opened: keystore password"
        + " was incorrect (check ssl.truststore.password and ssl.truststore.type)", e.getMessage());
    assertNoSecret(e, wrong);
  }

  private static LaunchException failsFast(Map<String, Object> config) {
    long start = System.nanoTime();
    LaunchException e = assertThrows(
        LaunchException.class, () -> KafkaTopics.connect(KAFKA.bootstrapServers(), config, TIMEOUT).close());
    assertFast(start);
    return e;
  }

  private static void assertFast(long start) {
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < FAST_MILLIS, "took " + millis + " ms, the timeout is " + TIMEOUT.toMillis() + " ms");
  }

  /** Neither the message nor any cause's mentions {@code extra} or any user's password. */
  private static void assertNoSecret(Throwable e, String extra) {
    Map<String, String> secrets = new HashMap<>();
    secrets.put("the test's password", extra);
    USERS.forEach(user -> secrets.put(user + "'s password", KAFKA.broker().password(user)));
    secrets.put("the truststore password", KAFKA.broker().truststorePassword());
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      secrets.forEach((what, secret) -> assertFalse(message.contains(secret), what + " in: " + message));
    }
  }
}
