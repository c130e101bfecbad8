package io.predictionrelay.kafka;

import io.predictionrelay.options.LaunchException;
import java.security.cert.CertPathBuilderException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
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
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;

/**
 * Launch-time checks against the Kafka cluster with Kafka's AdminClient: is it there, does it accept
 * the client's credentials and certificate, does the topic exist (or create it), may this user write
 * it, and will it accept messages as large as this run may send. Each failure is one line that names
 * the option or property at fault and never a secret.
 */
public final class KafkaTopics implements AutoCloseable {
  private final Admin admin;
  private final String bootstrapServers;
  private final Duration timeout;
  /** Whom the client authenticates as, e.g. {@code user 'writer'}: for messages. */
  private final String principal;
  private final String saslMechanism;
  /** The client configuration, only to mask its secrets in what Kafka's exceptions say. */
  private final Map<String, ?> clientConfig;
  /** Topics this client created (or found just created): see {@link #askWhileUnknown}. */
  private final Set<String> created = new HashSet<>();

  private KafkaTopics(Admin admin, String bootstrapServers, Duration timeout, Map<String, ?> clientConfig) {
    this.admin = admin;
    this.bootstrapServers = bootstrapServers;
    this.timeout = timeout;
    this.principal = KafkaClientConfig.principal(clientConfig);
    this.saslMechanism = KafkaClientConfig.saslMechanism(clientConfig);
    this.clientConfig = new HashMap<>(clientConfig);
  }

  /**
   * Connects with the bootstrap servers and the client properties of {@code clientConfig} that an
   * admin client shares (security settings; the producer configuration of
   * {@link ProducerSettings#resolve(String, Map, int)} will do), and checks the cluster answers and
   * accepts the credentials within {@code timeout}. Before connecting it checks that the truststore
   * and keystore files exist; a rejected password or an untrusted certificate fails as soon as the
   * broker says so, not after {@code timeout}.
   */
  public static KafkaTopics connect(
      String bootstrapServers, Map<String, ?> clientConfig, Duration timeout) {
    KafkaClientConfig.checkStoreFiles(clientConfig);
    Map<String, Object> config = KafkaClientConfig.forAdmin(clientConfig);
    // The producer's retries (unbounded) are not the admin client's business.
    config.remove(AdminClientConfig.RETRIES_CONFIG);
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    int millis = (int) timeout.toMillis();
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
    Admin admin;
    try {
      admin = Admin.create(config);
    } catch (KafkaException e) {
      throw refused(bootstrapServers, clientConfig, e);
    }
    KafkaTopics topics = new KafkaTopics(admin, bootstrapServers, timeout, clientConfig);
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
    create(topic, partitions, replicationFactor, new CreateTopicsOptions());
    awaitVisible(topic);
  }

  /**
   * Waits until the broker answers for a topic just created: the controller acknowledges the
   * creation before every broker's metadata has it, and a describe in between finds no topic.
   */
  private void awaitVisible(String topic) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (describeTopic(topic).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new LaunchException("--topic " + topic + " was created on " + bootstrapServers
            + " but did not appear within " + timeout.toSeconds() + "s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LaunchException("interrupted while waiting for topic " + topic, e);
      }
    }
  }

  /**
   * Asks the broker whether it would create the topic (Kafka's {@code validateOnly}: its ACLs, the
   * partitions and replication factor), creating nothing: so that a user who may not create the
   * topic fails at launch, before the input is read.
   */
  public void checkCanCreate(String topic, int partitions, int replicationFactor) {
    create(topic, partitions, replicationFactor, new CreateTopicsOptions().validateOnly(true));
  }

  private void create(String topic, int partitions, int replicationFactor, CreateTopicsOptions how) {
    if (partitions <= 0 || replicationFactor < 0 || replicationFactor > Short.MAX_VALUE) {
      throw new LaunchException(
          "--partitions must be positive and --replicationFactor positive or 0 (the broker's default), got "
              + partitions + " and " + replicationFactor);
    }
    // Kafka's NewTopic takes an empty replication factor as "the broker's default.replication.factor".
    Optional<Short> replicas = replicationFactor == 0 ? Optional.empty() : Optional.of((short) replicationFactor);
    try {
      await(
          admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), replicas)), how).all(),
          "create topic " + topic);
    } catch (LaunchException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
    if (!how.shouldValidateOnly()) {
      created.add(topic);
    }
  }

  /**
   * Checks that the client's user may write the topic, from the operations the broker says it
   * authorizes (an authorizer's ACLs; without an authorizer every operation is allowed), so that a
   * user without WRITE fails here rather than on the first record. Call it after {@link #ensureTopic}.
   */
  public void checkCanWrite(String topic) {
    checkAllowed(topic, AclOperation.WRITE, "write");
  }

  /** Checks that the client's user may read the topic, as {@link #checkCanWrite} does for WRITE: for the verifier. */
  public void checkCanRead(String topic) {
    checkAllowed(topic, AclOperation.READ, "read");
  }

  private void checkAllowed(String topic, AclOperation operation, String verb) {
    TopicDescription description = describe(topic, true, verb).orElseThrow(() ->
        new LaunchException("--topic " + topic + " does not exist on " + bootstrapServers));
    Set<AclOperation> allowed = description.authorizedOperations();
    // null: a broker too old to say; the first record will tell.
    if (allowed != null && !allowed.contains(operation) && !allowed.contains(AclOperation.ALL)) {
      throw notAuthorized(verb, topic, null);
    }
  }

  /** The largest record batch the topic accepts ({@code max.message.bytes}). */
  public int maxMessageBytes(String topic) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Map<ConfigResource, Config> configs =
        await(topic, () -> admin.describeConfigs(List.of(resource)).all(), "describe topic " + topic);
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
    return describe(topic, false, "describe").map(description -> description.partitions().size());
  }

  /**
   * The topic as the broker describes it (with the operations the user may do, if asked); empty
   * when it does not exist. Refused authorization is a line naming what the user wanted to do.
   */
  private Optional<TopicDescription> describe(String topic, boolean withOperations, String verb) {
    try {
      return Optional.of(askWhileUnknown(topic, () -> admin
          .describeTopics(List.of(topic), new DescribeTopicsOptions().includeAuthorizedOperations(withOperations))
          .allTopicNames())
          .get(topic));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
        return Optional.empty();
      }
      if (e.getCause() instanceof TopicAuthorizationException) {
        throw notAuthorized(verb, topic, e.getCause());
      }
      throw failure("describe topic " + topic, e.getCause());
    } catch (TimeoutException e) {
      throw failure("describe topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("describe topic " + topic, e);
    }
  }

  /**
   * The sum of the end offsets of the topic's partitions: how many records it ever took (compaction
   * and retention do not lower it). Needs DESCRIBE on the topic, as the launch checks do.
   */
  public long endOffsetSum(String topic) {
    int partitions = describeTopic(topic).orElseThrow(() -> failure("list offsets of " + topic,
        new org.apache.kafka.common.errors.UnknownTopicOrPartitionException(topic)));
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      latest.put(new org.apache.kafka.common.TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
    }
    return await(admin.listOffsets(latest).all(), "list offsets of " + topic).values().stream()
        .mapToLong(org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
  }

  public void deleteTopic(String topic) {
    await(admin.deleteTopics(List.of(topic)).all(), "delete topic " + topic);
  }

  /**
   * The answer to {@code request} about {@code topic}, asked again (within the timeout) while the
   * broker that answers does not know a topic this client created: on a cluster of several brokers
   * the controller acknowledges a new topic before every broker's metadata has it, and each request
   * goes to whichever broker is least loaded, so one broker may know it and the next not yet.
   */
  private <T> T askWhileUnknown(String topic, java.util.function.Supplier<org.apache.kafka.common.KafkaFuture<T>> request)
      throws ExecutionException, TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return request.get().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
            || !created.contains(topic) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50); // the next request may go to a broker that has caught up
      }
    }
  }

  private <T> T await(org.apache.kafka.common.KafkaFuture<T> future, String what) {
    return await(null, () -> future, what);
  }

  /** The answer to {@code request} about {@code topic} ({@link #askWhileUnknown}); a failure is one line. */
  private <T> T await(
      String topic, java.util.function.Supplier<org.apache.kafka.common.KafkaFuture<T>> request, String what) {
    try {
      return askWhileUnknown(topic, request);
    } catch (ExecutionException e) {
      throw failure(what, e.getCause());
    } catch (TimeoutException e) {
      throw failure(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(what, e);
    }
  }

  private LaunchException notAuthorized(String operation, String topic, Throwable cause) {
    return new LaunchException(principal + " is not authorized to " + operation + " topic '" + topic + "'", cause);
  }

  /**
   * One line for a failed request. Authentication and TLS failures are named for what they are (the
   * user and mechanism, never the password; the listener and the truststore property).
   */
  private LaunchException failure(String what, Throwable cause) {
    if (cause instanceof SaslAuthenticationException) {
      return new LaunchException(
          "authentication failed at --bootstrapServers=" + bootstrapServers + ": SASL " + saslMechanism
              + " as " + principal + " was rejected",
          cause);
    }
    if (cause instanceof UnsupportedSaslMechanismException) {
      return new LaunchException(
          "authentication failed at --bootstrapServers=" + bootstrapServers + ": the broker does not offer SASL "
              + saslMechanism + " (sasl.mechanism) on this listener",
          cause);
    }
    if (cause instanceof SslAuthenticationException) {
      return new LaunchException(
          "TLS handshake with --bootstrapServers=" + bootstrapServers + " failed: " + tlsReason(cause), cause);
    }
    if (cause instanceof TopicAuthorizationException || cause instanceof ClusterAuthorizationException) {
      return new LaunchException(principal + " is not authorized to " + what, cause);
    }
    return new LaunchException(
        "could not " + what + " at --bootstrapServers=" + bootstrapServers + " within "
            + timeout.toSeconds() + "s: " + cause.getClass().getSimpleName() + ": "
            + ProducerSettings.redact(cause.getMessage(), clientConfig),
        cause);
  }

  /** Why a handshake failed, from the JDK's exception under Kafka's; its messages hold no secret. */
  private String tlsReason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof CertPathBuilderException || message.contains("PKIX path")) {
        return "the broker's certificate is not trusted (check ssl.truststore.location)";
      }
      if (message.contains("No subject alternative") || message.contains("No name matching")) {
        return "the broker's certificate does not name this host (its subject alternative names;"
            + " ssl.endpoint.identification.algorithm)";
      }
      if (message.contains("certificate_required") || message.contains("bad_certificate")) {
        return "the broker wants a client certificate it trusts (check ssl.keystore.location)";
      }
    }
    Throwable root = rootCause(failure);
    return root.getClass().getSimpleName() + ": " + ProducerSettings.redact(root.getMessage(), clientConfig);
  }

  /**
   * The admin client could not be made from the properties: most often a truststore or keystore that
   * its password or type cannot open, which Kafka reports three exceptions deep.
   */
  private static LaunchException refused(String bootstrapServers, Map<String, ?> clientConfig, KafkaException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      for (String store : List.of("truststore", "keystore")) {
        Object location = clientConfig.get("ssl." + store + ".location");
        if (location != null && message.startsWith("Failed to load SSL keystore " + location) && t.getCause() != null) {
          return new LaunchException(
              "ssl." + store + ".location=" + location + " cannot be opened: "
                  + ProducerSettings.redact(t.getCause().getMessage(), clientConfig) + " (check ssl." + store
                  + ".password and ssl." + store + ".type)",
              e);
        }
      }
    }
    Throwable root = rootCause(e);
    return new LaunchException(
        "the Kafka client properties for --bootstrapServers=" + bootstrapServers + " were refused: "
            + root.getClass().getSimpleName() + ": " + ProducerSettings.redact(root.getMessage(), clientConfig),
        e);
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
