package io.predictionrelay.io;

import io.predictionrelay.options.LaunchException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Launch-time checks against the Kafka cluster with Kafka's AdminClient: is it there, does the topic
 * exist (or create it), and will it accept messages as large as this run may send.
 */
public final class KafkaTopics implements AutoCloseable {
  private final Admin admin;
  private final String bootstrapServers;
  private final Duration timeout;

  private KafkaTopics(Admin admin, String bootstrapServers, Duration timeout) {
    this.admin = admin;
    this.bootstrapServers = bootstrapServers;
    this.timeout = timeout;
  }

  /**
   * Connects with the bootstrap servers and the client properties of {@code producerConfig} that an
   * admin client shares (security settings), and checks the cluster answers within {@code timeout}.
   */
  public static KafkaTopics connect(
      String bootstrapServers, Map<String, ?> producerConfig, Duration timeout) {
    Map<String, Object> config = new HashMap<>();
    Set<String> adminKeys = AdminClientConfig.configNames();
    producerConfig.forEach(
        (key, value) -> {
          if (adminKeys.contains(key) && !key.equals(AdminClientConfig.RETRIES_CONFIG)) {
            config.put(key, value);
          }
        });
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    int millis = (int) timeout.toMillis();
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
    KafkaTopics topics = new KafkaTopics(Admin.create(config), bootstrapServers, timeout);
    try {
      topics.await(topics.admin.describeCluster().nodes(), "reach the Kafka cluster");
    } catch (RuntimeException e) {
      topics.close();
      throw e;
    }
    return topics;
  }

  /** Creates the topic when it is missing and {@code create} is set; fails clearly otherwise. */
  public void ensureTopic(String topic, boolean create, int partitions, int replicationFactor) {
    if (describeTopic(topic).isPresent()) {
      return;
    }
    if (!create) {
      throw new LaunchException(
          "--topic " + topic + " does not exist on " + bootstrapServers + " and --createTopic=false");
    }
    if (partitions <= 0 || replicationFactor <= 0 || replicationFactor > Short.MAX_VALUE) {
      throw new LaunchException(
          "--partitions and --replicationFactor must be positive, got " + partitions + " and "
              + replicationFactor);
    }
    try {
      await(
          admin.createTopics(List.of(new NewTopic(topic, partitions, (short) replicationFactor))).all(),
          "create topic " + topic);
    } catch (LaunchException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  /** The largest record batch the topic accepts ({@code max.message.bytes}). */
  public int maxMessageBytes(String topic) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Map<ConfigResource, Config> configs =
        await(admin.describeConfigs(List.of(resource)).all(), "describe topic " + topic);
    return Integer.parseInt(configs.get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
  }

  /**
   * Checks the topic accepts a message value of {@code valueBytes} with its key and header, and
   * returns its {@code max.message.bytes}.
   */
  public int checkAccepts(String topic, int valueBytes) {
    int limit = maxMessageBytes(topic);
    int needed = valueBytes + 1024;
    if (limit < needed) {
      throw new LaunchException(
          "topic " + topic + " accepts records of at most " + limit + " bytes (topic max.message.bytes,"
              + " from the broker's message.max.bytes), but --maxMessageBytes=" + valueBytes
              + " needs " + needed + ": raise max.message.bytes or lower --maxMessageBytes");
    }
    return limit;
  }

  public Optional<Integer> describeTopic(String topic) {
    try {
      var description =
          admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return Optional.of(description.get(topic).partitions().size());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
        return Optional.empty();
      }
      throw failure("describe topic " + topic, e.getCause());
    } catch (TimeoutException e) {
      throw failure("describe topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("describe topic " + topic, e);
    }
  }

  public void deleteTopic(String topic) {
    await(admin.deleteTopics(List.of(topic)).all(), "delete topic " + topic);
  }

  private <T> T await(org.apache.kafka.common.KafkaFuture<T> future, String what) {
    try {
      return future.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw failure(what, e.getCause());
    } catch (TimeoutException e) {
      throw failure(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(what, e);
    }
  }

  private LaunchException failure(String what, Throwable cause) {
    return new LaunchException(
        "could not " + what + " at --bootstrapServers=" + bootstrapServers + " within "
            + timeout.toSeconds() + "s: " + cause.getClass().getSimpleName() + ": "
            + cause.getMessage(),
        cause);
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
