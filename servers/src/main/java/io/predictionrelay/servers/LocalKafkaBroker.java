package io.predictionrelay.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A real single-node Kafka broker in KRaft mode on 127.0.0.1, run from the Apache Kafka broker
 * artifact in a JVM of its own (its Scala 2.13 cannot share a JVM with Spark's 2.12). The Makefile
 * starts and stops it through {@link #main}; integration tests use the same class directly.
 *
 * <p>{@link #createSecured} makes the same broker secured as production clusters are: one
 * {@code SASL_SSL} listener with SCRAM-SHA-512 users and a certificate from a CA made at the first
 * start, and ACLs enforced by Kafka's {@code StandardAuthorizer} (see {@link #ADMIN}, {@link #WRITER},
 * {@link #READER}, {@link #INTRUDER}). {@link #clientProperties} writes a user's client properties file.
 */
public final class LocalKafkaBroker implements AutoCloseable {
  /** Super user of the secured broker; the broker itself authenticates as it. */
  public static final String ADMIN = "admin";
  /** May create, describe and write every topic: the publisher's user. */
  public static final String WRITER = "writer";
  /** May describe and read every topic and consumer group: the verifier's user. */
  public static final String READER = "reader";
  /** Authenticates, and may do nothing else. */
  public static final String INTRUDER = "intruder";
  public static final List<String> USERS = List.of(ADMIN, WRITER, READER, INTRUDER);
  public static final String SASL_MECHANISM = "SCRAM-SHA-512";

  private final Path dir;
  private final int port;
  private final KafkaNode node;
  private final Map<String, String> overrides;
  /** Passwords of the users and stores when secured, else null. */
  private final SecuredBroker secured;

  private LocalKafkaBroker(
      Path dir, int port, String classpath, Map<String, String> overrides, SecuredBroker secured) {
    this.dir = dir.toAbsolutePath();
    this.port = port;
    this.node = new KafkaNode(dir, classpath, "768m");
    this.overrides = overrides;
    this.secured = secured;
  }

  /**
   * A broker whose data lives under {@code dir}, listening on {@code port} (the controller on
   * {@code port + 1}), with broker properties {@code overrides} applied over the defaults.
   */
  public static LocalKafkaBroker create(Path dir, int port, Path classpathFile, Map<String, String> overrides)
      throws IOException {
    return new LocalKafkaBroker(dir, port, KafkaNode.classpath(classpathFile), overrides, null);
  }

  /**
   * A secured broker whose data lives under {@code dir}: SASL_SSL with SCRAM-SHA-512 on {@code port}
   * (the controller, SASL PLAIN as {@link #ADMIN}, on {@code port + 1}; mutual TLS on {@code port + 2},
   * see {@link #mtlsClientConfig}), ACLs enforced. The users' passwords are random, made once per {@code dir} and kept in {@code dir/credentials.properties}
   * (readable by the owner only), so a restarted broker keeps its users.
   */
  public static LocalKafkaBroker createSecured(
      Path dir, int port, Path classpathFile, Map<String, String> overrides) throws IOException {
    String classpath = KafkaNode.classpath(classpathFile);
    return new LocalKafkaBroker(dir, port, classpath, overrides, SecuredBroker.in(dir.toAbsolutePath()));
  }

  /** A broker on free ports in a new temporary directory, for tests. */
  public static LocalKafkaBroker createForTest(Map<String, String> overrides) throws IOException {
    return create(Files.createTempDirectory("kafka-broker"), LocalServers.freePorts(2), KafkaNode.testClasspathFile(), overrides);
  }

  /** A secured broker on free ports in a new temporary directory, with new passwords, for tests. */
  public static LocalKafkaBroker createSecuredForTest(Map<String, String> overrides) throws IOException {
    return createSecured(Files.createTempDirectory("kafka-secure"), LocalServers.freePorts(3), KafkaNode.testClasspathFile(), overrides);
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public boolean isSecured() {
    return secured != null;
  }

  /** The SCRAM password of one of {@link #USERS}; never printed by this class. */
  public String password(String user) {
    return secured().password(user);
  }

  /** The PKCS12 truststore that holds the CA of the broker's certificate, for clients. */
  public Path truststore() {
    return secured().truststore();
  }

  public String truststorePassword() {
    return secured().truststorePassword;
  }

  /**
   * The Kafka client properties with which {@code user} reaches this broker: SASL_SSL, SCRAM-SHA-512
   * with the user's password, and the truststore that holds the broker's CA.
   */
  public Map<String, String> clientConfig(String user) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("security.protocol", "SASL_SSL");
    config.put("sasl.mechanism", SASL_MECHANISM);
    config.put("sasl.jaas.config", SecuredBroker.scramJaas(user, password(user)));
    config.put("ssl.truststore.location", truststore().toString());
    config.put("ssl.truststore.password", truststorePassword());
    config.put("ssl.truststore.type", "PKCS12");
    return config;
  }

  /** The mutual-TLS listener of a secured broker, {@code 127.0.0.1:<port + 2>}. */
  public String mtlsBootstrapServers() {
    secured();
    return "127.0.0.1:" + (port + 2);
  }

  /**
   * The Kafka client properties with which {@link #WRITER} reaches {@link #mtlsBootstrapServers()} by
   * its certificate ({@code CN=writer}, signed by the broker's CA) instead of a password: SSL, the
   * writer's PKCS12 keystore and the truststore.
   */
  public Map<String, String> mtlsClientConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("security.protocol", "SSL");
    config.put("ssl.keystore.location", secured().clientKeystore().toString());
    config.put("ssl.keystore.password", secured.clientKeystorePassword);
    config.put("ssl.keystore.type", "PKCS12");
    config.put("ssl.truststore.location", truststore().toString());
    config.put("ssl.truststore.password", truststorePassword());
    config.put("ssl.truststore.type", "PKCS12");
    return config;
  }

  /**
   * Writes {@link #clientConfig} of {@code user} as a Java properties file {@code dir/<user>.properties}
   * (owner-only), as {@code --kafkaConfigFile} and Kafka's tools ({@code --command-config}) take it.
   */
  public Path clientProperties(String user) throws IOException {
    return writeProperties(user + ".properties", "user '" + user + "'", bootstrapServers(), clientConfig(user));
  }

  /** Writes {@link #mtlsClientConfig} as {@code dir/writer-mtls.properties} (owner-only). */
  public Path mtlsClientProperties() throws IOException {
    return writeProperties(
        WRITER + "-mtls.properties", "the certificate of user '" + WRITER + "'", mtlsBootstrapServers(),
        mtlsClientConfig());
  }

  private Path writeProperties(String name, String who, String servers, Map<String, String> config)
      throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("# Kafka client properties of ").append(who).append(" for the local secured broker at ")
        .append(servers).append('\n');
    config.forEach(
        (key, value) -> text.append(key).append('=').append(value.replace("\\", "\\\\")).append('\n'));
    Path file = dir.resolve(name);
    SecuredBroker.writePrivate(file, text.toString());
    return file;
  }

  private SecuredBroker secured() {
    if (secured == null) {
      throw new IllegalStateException("the broker at " + bootstrapServers() + " is not secured");
    }
    return secured;
  }

  public Path logFile() {
    return node.logFile();
  }

  /** Formats the storage if new, starts the broker and waits until it answers. */
  public LocalKafkaBroker start() throws IOException, InterruptedException {
    Files.createDirectories(dir);
    if (secured != null) {
      secured.makeCertificates(logFile());
    }
    List<String> users = new ArrayList<>();
    if (secured != null) {
      // SCRAM users live in the cluster metadata: in KRaft they are created with the storage.
      for (String user : USERS) {
        users.addAll(List.of("--add-scram", SASL_MECHANISM + "=[name=" + user + ",password=" + password(user) + "]"));
      }
    }
    node.prepare(serverProperties(), Uuid.randomUuid().toString(), users);
    node.start();
    awaitReady();
    if (secured != null) {
      createAcls();
    }
    return this;
  }

  /** Stops the broker (a controlled shutdown, forced after 30 s); it can be started again. */
  public void stop() throws InterruptedException {
    node.stop();
  }

  /** Kills the broker at once, as a crash would. */
  public void kill() throws InterruptedException {
    node.kill();
  }

  public boolean isRunning() {
    return node.isRunning();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  /** An admin client of the broker, as {@link #ADMIN} when secured. */
  private Admin admin(int timeoutMillis) {
    Map<String, Object> config = new HashMap<>();
    if (secured != null) {
      config.putAll(clientConfig(ADMIN));
    }
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis);
    return Admin.create(config);
  }

  /**
   * Grants {@link #WRITER} and {@link #READER} what the publisher and the verifier need, on every
   * topic. An idempotent producer needs no IDEMPOTENT_WRITE on the cluster since Kafka 2.8 (KIP-679):
   * WRITE on a topic is enough. Creating ACLs that exist already changes nothing.
   */
  private void createAcls() throws IOException, InterruptedException {
    List<AclBinding> acls = new ArrayList<>();
    for (AclOperation operation :
        List.of(AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.WRITE)) {
      acls.add(allow(WRITER, ResourceType.TOPIC, operation));
    }
    for (AclOperation operation : List.of(AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.READ)) {
      acls.add(allow(READER, ResourceType.TOPIC, operation));
    }
    acls.add(allow(READER, ResourceType.GROUP, AclOperation.READ));
    try (Admin admin = admin(30_000)) {
      admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("creating the ACLs of the secured broker failed; see " + logFile(), e);
    }
  }

  private static AclBinding allow(String user, ResourceType type, AclOperation operation) {
    return new AclBinding(
        new ResourcePattern(type, ResourcePattern.WILDCARD_RESOURCE, PatternType.LITERAL),
        new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
  }

  private void awaitReady() throws IOException, InterruptedException {
    try (Admin admin = admin(2000)) {
      KafkaNode.await("the Kafka broker at " + bootstrapServers() + " answering", List.of(node),
          () -> !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty());
    }
  }

  private Map<String, String> serverProperties() {
    Map<String, String> p = node.properties(1, "1@127.0.0.1:" + (port + 1), port, port + 1);
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    if (secured != null) {
      p.putAll(secured.serverProperties(port));
    }
    p.putAll(overrides);
    return p;
  }

  /**
   * {@code start|stop|status --dir=DIR --port=PORT --classpathFile=FILE [--secured]}; start and stop are
   * idempotent. A secured start (re)writes the client properties files of the writer and the reader.
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: LocalKafkaBroker start|stop|status [--dir=..] [--port=..] [--secured]");
    }
    Args parsed = Args.parse(java.util.Arrays.copyOfRange(args, 1, args.length));
    Path dir = Path.of(parsed.get("dir", ".local/kafka")).toAbsolutePath();
    int port = (int) parsed.getLong("port", 9092);
    Path classpathFile = Path.of(parsed.get("classpathFile", "broker/target/classpath.txt"));
    boolean secure = Boolean.parseBoolean(parsed.get("secured", "false"));
    parsed.rejectUnused();
    Optional<ProcessHandle> running = KafkaNode.running(dir);
    switch (args[0]) {
      case "start" -> {
        LocalKafkaBroker broker =
            secure ? createSecured(dir, port, classpathFile, Map.of()) : create(dir, port, classpathFile, Map.of());
        if (running.isPresent()) {
          System.out.println("Kafka broker already running (pid " + running.get().pid() + ") at 127.0.0.1:" + port);
        } else {
          broker.start();
          System.out.println("Kafka broker ready at " + broker.bootstrapServers()
              + (secure ? " (SASL_SSL, " + SASL_MECHANISM + ", ACLs)" : "") + " (data and log under " + dir + ")");
        }
        if (secure) {
          System.out.println("client properties of user " + WRITER + " (creates and writes topics): "
              + broker.clientProperties(WRITER));
          System.out.println("client properties of user " + READER + " (reads topics): "
              + broker.clientProperties(READER));
          System.out.println("client properties of user " + WRITER + " by certificate (mutual TLS at "
              + broker.mtlsBootstrapServers() + "): " + broker.mtlsClientProperties());
        }
        System.exit(0); // leave the broker running
      }
      case "stop" -> {
        if (running.isPresent()) {
          LocalServers.stop(running.get());
          System.out.println("Kafka broker stopped");
        } else {
          System.out.println("Kafka broker not running");
        }
        Files.deleteIfExists(dir.resolve("broker.pid"));
      }
      case "status" -> {
        System.out.println(running.map(h -> "running (pid " + h.pid() + ")").orElse("not running"));
        System.exit(running.isPresent() ? 0 : 1);
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0] + ": start, stop or status");
    }
  }
}
