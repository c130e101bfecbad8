package io.predictionrelay.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * Three Kafka nodes in KRaft mode on 127.0.0.1, each broker and controller in a JVM of its own, a
 * quorum of three voters: a cluster as production topics have, replicated three times with
 * {@code min.insync.replicas=2}, so that a node can be killed, stopped or restarted while a run
 * publishes. The Makefile starts and stops it through {@link #main} ({@code make kafka-cluster-start});
 * integration tests use this class directly.
 *
 * <p>Node {@code n} (1 to 3) listens on {@code port + 2(n - 1)} for clients and the other brokers and
 * on the port after it for the quorum; its files live under {@code dir/node-n}.
 */
public final class LocalKafkaCluster implements AutoCloseable {
  public static final int NODES = 3;

  private final int port;
  private final List<KafkaNode> nodes = new ArrayList<>();
  private final Map<String, String> overrides;

  private LocalKafkaCluster(Path dir, int port, String classpath, Map<String, String> overrides) {
    this.port = port;
    this.overrides = overrides;
    for (int id = 1; id <= NODES; id++) {
      nodes.add(new KafkaNode(dir.toAbsolutePath().resolve("node-" + id), classpath, "512m"));
    }
  }

  /**
   * A cluster whose nodes keep their data under {@code dir}, listening from {@code port} on (six
   * ports), with broker properties {@code overrides} applied over the defaults on every node.
   */
  public static LocalKafkaCluster create(Path dir, int port, Path classpathFile, Map<String, String> overrides)
      throws IOException {
    return new LocalKafkaCluster(dir, port, KafkaNode.classpath(classpathFile), overrides);
  }

  /** A cluster on free ports in a new temporary directory, for tests. */
  public static LocalKafkaCluster createForTest(Map<String, String> overrides) throws IOException {
    return create(Files.createTempDirectory("kafka-cluster"), LocalServers.freePorts(2 * NODES),
        KafkaNode.testClasspathFile(), overrides);
  }

  /** {@code 127.0.0.1:<port of node n>} for every node, as clients list them. */
  public String bootstrapServers() {
    List<String> servers = new ArrayList<>();
    for (int id = 1; id <= NODES; id++) {
      servers.add(bootstrapServers(id));
    }
    return String.join(",", servers);
  }

  /** The client listener of node {@code id} alone. */
  public String bootstrapServers(int id) {
    return "127.0.0.1:" + clientPort(id);
  }

  private int clientPort(int id) {
    return port + 2 * (id - 1);
  }

  private KafkaNode node(int id) {
    if (id < 1 || id > NODES) {
      throw new IllegalArgumentException("no node " + id + ": the nodes are 1 to " + NODES);
    }
    return nodes.get(id - 1);
  }

  /** Kafka's own log of node {@code id} (its {@code server.log}). */
  public Path logFile(int id) {
    return node(id).dir().resolve("server.log");
  }

  /**
   * Formats the nodes' storage if new (one cluster id for the three), starts every node that is not
   * running and waits until all three are registered and every partition has its full ISR.
   */
  public LocalKafkaCluster start() throws IOException, InterruptedException {
    String clusterId = Uuid.randomUuid().toString();
    for (int id = 1; id <= NODES; id++) {
      node(id).prepare(properties(id), clusterId, List.of());
    }
    for (int id = 1; id <= NODES; id++) {
      if (!node(id).isRunning() && KafkaNode.running(node(id).dir()).isEmpty()) {
        node(id).start();
      }
    }
    awaitFullIsr();
    return this;
  }

  /**
   * The properties of node {@code id}: three replicas of every topic (the internal ones too), two of
   * which must have a record before the leader acknowledges it to a producer that asks for all, and
   * never an out-of-sync replica as leader.
   */
  private Map<String, String> properties(int id) {
    List<String> voters = new ArrayList<>();
    for (int voter = 1; voter <= NODES; voter++) {
      voters.add(voter + "@127.0.0.1:" + (clientPort(voter) + 1));
    }
    Map<String, String> p = node(id).properties(id, String.join(",", voters), clientPort(id), clientPort(id) + 1);
    p.put("default.replication.factor", Integer.toString(NODES));
    p.put("min.insync.replicas", "2");
    p.put("unclean.leader.election.enable", "false");
    p.put("offsets.topic.replication.factor", Integer.toString(NODES));
    p.put("offsets.topic.num.partitions", "6");
    p.put("transaction.state.log.replication.factor", Integer.toString(NODES));
    p.put("transaction.state.log.min.isr", "2");
    p.putAll(overrides);
    return p;
  }

  /**
   * Stops every node, all at once: stopped one after the other, the last would wait 30 s for a
   * quorum of controllers to acknowledge its controlled shutdown. They can be started again.
   */
  public void stop() throws InterruptedException {
    KafkaNode.stop(nodes);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  /** Kills node {@code id} at once with SIGKILL, as a crash of its machine would. */
  public void kill(int id) throws InterruptedException {
    node(id).kill();
  }

  /** Stops node {@code id} cleanly (SIGTERM: Kafka moves its leaderships away, then shuts down). */
  public void stop(int id) throws InterruptedException {
    node(id).stop();
  }

  public boolean isRunning(int id) {
    return node(id).isRunning();
  }

  /** Starts node {@code id} again and waits until it is back in the cluster and every ISR is full. */
  public void restart(int id) throws IOException, InterruptedException {
    if (!node(id).isRunning()) {
      node(id).start();
    }
    awaitFullIsr();
  }

  /**
   * Restarts the nodes one at a time, as an operator rolls an upgrade: each stopped cleanly, started
   * again, and the next one only once it is back and every partition has its full ISR again, so that
   * no partition ever has fewer than two replicas in sync.
   */
  public void rollingRestart() throws IOException, InterruptedException {
    rollingRestart(id -> {});
  }

  /** {@link #rollingRestart()}, telling {@code beforeStopping} each node's id before it is stopped. */
  public void rollingRestart(IntConsumer beforeStopping) throws IOException, InterruptedException {
    for (int id = 1; id <= NODES; id++) {
      beforeStopping.accept(id);
      stop(id);
      restart(id);
    }
  }

  /**
   * The node that leads partition {@code partition} of {@code topic} now. A topic just created may
   * be unknown yet to the node that answers (each learns it from the controller on its own): asked
   * again for up to 30 s.
   */
  public int leader(String topic, int partition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (Admin admin = admin()) {
      while (true) {
        try {
          TopicPartitionInfo info = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
              .get(topic).partitions().get(partition);
          if (info.leader() == null || info.leader().isEmpty()) {
            throw new IllegalStateException(topic + "-" + partition + " has no leader");
          }
          return info.leader().id();
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
              || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(200); // until the answering node has heard of the topic
        }
      }
    }
  }

  /**
   * Waits until every node is registered with the controller and every partition of every topic
   * (the internal ones too) has all its replicas in sync.
   */
  public void awaitFullIsr() throws IOException, InterruptedException {
    try (Admin admin = admin()) {
      KafkaNode.await("the " + NODES + " Kafka nodes at " + bootstrapServers() + " all in sync", nodes, () -> {
        Collection<Node> registered = admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
        if (registered.size() < NODES) {
          return false;
        }
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(2, TimeUnit.SECONDS);
        for (TopicDescription topic : admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS).values()) {
          for (TopicPartitionInfo partition : topic.partitions()) {
            if (partition.isr().size() < partition.replicas().size()) {
              return false;
            }
          }
        }
        return true;
      });
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000));
  }

  /**
   * {@code start|stop|status --dir=DIR --port=PORT --classpathFile=FILE}; start and stop are
   * idempotent, and start starts only the nodes that are not running.
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: LocalKafkaCluster start|stop|status [--dir=..] [--port=..]");
    }
    Args parsed = Args.parse(java.util.Arrays.copyOfRange(args, 1, args.length));
    Path dir = Path.of(parsed.get("dir", ".local/kafka-cluster")).toAbsolutePath();
    int port = (int) parsed.getLong("port", 9192);
    Path classpathFile = Path.of(parsed.get("classpathFile", "broker/target/classpath.txt"));
    parsed.rejectUnused();
    List<Optional<ProcessHandle>> running = new ArrayList<>();
    for (int id = 1; id <= NODES; id++) {
      running.add(KafkaNode.running(dir.resolve("node-" + id)));
    }
    String pids = running.stream().flatMap(Optional::stream).map(h -> Long.toString(h.pid()))
        .collect(Collectors.joining(", "));
    long up = running.stream().filter(Optional::isPresent).count();
    switch (args[0]) {
      case "start" -> {
        LocalKafkaCluster cluster = create(dir, port, classpathFile, Map.of());
        if (up == NODES) {
          System.out.println("Kafka cluster already running (pids " + pids + ") at " + cluster.bootstrapServers());
        } else {
          cluster.start();
          System.out.println("Kafka cluster of " + NODES + " nodes ready at " + cluster.bootstrapServers()
              + " (replication factor 3, min.insync.replicas=2; data and logs under " + dir + ")");
        }
        System.exit(0); // leave the nodes running
      }
      case "stop" -> {
        LocalServers.stop(running.stream().flatMap(Optional::stream).toList());
        for (int id = 1; id <= NODES; id++) {
          Files.deleteIfExists(dir.resolve("node-" + id).resolve("broker.pid"));
        }
        System.out.println(up == 0 ? "Kafka cluster not running" : "Kafka cluster stopped");
      }
      case "status" -> {
        System.out.println(up == 0 ? "not running" : up + " of " + NODES + " nodes running (pids " + pids + ")");
        System.exit(up == NODES ? 0 : 1);
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0] + ": start, stop or status");
    }
  }
}
