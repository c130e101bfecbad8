package io.predictionrelay.kafka;

import io.predictionrelay.options.LaunchException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The producer configuration of a run, made in one place: safe defaults for delivery (all replicas
 * acknowledge, idempotent, retried until the delivery timeout), then the user's
 * {@code --producerConfig} over them, each property checked against Kafka's own definition.
 */
public final class ProducerSettings {
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9._-]+):([0-9]{1,5})");
  private static final Pattern JAAS_PASSWORD = Pattern.compile("password\\s*=\\s*\"([^\"]*)\"");
  /** Room for the key, the header and the record framing next to the largest value. */
  private static final int RECORD_OVERHEAD_BYTES = 1024;

  private ProducerSettings() {}

  /** Defaults chosen for delivery first; batching and compression measured in docs/benchmarks.md. */
  public static Map<String, Object> defaults(int maxMessageBytes) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.put(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        Math.max(1024 * 1024, maxMessageBytes + RECORD_OVERHEAD_BYTES));
    return config;
  }

  /** The defaults with {@code --producerConfig} applied over them. */
  public static Map<String, Object> resolve(String producerConfig, int maxMessageBytes) {
    return resolve(producerConfig, Map.of(), maxMessageBytes);
  }

  /**
   * The defaults, then the producer properties of the {@code --kafkaConfigFile} file ({@code fromFile},
   * from {@link KafkaClientConfig#load(String)}; its consumer-only properties are left out), then
   * {@code --producerConfig} over both: the command line wins.
   */
  public static Map<String, Object> resolve(
      String producerConfig, Map<String, String> fromFile, int maxMessageBytes) {
    Map<String, Object> config = defaults(maxMessageBytes);
    config.putAll(KafkaClientConfig.forProducer(fromFile));
    config.putAll(parse(producerConfig));
    return config;
  }

  /**
   * Lowers {@code batch.size} to fit the topic's {@code max.message.bytes}. A larger batch that the
   * broker refuses is split by the producer into batches just as large, forever (KAFKA-8350).
   */
  public static void fitBatchesTo(Map<String, Object> config, int topicMaxMessageBytes) {
    int fitting = Math.max(1, topicMaxMessageBytes - RECORD_OVERHEAD_BYTES);
    int batchSize = Integer.parseInt(String.valueOf(config.get(ProducerConfig.BATCH_SIZE_CONFIG)));
    if (batchSize > fitting) {
      config.put(ProducerConfig.BATCH_SIZE_CONFIG, fitting);
    }
  }

  /** Parses and checks {@code key=value[,key=value...]}. */
  public static Map<String, String> parse(String spec) {
    Map<String, String> properties = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return properties;
    }
    ConfigDef definition = ProducerConfig.configDef();
    for (String entry : spec.split(",")) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new LaunchException(
            "--producerConfig: '" + entry.trim() + "' is not key=value");
      }
      String key = entry.substring(0, eq).trim();
      String value = entry.substring(eq + 1).trim();
      ConfigDef.ConfigKey known = definition.configKeys().get(key);
      if (known == null) {
        throw new LaunchException("--producerConfig: unknown producer property '" + key + "'");
      }
      try {
        Object parsed = ConfigDef.parseType(key, value, known.type);
        if (known.validator != null) {
          known.validator.ensureValid(key, parsed);
        }
      } catch (ConfigException e) {
        // Kafka's message quotes the value, which for a secret is the secret.
        throw new LaunchException("--producerConfig: " + (KafkaClientConfig.isSecret(key) ? "invalid value for " + key : e.getMessage()));
      }
      properties.put(key, value);
    }
    return properties;
  }

  /** The properties of {@code --producerConfig} that hold a secret, by name. */
  public static List<String> secretKeys(String producerConfig) {
    return parse(producerConfig).keySet().stream().filter(KafkaClientConfig::isSecret).toList();
  }

  /**
   * {@code --producerConfig} with each secret's value replaced by {@code ******}: what the run's
   * options keep once the secrets are in its producer configuration, since Beam serializes the
   * options to the workers and shows them as display data.
   */
  public static String masked(String producerConfig) {
    StringBuilder out = new StringBuilder();
    parse(producerConfig).forEach((key, value) ->
        out.append(out.length() == 0 ? "" : ",").append(key).append('=').append(KafkaClientConfig.isSecret(key) ? "******" : value));
    return out.toString();
  }

  /** Checks {@code host:port[,host:port...]}. */
  public static void checkBootstrapServers(String servers) {
    if (servers == null || servers.isBlank()) {
      throw new LaunchException("--bootstrapServers is empty: expected host:port[,host:port...]");
    }
    for (String server : servers.split(",")) {
      var m = HOST_PORT.matcher(server.trim());
      int port = m.matches() ? Integer.parseInt(m.group(2)) : -1;
      if (port < 1 || port > 65535) {
        throw new LaunchException(
            "--bootstrapServers: '" + server.trim() + "' is not host:port with a port 1-65535");
      }
    }
  }

  /** The configuration as text, secrets masked, for logs and the console. */
  public static String describe(Map<String, ?> config) {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(config)
        .forEach(
            (key, value) ->
                out.append(out.length() == 0 ? "" : ", ")
                    .append(key)
                    .append('=')
                    .append(KafkaClientConfig.isSecret(key) ? "******" : value));
    return out.toString();
  }

  /**
   * {@code text} with every secret value of {@code config} (and each password inside a JAAS
   * configuration) replaced by {@code ******}: for messages that quote what a library said.
   */
  public static String redact(String text, Map<String, ?> config) {
    String redacted = String.valueOf(text);
    for (Map.Entry<String, ?> entry : config.entrySet()) {
      if (!KafkaClientConfig.isSecret(entry.getKey()) || entry.getValue() == null) {
        continue;
      }
      Object value = entry.getValue();
      String secret = value instanceof Password password ? password.value() : String.valueOf(value);
      List<String> parts = new ArrayList<>(List.of(secret));
      Matcher inner = JAAS_PASSWORD.matcher(secret);
      while (inner.find()) {
        parts.add(inner.group(1));
      }
      for (String part : parts) {
        // Too short to tell from ordinary words: masking would garble the message, not protect it.
        if (part.length() >= 4) {
          redacted = redacted.replace(part, "******");
        }
      }
    }
    return redacted;
  }

  public static Map<String, Object> secrets(Map<String, Object> config) {
    Map<String, Object> secrets = new LinkedHashMap<>();
    config.forEach((k, v) -> { if (KafkaClientConfig.isSecret(k)) secrets.put(k, v); });
    return secrets;
  }

  public static Map<String, Object> withoutSecrets(Map<String, Object> config) {
    Map<String, Object> plain = new LinkedHashMap<>();
    config.forEach((k, v) -> { if (!KafkaClientConfig.isSecret(k)) plain.put(k, v); });
    return plain;
  }
}
