package io.predictionrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.options.LaunchException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProducerSettingsTest {
  @Test
  void defaultsFavourDelivery() {
    Map<String, Object> config = ProducerSettings.resolve("", 1_000_000);
    assertEquals("all", config.get("acks"));
    assertEquals(true, config.get("enable.idempotence"));
    assertEquals(Integer.MAX_VALUE, config.get("retries"));
    assertEquals(1024 * 1024, config.get("max.request.size"));
    assertEquals(2_000_000 + 1024, ProducerSettings.resolve("", 2_000_000).get("max.request.size"));
  }

  @Test
  void userPropertiesOverrideDefaults() {
    Map<String, Object> config = ProducerSettings.resolve("compression.type=zstd, linger.ms=5", 1000);
    assertEquals("zstd", config.get("compression.type"));
    assertEquals("5", config.get("linger.ms"));
  }

  @Test
  void batchesFitTheTopicLimit() {
    Map<String, Object> config = ProducerSettings.resolve("", 1000);
    ProducerSettings.fitBatchesTo(config, 1_048_588);
    assertEquals(256 * 1024, config.get("batch.size"));
    ProducerSettings.fitBatchesTo(config, 100_000);
    assertEquals(100_000 - 1024, config.get("batch.size"));
  }

  @Test
  void unknownPropertyIsRejectedByName() {
    LaunchException e = assertThrows(LaunchException.class, () -> ProducerSettings.parse("lingerms=5"));
    assertTrue(e.getMessage().contains("--producerConfig") && e.getMessage().contains("lingerms"), e.getMessage());
  }

  @Test
  void illTypedPropertyIsRejected() {
    LaunchException e = assertThrows(LaunchException.class, () -> ProducerSettings.parse("linger.ms=soon"));
    assertTrue(e.getMessage().contains("linger.ms"), e.getMessage());
    assertThrows(LaunchException.class, () -> ProducerSettings.parse("acks=most"));
    assertThrows(LaunchException.class, () -> ProducerSettings.parse("acks"));
  }

  @Test
  void malformedBootstrapServers() {
    ProducerSettings.checkBootstrapServers("127.0.0.1:9092,broker-2.example:19092");
    for (String bad : new String[] {"", "localhost", "host:0", "host:99999", "host:port", "a:1,,b:2"}) {
      LaunchException e = assertThrows(LaunchException.class, () -> ProducerSettings.checkBootstrapServers(bad));
      assertTrue(e.getMessage().contains("--bootstrapServers"), e.getMessage());
    }
  }

  @Test
  void secretsAreMaskedWhenDescribed() {
    Map<String, Object> config = ProducerSettings.resolve(
        "security.protocol=SASL_SSL,sasl.mechanism=PLAIN,"
            + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"u\" password=\"hunter2\";,ssl.truststore.password=s3cret", 1000);
    String described = ProducerSettings.describe(config);
    assertFalse(described.contains("hunter2"), described);
    assertFalse(described.contains("s3cret"), described);
    assertTrue(described.contains("sasl.jaas.config=******"), described);
    assertTrue(described.contains("security.protocol=SASL_SSL"), described);
  }

  @Test
  void everyKindOfSecretIsMaskedAndKeptApart() {
    String[] secrets = {"sasl.jaas.config", "ssl.key.password", "ssl.keystore.password", "ssl.truststore.password",
        "ssl.keystore.key", "ssl.keystore.certificate.chain", "ssl.truststore.certificates", "basic.auth.user.info",
        "sasl.oauthbearer.client.credentials.client.secret", "sasl.login.password", "some.vendor.api.token"};
    String[] plain = {"security.protocol", "sasl.mechanism", "ssl.truststore.location", "ssl.keystore.type",
        "ssl.endpoint.identification.algorithm", "key.serializer", "acks"};
    Map<String, Object> config = new java.util.TreeMap<>();
    for (String key : secrets) {
      assertTrue(KafkaClientConfig.isSecret(key), key);
      config.put(key, "hidden-" + key);
    }
    for (String key : plain) {
      assertFalse(KafkaClientConfig.isSecret(key), key);
      config.put(key, "shown-" + key);
    }
    String described = ProducerSettings.describe(config);
    assertFalse(described.contains("hidden-"), described);
    for (String key : plain) {
      assertTrue(described.contains(key + "=shown-" + key), described);
    }
    assertEquals(java.util.Set.of(secrets), ProducerSettings.secrets(config).keySet());
    assertEquals(java.util.Set.of(plain), ProducerSettings.withoutSecrets(config).keySet());
  }

  @Test
  void redactMasksSecretValuesAndJaasPasswordsInText() {
    Map<String, Object> config = Map.of(
        "ssl.truststore.password", "trust-me-7",
        "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"writer\" password=\"pw-41aa\";",
        "security.protocol", "SASL_SSL");
    assertEquals("store ******, login ******, over SASL_SSL", ProducerSettings.redact("store trust-me-7, login pw-41aa, over SASL_SSL", config));
  }
}
