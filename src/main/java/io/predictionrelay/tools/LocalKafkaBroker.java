package io.predictionrelay.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker in KRaft mode on 127.0.0.1, run from the Apache Kafka broker
 * artifact in a JVM of its own (its Scala 2.13 cannot share a JVM with Spark's 2.12). The Makefile
 * starts and stops it through {@link #main}; integration tests use the same class directly.
 */
public final class LocalKafkaBroker implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final int port;
  private final String classpath;
  private final Map<String, String> overrides;
  private Process process;

  private LocalKafkaBroker(Path dir, int port, String classpath, Map<String, String> overrides) {
    this.dir = dir.toAbsolutePath();
    this.port = port;
    this.classpath = classpath;
    this.overrides = overrides;
  }

  /**
   * A broker whose data lives under {@code dir}, listening on {@code port} (the controller on
   * {@code port + 1}), with broker properties {@code overrides} applied over the defaults.
   */
  public static LocalKafkaBroker create(Path dir, int port, Path classpathFile, Map<String, String> overrides) {
    if (!Files.isRegularFile(classpathFile)) {
      throw new IllegalStateException(
          "the broker classpath " + classpathFile + " is missing: run 'make broker-classpath'");
    }
    try {
      return new LocalKafkaBroker(dir, port, Files.readString(classpathFile).trim(), overrides);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A broker on free ports in a new temporary directory, for tests. */
  public static LocalKafkaBroker createForTest(Map<String, String> overrides) throws IOException {
    Path classpathFile = Path.of(System.getProperty("broker.classpath.file", "broker/target/classpath.txt"));
    return create(Files.createTempDirectory("kafka-broker"), freePortPair(), classpathFile, overrides);
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public Path logFile() {
    return dir.resolve("broker.log");
  }

  /** Formats the storage if new, starts the broker and waits until it answers. */
  public LocalKafkaBroker start() throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path properties = dir.resolve("server.properties");
    Files.writeString(properties, serverProperties());
    Files.writeString(dir.resolve("log4j.properties"), LOG4J);
    if (!Files.exists(dir.resolve("data/meta.properties"))) {
      int exit = java("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
          "-c", properties.toString(), "--ignore-formatted").waitFor();
      if (exit != 0) {
        throw new IOException("formatting Kafka storage failed; see " + logFile());
      }
    }
    process = java("kafka.Kafka", properties.toString());
    Files.writeString(dir.resolve("broker.pid"), Long.toString(process.pid()));
    awaitReady();
    return this;
  }

  /** Stops the broker (a controlled shutdown, forced after 30 s); it can be started again. */
  public void stop() throws InterruptedException {
    if (process != null) {
      stop(process.toHandle());
      process = null;
    }
  }

  /** Kills the broker at once, as a crash would. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      process = null;
    }
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private static void stop(ProcessHandle handle) throws InterruptedException {
    handle.destroy();
    try {
      handle.onExit().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      handle.destroyForcibly();
    }
  }

  private Process java(String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx768m");
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

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
    try (Admin admin = Admin.create(config)) {
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IOException("the Kafka broker exited with " + process.exitValue() + "; see " + logFile());
        }
        try {
          if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception notYet) {
          // not ready yet: poll again
        }
        Thread.sleep(200);
      }
    }
    throw new IOException("the Kafka broker did not answer within " + READY_TIMEOUT.toSeconds() + " s; see " + logFile());
  }

  private String serverProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + (port + 1));
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + (port + 1));
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    p.put("log.dirs", dir.resolve("data").toString());
    p.put("num.partitions", "6");
    p.put("auto.create.topics.enable", "false");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("delete.topic.enable", "true");
    p.putAll(overrides);
    StringBuilder out = new StringBuilder();
    p.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
    return out.toString();
  }

  private static final String LOG4J =
      "log4j.rootLogger=WARN, file\n"
          + "log4j.appender.file=org.apache.log4j.FileAppender\n"
          + "log4j.appender.file.File=${kafka.logs.dir}/server.log\n"
          + "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
          + "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
          + "log4j.logger.kafka.server.KafkaServer=INFO\n"
          + "log4j.logger.kafka.server.BrokerServer=INFO\n";

  /** A port p such that p and p + 1 are both free on 127.0.0.1. */
  static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket first = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        int port = first.getLocalPort();
        if (port < 65535) {
          try (ServerSocket second = new ServerSocket(port + 1, 1, java.net.InetAddress.getLoopbackAddress())) {
            return port;
          } catch (IOException taken) {
            // try another pair
          }
        }
      }
    }
    throw new IOException("no two adjacent free ports on 127.0.0.1");
  }

  private static Optional<ProcessHandle> running(Path dir) throws IOException {
    Path pidFile = dir.resolve("broker.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).filter(ProcessHandle::isAlive);
  }

  /** {@code start|stop|status --dir=DIR --port=PORT --classpathFile=FILE}; start and stop are idempotent. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: LocalKafkaBroker start|stop|status [--dir=..] [--port=..]");
    }
    Args parsed = Args.parse(java.util.Arrays.copyOfRange(args, 1, args.length));
    Path dir = Path.of(parsed.get("dir", ".local/kafka")).toAbsolutePath();
    int port = (int) parsed.getLong("port", 9092);
    Path classpathFile = Path.of(parsed.get("classpathFile", "broker/target/classpath.txt"));
    parsed.rejectUnused();
    Optional<ProcessHandle> running = running(dir);
    switch (args[0]) {
      case "start" -> {
        if (running.isPresent()) {
          System.out.println("Kafka broker already running (pid " + running.get().pid() + ") at 127.0.0.1:" + port);
          return;
        }
        LocalKafkaBroker broker = create(dir, port, classpathFile, Map.of()).start();
        System.out.println("Kafka broker ready at " + broker.bootstrapServers() + " (data and log under " + dir + ")");
        System.exit(0); // leave the broker running
      }
      case "stop" -> {
        if (running.isPresent()) {
          stop(running.get());
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
