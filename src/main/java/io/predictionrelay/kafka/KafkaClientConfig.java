package io.predictionrelay.kafka;

import io.predictionrelay.options.LaunchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;

/**
 * Kafka client properties from a Java properties file ({@code --kafkaConfigFile}), the way Kafka's
 * own tools take {@code --command-config}: one file of security settings that the publisher's
 * producer, the verifier's consumer and the launch checks' admin client all read, so that passwords
 * stay off the command line.
 *
 * <p>How a tool uses it, on the launching machine:
 *
 * <pre>{@code
 * Map<String, String> fromFile = KafkaClientConfig.load(options.getKafkaConfigFile()); // "" or null: none
 * // the publisher
 * Map<String, Object> producer = ProducerSettings.resolve(options.getProducerConfig(), fromFile, maxBytes);
 * try (KafkaTopics topics = KafkaTopics.connect(bootstrapServers, producer, timeout)) { // store files, login, TLS
 *   topics.ensureTopic(topic, create, partitions, replicationFactor);
 *   topics.checkCanWrite(topic);                                        // the user's WRITE permission
 * }
 * // the verifier
 * KafkaClientConfig.checkStoreFiles(fromFile);
 * Map<String, Object> consumer = KafkaClientConfig.forConsumer(fromFile); // then bootstrap.servers etc. over it
 * }</pre>
 */
public final class KafkaClientConfig {
  /** The option that names the file, as messages spell it. */
  public static final String OPTION = "--kafkaConfigFile";

  /**
   * Names that hold a secret whatever client defines them: passwords, JAAS configurations, private
   * keys and certificates given inline (ssl.keystore.key, ssl.keystore.certificate.chain,
   * ssl.truststore.certificates), OAuth client secrets and tokens, Schema Registry's
   * basic.auth.user.info.
   */
  private static final Pattern SECRET_KEY =
      Pattern.compile(
          ".*(password|secret|jaas|token|credential|key\\.pem|keystore\\.key|certificate\\.chain"
              + "|truststore\\.certificates|user\\.info|private\\.key).*");
  /** Set by the tools themselves: a file that sets them too would be silently overridden. */
  private static final Map<String, String> SET_BY_THE_TOOLS =
      Map.of(
          CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "give it as --bootstrapServers",
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "the publisher sets it",
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "the publisher sets it",
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, "the verifier sets it",
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "the verifier sets it");

  /** Properties that name a file the client opens when it starts. */
  private static final List<String> STORE_FILES =
      List.of(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG);

  /** {@code username="…"} (SCRAM, PLAIN) or {@code principal="…"} (Kerberos) in a JAAS configuration. */
  private static final Pattern JAAS_USER =
      Pattern.compile("(?<![\\w.])(?:username|principal)\\s*=\\s*(?:\"([^\"]*)\"|([^\\s\";]+))");

  private KafkaClientConfig() {}

  /**
   * The properties of the file named by {@code --kafkaConfigFile}, each checked against the producer,
   * consumer and admin client definitions; an empty map when {@code file} is null or blank.
   *
   * @throws LaunchException one line naming the file: missing, unreadable, an unknown property, an
   *     ill-typed value (a secret's value is never shown), or a property the tools set themselves
   */
  public static Map<String, String> load(String file) {
    return file == null || file.isBlank() ? new LinkedHashMap<>() : load(Path.of(file));
  }

  /** {@link #load(String)} for a path. */
  public static Map<String, String> load(Path file) {
    String named = OPTION + "=" + file;
    if (!Files.exists(file)) {
      throw new LaunchException(named + ": no such file");
    }
    if (!Files.isRegularFile(file)) {
      throw new LaunchException(named + ": not a file");
    }
    Properties properties = new Properties();
    // As Kafka's tools read it (Utils.loadProps): a byte stream, so one file serves both.
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw new LaunchException(named + ": cannot be read (" + e.getClass().getSimpleName() + ")", e);
    }
    Map<String, String> config = new LinkedHashMap<>();
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      String value = properties.getProperty(key);
      check(named, key, value);
      config.put(key, value);
    }
    return config;
  }

  private static void check(String named, String key, String value) {
    if (SET_BY_THE_TOOLS.containsKey(key)) {
      throw new LaunchException(named + ": " + key + " does not belong in this file: " + SET_BY_THE_TOOLS.get(key));
    }
    ConfigDef.ConfigKey known = definition(key);
    if (known == null) {
      throw new LaunchException(named + ": unknown Kafka client property '" + key + "'");
    }
    try {
      Object parsed = ConfigDef.parseType(key, value, known.type);
      if (known.validator != null) {
        known.validator.ensureValid(key, parsed);
      }
    } catch (ConfigException e) {
      throw new LaunchException(
          named + ": " + (isSecret(key) ? "invalid value for " + key : e.getMessage()));
    }
  }

  /**
   * Whether a property holds a secret: of Kafka's PASSWORD type for the producer, consumer or admin
   * client, or named like one.
   */
  public static boolean isSecret(String key) {
    ConfigDef.ConfigKey known = definition(key);
    return (known != null && known.type == ConfigDef.Type.PASSWORD)
        || SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).matches();
  }

  /** Kafka's definition of a client property: the producer's, else the consumer's, else the admin client's. */
  static ConfigDef.ConfigKey definition(String key) {
    for (ConfigDef def : List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef())) {
      ConfigDef.ConfigKey known = def.configKeys().get(key);
      if (known != null) {
        return known;
      }
    }
    return null;
  }

  /** The settings a producer understands: the file's consumer-only properties left out. */
  public static Map<String, Object> forProducer(Map<String, ?> settings) {
    return only(ProducerConfig.configNames(), settings);
  }

  /** The settings a consumer understands (security, timeouts, …), for the verifier. */
  public static Map<String, Object> forConsumer(Map<String, ?> settings) {
    return only(ConsumerConfig.configNames(), settings);
  }

  /** The settings an admin client understands, for launch checks. */
  public static Map<String, Object> forAdmin(Map<String, ?> settings) {
    return only(AdminClientConfig.configNames(), settings);
  }

  private static Map<String, Object> only(Set<String> names, Map<String, ?> settings) {
    Map<String, Object> config = new LinkedHashMap<>();
    settings.forEach((k, v) -> { if (names.contains(k)) config.put(k, v); });
    return config;
  }

  /**
   * Checks that the truststore and keystore the settings name exist, so that a wrong path is one line
   * naming the property before any client is made (Kafka's own error comes wrapped several deep).
   */
  public static void checkStoreFiles(Map<String, ?> settings) {
    for (String key : STORE_FILES) {
      Object location = settings.get(key);
      if (location == null || String.valueOf(location).isBlank()) {
        continue;
      }
      Path path = Path.of(String.valueOf(location));
      if (!Files.isRegularFile(path)) {
        throw new LaunchException(
            key + "=" + location + ": " + (Files.exists(path) ? "not a file" : "no such file")
                + " (from " + OPTION + " or --producerConfig)");
      }
      if (!Files.isReadable(path)) {
        throw new LaunchException(key + "=" + location + ": not readable (from " + OPTION + " or --producerConfig)");
      }
    }
  }

  /** The SASL mechanism the settings use, Kafka's default ({@code GSSAPI}) when none is set. */
  public static String saslMechanism(Map<String, ?> settings) {
    Object mechanism = settings.get(SaslConfigs.SASL_MECHANISM);
    return mechanism == null ? SaslConfigs.DEFAULT_SASL_MECHANISM : String.valueOf(mechanism);
  }

  /** The user name of {@code sasl.jaas.config}, if it names one; nothing else of it is read. */
  public static Optional<String> saslUser(Map<String, ?> settings) {
    Object jaas = settings.get(SaslConfigs.SASL_JAAS_CONFIG);
    if (jaas == null) {
      return Optional.empty();
    }
    Matcher m = JAAS_USER.matcher(jaas instanceof Password password ? password.value() : String.valueOf(jaas));
    return m.find() ? Optional.of(m.group(1) != null ? m.group(1) : m.group(2)) : Optional.empty();
  }

  /**
   * Whom the client authenticates as, for messages: {@code user 'writer'} for SASL, the keystore for
   * mutual TLS, {@code user 'ANONYMOUS'} otherwise. Never a secret.
   */
  public static String principal(Map<String, ?> settings) {
    Object configured = settings.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
    String protocol = configured == null ? "PLAINTEXT" : String.valueOf(configured);
    if (protocol.startsWith("SASL")) {
      return saslUser(settings).map(u -> "user '" + u + "'").orElse("the SASL " + saslMechanism(settings) + " user");
    }
    Object keystore = settings.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG);
    if (protocol.equals("SSL") && keystore != null) {
      return "the certificate in " + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG + "=" + keystore;
    }
    return "user 'ANONYMOUS'";
  }
}
