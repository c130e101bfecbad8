package io.predictionrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.options.LaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientConfigTest {
  private static final String JAAS =
      "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"writer\" password=\"pw-7f3a\";";

  @TempDir Path dir;

  private Path file(String text) throws Exception {
    return Files.writeString(dir.resolve("client.properties"), text);
  }

  @Test
  void loadsAClientPropertiesFile() throws Exception {
    Path file = file("# as Kafka's tools take it\n"
        + "security.protocol=SASL_SSL\n"
        + "sasl.mechanism=SCRAM-SHA-512\n"
        + "sasl.jaas.config=" + JAAS + "\n"
        + "ssl.truststore.location=/etc/kafka/truststore.p12\n"
        + "isolation.level=read_committed\n");
    Map<String, String> config = KafkaClientConfig.load(file.toString());
    assertEquals(
        Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", JAAS,
            "ssl.truststore.location", "/etc/kafka/truststore.p12", "isolation.level", "read_committed"),
        config);
  }

  @Test
  void noFileNamedIsNoProperties() {
    assertEquals(Map.of(), KafkaClientConfig.load(""));
    assertEquals(Map.of(), KafkaClientConfig.load((String) null));
  }

  @Test
  void missingFileIsOneLineNamingIt() {
    String missing = dir.resolve("nowhere.properties").toString();
    LaunchException e = assertThrows(LaunchException.class, () -> KafkaClientConfig.load(missing));
    assertEquals("--kafkaConfigFile=" + missing + ": no such file", e.getMessage());
    e = assertThrows(LaunchException.class, () -> KafkaClientConfig.load(dir.toString()));
    assertEquals("--kafkaConfigFile=" + dir + ": not a file", e.getMessage());
  }

  @Test
  void unknownPropertyIsRejectedByNameAndFile() throws Exception {
    Path file = file("security.protocol=SSL\nssl.trustsore.location=/x\n");
    LaunchException e = assertThrows(LaunchException.class, () -> KafkaClientConfig.load(file));
    assertEquals(
        "--kafkaConfigFile=" + file + ": unknown Kafka client property 'ssl.trustsore.location'", e.getMessage());
  }

  @Test
  void illTypedValueIsRejected() throws Exception {
    Path file = file("request.timeout.ms=soon\n");
    LaunchException e = assertThrows(LaunchException.class, () -> KafkaClientConfig.load(file));
    assertTrue(e.getMessage().startsWith("--kafkaConfigFile=" + file + ": ")
        && e.getMessage().contains("request.timeout.ms"), e.getMessage());
    Path protocol = file("security.protocol=SASL_TLS\n");
    assertThrows(LaunchException.class, () -> KafkaClientConfig.load(protocol));
  }

  @Test
  void propertiesTheToolsSetDoNotBelongInTheFile() throws Exception {
    Path file = file("bootstrap.servers=broker:9093\n");
    LaunchException e = assertThrows(LaunchException.class, () -> KafkaClientConfig.load(file));
    assertTrue(e.getMessage().contains("bootstrap.servers") && e.getMessage().contains("--bootstrapServers"),
        e.getMessage());
  }

  @Test
  void producerConfigWinsOverTheFileWhichWinsOverTheDefaults() {
    Map<String, String> fromFile = Map.of(
        "linger.ms", "50", "compression.type", "zstd", "isolation.level", "read_committed",
        "security.protocol", "SASL_SSL");
    Map<String, Object> config = ProducerSettings.resolve("linger.ms=5", fromFile, 1000);
    assertEquals("5", config.get("linger.ms"));
    assertEquals("zstd", config.get("compression.type"));
    assertEquals("SASL_SSL", config.get("security.protocol"));
    assertEquals("all", config.get("acks"));
    assertFalse(config.containsKey("isolation.level"), "a consumer property reached the producer: " + config);
  }

  @Test
  void eachClientGetsTheSettingsItUnderstands() {
    Map<String, String> settings = Map.of(
        "security.protocol", "SASL_SSL", "sasl.jaas.config", JAAS, "isolation.level", "read_committed",
        "linger.ms", "5");
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", JAAS, "isolation.level", "read_committed"),
        KafkaClientConfig.forConsumer(settings));
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", JAAS),
        KafkaClientConfig.forAdmin(settings));
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", JAAS, "linger.ms", "5"),
        KafkaClientConfig.forProducer(settings));
  }

  @Test
  void principalIsTheUserOfTheJaasConfigAndNothingElseOfIt() {
    Map<String, String> scram = Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", JAAS);
    assertEquals(Optional.of("writer"), KafkaClientConfig.saslUser(scram));
    assertEquals("user 'writer'", KafkaClientConfig.principal(scram));
    Map<String, String> passwordFirst = Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"p\" username=relay;");
    assertEquals("user 'relay'", KafkaClientConfig.principal(passwordFirst));
    assertEquals("PLAIN", KafkaClientConfig.saslMechanism(Map.of("sasl.mechanism", "PLAIN")));
    assertEquals("GSSAPI", KafkaClientConfig.saslMechanism(Map.of()));
    assertEquals("the certificate in ssl.keystore.location=/k.p12",
        KafkaClientConfig.principal(Map.of("security.protocol", "SSL", "ssl.keystore.location", "/k.p12")));
    assertEquals("user 'ANONYMOUS'", KafkaClientConfig.principal(Map.of()));
  }

  @Test
  void missingStoreFileIsOneLineNamingThePropertyAndPath() throws Exception {
    String missing = dir.resolve("truststore.p12").toString();
    LaunchException e = assertThrows(LaunchException.class,
        () -> KafkaClientConfig.checkStoreFiles(Map.of("ssl.truststore.location", missing)));
    assertEquals("ssl.truststore.location=" + missing + ": no such file (from --kafkaConfigFile or --producerConfig)",
        e.getMessage());
    e = assertThrows(LaunchException.class,
        () -> KafkaClientConfig.checkStoreFiles(Map.of("ssl.keystore.location", dir.toString())));
    assertTrue(e.getMessage().startsWith("ssl.keystore.location=" + dir + ": not a file"), e.getMessage());
    Path present = Files.writeString(dir.resolve("present.p12"), "x");
    KafkaClientConfig.checkStoreFiles(Map.of("ssl.truststore.location", present.toString()));
  }
}
