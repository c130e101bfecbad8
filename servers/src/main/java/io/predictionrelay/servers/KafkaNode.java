package io.predictionrelay.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One Kafka node in KRaft mode (broker and controller in one process), run from the Apache Kafka
 * broker artifact in a JVM of its own: what the single broker ({@link LocalKafkaBroker}) and each
 * node of the cluster ({@link LocalKafkaCluster}) share. Its files live under one directory:
 * {@code server.properties}, {@code data/}, {@code broker.log} (the JVM's output), {@code server.log}
 * (Kafka's log) and {@code broker.pid}.
 */
final class KafkaNode {
  static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final String classpath;
  private final String heap;
  private Process process;

  KafkaNode(Path dir, String classpath, String heap) {
    this.dir = dir.toAbsolutePath();
    this.classpath = classpath;
    this.heap = heap;
  }

  /** The broker classpath written by {@code make broker-classpath}. */
  static String classpath(Path classpathFile) throws IOException {
    return LocalServers.classpath(classpathFile, "broker-classpath");
  }

  /** Where tests find the broker classpath: {@code -Dbroker.classpath.file}, else the sub-project's. */
  static Path testClasspathFile() {
    return Path.of(System.getProperty("broker.classpath.file", "broker/target/classpath.txt"));
  }

  /**
   * The properties every node has: node {@code nodeId} of the KRaft quorum {@code voters}
   * ({@code id@host:port,...}), broker and controller in one process, plaintext listeners on
   * 127.0.0.1 ({@code port} for clients and the other brokers, {@code controllerPort} for the quorum),
   * topics created only when asked for.
   */
  Map<String, String> properties(int nodeId, String voters, int port, int controllerPort) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(nodeId));
    p.put("controller.quorum.voters", voters);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    p.put("log.dirs", dir.resolve("data").toString());
    p.put("num.partitions", "6");
    p.put("auto.create.topics.enable", "false");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("delete.topic.enable", "true");
    return p;
  }

  Path dir() {
    return dir;
  }

  Path logFile() {
    return dir.resolve("broker.log");
  }

  Path propertiesFile() {
    return dir.resolve("server.properties");
  }

  /**
   * Writes {@code server.properties} (owner-only: a secured node's holds passwords) and the log
   * configuration, and formats the storage with {@code clusterId} unless it is formatted already;
   * {@code formatArgs} go to Kafka's storage tool as well (SCRAM users, which KRaft keeps in the
   * cluster metadata made at format time).
   */
  void prepare(Map<String, String> properties, String clusterId, List<String> formatArgs) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    StringBuilder text = new StringBuilder();
    properties.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    SecuredBroker.writePrivate(propertiesFile(), text.toString());
    Files.writeString(dir.resolve("log4j.properties"), LOG4J);
    if (!Files.exists(dir.resolve("data/meta.properties"))) {
      List<String> format = new ArrayList<>(List.of("format", "-t", clusterId,
          "-c", propertiesFile().toString(), "--ignore-formatted"));
      format.addAll(formatArgs);
      int exit = java("kafka.tools.StorageTool", format.toArray(String[]::new)).waitFor();
      if (exit != 0) {
        throw new IOException("formatting Kafka storage failed; see " + logFile());
      }
    }
  }

  /** Starts the node from its prepared directory, without waiting for it. */
  void start() throws IOException {
    process = java("kafka.Kafka", propertiesFile().toString());
    Files.writeString(dir.resolve("broker.pid"), Long.toString(process.pid()));
  }

  /** Stops the node: SIGTERM, on which Kafka shuts down in order (forced after 30 s). */
  void stop() throws InterruptedException {
    if (process != null) {
      LocalServers.stop(process.toHandle());
      process = null;
    }
  }

  /** Stops {@code nodes} all at once, as {@link #stop()} does one. */
  static void stop(List<KafkaNode> nodes) throws InterruptedException {
    List<ProcessHandle> handles = new ArrayList<>();
    for (KafkaNode node : nodes) {
      if (node.process != null) {
        handles.add(node.process.toHandle());
        node.process = null;
      }
    }
    LocalServers.stop(handles);
  }

  /** Kills the node at once (SIGKILL), as a crash would. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      process = null;
    }
  }

  boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Fails if the node was started and has exited since. */
  void checkAlive() throws IOException {
    if (process != null && !process.isAlive()) {
      throw new IOException("the Kafka node exited with " + process.exitValue() + "; see " + logFile());
    }
  }

  /** The live node whose pid {@code dir/broker.pid} holds, if any (a node another JVM started). */
  static Optional<ProcessHandle> running(Path dir) throws IOException {
    return LocalServers.running(dir.resolve("broker.pid"));
  }

  /** Something to wait for, asked again until it holds; an exception means "not yet". */
  interface Condition {
    boolean holds() throws Exception;
  }

  /**
   * Waits until {@code condition} holds, failing as soon as one of {@code nodes} has exited, or after
   * {@link #READY_TIMEOUT}.
   */
  static void await(String what, List<KafkaNode> nodes, Condition condition) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (KafkaNode node : nodes) {
        node.checkAlive();
      }
      try {
        if (condition.holds()) {
          return;
        }
      } catch (Exception notYet) {
        // not ready yet: poll again
      }
      Thread.sleep(200); // polling interval
    }
    throw new IOException(what + " did not happen within " + READY_TIMEOUT.toSeconds() + " s; see "
        + nodes.stream().map(n -> n.logFile().toString()).toList());
  }

  private Process java(String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(LocalServers.javaBinary());
    command.add("-Xmx" + heap);
    command.add("-Dlog4j.configuration=file:" + dir.resolve("log4j.properties"));
    command.add("-Dkafka.logs.dir=" + dir);
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
        .start();
  }

  private static final String LOG4J =
      "log4j.rootLogger=WARN, file\n"
          + "log4j.appender.file=org.apache.log4j.FileAppender\n"
          + "log4j.appender.file.File=${kafka.logs.dir}/server.log\n"
          + "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
          + "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
          + "log4j.logger.kafka.server.KafkaServer=INFO\n"
          + "log4j.logger.kafka.server.BrokerServer=INFO\n";
}
