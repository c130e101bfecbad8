package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static io.predictionrelay.testing.Runs.runWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.model.MessageId;
import io.predictionrelay.run.RunLedger;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.servers.LocalKafkaCluster;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs that publish to a three-broker KRaft cluster ({@link LocalKafkaCluster}: every topic
 * replicated three times, {@code min.insync.replicas=2}) while brokers fail: the leader of a
 * partition killed with SIGKILL, and every broker restarted in turn. The producer asks for
 * {@code acks=all} and is idempotent (see {@code kafka/ProducerSettings}); Kafka documents that a
 * record so acknowledged is on at least two replicas, that only an in-sync replica becomes leader,
 * and that the idempotent producer's retries after a leader change are written once. So nothing is
 * lost, the run completes, and no message should arrive twice.
 *
 * <p>The bound these tests assert on duplicates is the "messages of buckets in flight at the
 * fault", made concrete in two ways: no bucket that was whole on the topic when the fault began has a
 * message twice, and the duplicates are at most the messages of the publishing tasks running at the
 * fault ({@link #IN_FLIGHT_BOUND}). Spark's local mode runs two tasks at once here and re-runs none
 * (a failed task fails the run), so what could be sent twice is what those two tasks had handed to
 * the producer and not yet seen acknowledged. The measured duplicates are printed.
 *
 * <p>The input is 30,000 rows in buckets of about 200 rows (about 3,100 messages of up to 10
 * predictions) published by 6 tasks; publishing is throttled, so that a fault is placed by what is on
 * the topic (or let through by a gate) while the run goes on.
 */
class BrokerClusterFaultsIT {
  private static final int ROWS = 30_000;
  /** Messages at the least (10 predictions each, the last of each bucket fewer). */
  private static final int MESSAGES = ROWS / 10;
  private static final int ROWS_PER_BUCKET = 200;
  /** Publishing tasks (--sparkPartitions): about 25 buckets, 520 messages each. */
  private static final int PARTITIONS = 6;
  /**
   * The most messages the publishing tasks running at a fault can have sent: 2 tasks (local[2]) of at
   * most 700 messages each (a task's share, about 3,100 / 6, with room for the spread of 150 buckets
   * over 6 tasks).
   */
  private static final int IN_FLIGHT_BOUND = 2 * 700;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static LocalKafkaCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    GeneratePredictions.builder(dir.resolve("input")).rows(ROWS).classes(30).files(4).seed(19).build().run();
    cluster = LocalKafkaCluster.createForTest(Map.of()).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Messages handed on to the writer by {@link Gate}, and how many it lets through. */
  private static final AtomicLong HANDED = new AtomicLong();
  private static final AtomicLong ALLOWED = new AtomicLong();

  /**
   * Lets {@link #ALLOWED} messages through and holds every task back while it is reached: so that
   * a run is still publishing when each fault begins however slow the fault is, not at a time
   * guessed from the throttle. (Spark's local mode runs the tasks in the test's JVM, so they see
   * these fields.)
   */
  static final class Gate extends PTransform<PCollection<EncodedMessage>, PCollection<EncodedMessage>> {
    @Override
    public PCollection<EncodedMessage> expand(PCollection<EncodedMessage> messages) {
      return messages.apply(ParDo.of(new DoFn<EncodedMessage, EncodedMessage>() {
        @ProcessElement
        public void process(@Element EncodedMessage m, OutputReceiver<EncodedMessage> out) throws Exception {
          long n = HANDED.incrementAndGet();
          while (n > ALLOWED.get()) {
            Thread.sleep(20); // until the test lets more through
          }
          out.output(m);
        }
      }));
    }
  }

  /** A run of the whole input to {@code topic}, in this JVM on Spark's local mode, publishing at most {@code perSecond}. */
  private static CompletableFuture<RunSummary> publish(String topic, int perSecond) {
    return publish(topic, perSecond, null);
  }

  /** {@link #publish(String, int)} with {@code gate} before the writer. */
  private static CompletableFuture<RunSummary> publish(String topic, int perSecond, Gate gate) {
    String[] args = {
        "--runner=SparkRunner", "--sparkMaster=local[2]", "--input=" + dir.resolve("input"),
        "--bootstrapServers=" + cluster.bootstrapServers(), "--topic=" + topic,
        "--deadLetterDir=" + dir.resolve(topic + "-dead"), "--reportDir=" + dir.resolve(topic + "-reports"),
        "--maxMessagesPerSecond=" + perSecond,
        "--rowsPerBucket=" + ROWS_PER_BUCKET, "--sparkPartitions=" + PARTITIONS};
    return CompletableFuture.supplyAsync(
        () -> gate == null ? PublishPredictions.run(options(args)) : runWith(options(args), gate));
  }

  /** An admin client that gives up within seconds: a partition without a leader is "not yet", not a minute's wait. */
  private static Admin admin() {
    return admin(5000);
  }

  private static Admin admin(int timeoutMillis) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMillis, 30_000),
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis));
  }

  /** The end offset of each partition of {@code topic}; empty while the topic does not exist. */
  private static Map<Integer, Long> endOffsets(String topic) {
    try (Admin admin = admin()) {
      TopicDescription description =
          admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      Map<Integer, Long> ends = new HashMap<>();
      admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS)
          .forEach((partition, info) -> ends.put(partition.partition(), info.offset()));
      return ends;
    } catch (Exception noTopicYet) {
      return Map.of();
    }
  }

  private static long onTopic(String topic) {
    return endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  /** Waits until {@code condition} holds while the run goes on; fails if the run ends first. */
  private static void await(String what, CompletableFuture<RunSummary> run, Condition condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!condition.holds()) {
      if (run.isDone()) {
        run.get(); // rethrows the run's failure
        throw new AssertionError("the run ended before " + what);
      }
      assertTrue(System.nanoTime() < deadline, "never " + what);
      Thread.sleep(50); // polling interval
    }
  }

  /** The leader of the partition, or -1 while it has none or the cluster does not answer. */
  private static int leaderOrNone(String topic, int partition) {
    try {
      return cluster.leader(topic, partition);
    } catch (Exception none) {
      return -1;
    }
  }

  /** Every message of the topic: its key and where it landed. */
  private record Landed(String key, int partition, long offset) {}

  private static List<Landed> consume(String topic) {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    List<Landed> all = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          all.add(new Landed(new String(record.key(), StandardCharsets.UTF_8), record.partition(), record.offset()));
        }
      }
    }
    return all;
  }

  /** The records of the topic's runs topic, oldest first. */
  private static List<JsonNode> runRecords(String topic) throws Exception {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    List<JsonNode> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition runs = new TopicPartition(topic + ".runs", 0);
      consumer.assign(List.of(runs));
      consumer.seekToBeginning(List.of(runs));
      long end = consumer.endOffsets(List.of(runs)).get(runs);
      while (consumer.position(runs) < end) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          records.add(JSON.readTree(record.value()));
        }
      }
    }
    return records;
  }

  /**
   * Waits for the run's end and checks what every fault must leave: a run that completes with counts
   * that reconcile, its {@code completed} record, every prediction on the topic, three replicas of
   * every partition, and duplicates within the bound of the class comment, none of them in a bucket
   * that was whole on the topic when the fault began ({@code atFault}: the end offsets then).
   */
  private static void assertDelivered(String topic, CompletableFuture<RunSummary> run, Map<Integer, Long> atFault)
      throws Exception {
    RunSummary summary = run.get(5, TimeUnit.MINUTES);
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.predictions(), summary.toString());

    List<JsonNode> records = runRecords(topic);
    JsonNode last = records.get(records.size() - 1);
    assertEquals("completed", last.get("status").asText(), last.toString());
    String runId = last.get("run_id").asText();
    JsonNode counts = last.get("counts");
    assertEquals(ROWS, counts.get("rowsRead").asLong());
    assertEquals(ROWS, counts.get("predictionsPublished").asLong());
    assertTrue(counts.get("reconciles").asBoolean());

    VerifyReport report = VerifyTopicBuilder.of(dir.resolve("input").toString(), cluster.bootstrapServers(), topic)
        .runId(runId).build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(0, report.missing(), report.toString());
    assertEquals(0, report.conflictingKeys(), report.toString());
    assertEquals(ROWS, report.received() - report.duplicatedPredictions(), report.toString());
    assertEquals(summary.messages(), report.messages() - report.duplicatedMessages(), report.toString());
    // The run counts what it sent again from the topic's offsets: the verifier's duplicates.
    assertEquals(report.duplicatedMessages(), summary.messagesSentAgain(), summary + "\n" + report);

    try (Admin admin = admin(60_000)) {
      for (TopicPartitionInfo partition :
          admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()) {
        assertEquals(3, partition.replicas().size(), "replicas of " + topic + "-" + partition.partition());
      }
    }

    // The buckets whose every message was on the topic before the fault: none may be sent twice.
    List<Landed> landed = consume(topic);
    Map<Integer, Set<Integer>> before = new HashMap<>();
    Map<Integer, Integer> chunks = new HashMap<>();
    Map<String, Integer> copies = new HashMap<>();
    for (Landed message : landed) {
      MessageId id = MessageId.parse(message.key());
      chunks.merge(id.group(), id.batch() + 1, Math::max);
      if (message.offset() < atFault.getOrDefault(message.partition(), 0L)) {
        before.computeIfAbsent(id.group(), b -> new HashSet<>()).add(id.batch());
      }
      copies.merge(message.key(), 1, Integer::sum);
    }
    Set<Integer> wholeBefore = new HashSet<>();
    before.forEach((bucket, seen) -> {
      if (seen.size() == chunks.get(bucket)) {
        wholeBefore.add(bucket);
      }
    });
    long duplicates = 0;
    for (Map.Entry<String, Integer> key : copies.entrySet()) {
      if (key.getValue() > 1) {
        duplicates += key.getValue() - 1;
        assertFalse(wholeBefore.contains(MessageId.parse(key.getKey()).group()),
            key.getKey() + " sent again, though its bucket was whole on the topic at the fault");
      }
    }
    assertEquals(report.duplicatedMessages(), duplicates, report.toString());
    assertTrue(duplicates <= IN_FLIGHT_BOUND, duplicates + " duplicate messages");
    System.out.println(topic + ": " + landed.size() + " messages, " + wholeBefore.size() + " of " + chunks.size()
        + " buckets whole on the topic at the fault; measured: " + duplicates + " duplicate messages");
  }

  /**
   * The leader of partition 0 killed with SIGKILL once a quarter of the messages are on the topic: its
   * partitions get a new leader from the in-sync replicas (after the controller's session timeout,
   * about 9 s), the producer retries there (the run cannot end before: records of those partitions
   * wait for it), and the node is started again at half the messages.
   */
  @Test
  void theLeaderOfAPartitionKilledMidRunLosesNothing() throws Exception {
    String topic = "leader-killed";
    CompletableFuture<RunSummary> run = publish(topic, 100);
    await("a quarter of the messages", run, () -> onTopic(topic) >= MESSAGES / 4);
    int leader = cluster.leader(topic, 0);
    Map<Integer, Long> atFault = endOffsets(topic);
    cluster.kill(leader);
    long killed = System.nanoTime();
    try {
      assertFalse(run.isDone(), "the run was over before the kill");
      int[] newLeader = {-1};
      await("a new leader of partition 0", run, () -> {
        newLeader[0] = leaderOrNone(topic, 0);
        return newLeader[0] != -1 && newLeader[0] != leader;
      });
      System.out.printf("%s: node %d killed; partition 0 led by node %d %.1f s later%n",
          topic, leader, newLeader[0], (System.nanoTime() - killed) / 1e9);
      // Started again at half the messages, or when the run is over if that comes first.
      await("half the messages", run, () -> run.isDone() || onTopic(topic) >= MESSAGES / 2);
    } finally {
      cluster.restart(leader);
    }

    assertDelivered(topic, run, atFault);
  }

  /**
   * A run record written at once after the leader of the runs topic was killed: the writer waits for
   * the new leader (the controller's session timeout, about 9 s, then an election), so a run that ends
   * or starts during a broker's crash still records it.
   */
  @Test
  void aRunRecordWrittenWhileTheRunsTopicHasNoLeaderWaitsForTheNewOne() throws Exception {
    String runs = "ledger.runs";
    try (Admin admin = admin(60_000)) {
      admin.createTopics(List.of(new NewTopic(runs, Optional.of(1), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
    }
    cluster.awaitFullIsr();
    int leader = cluster.leader(runs, 0);
    cluster.kill(leader);
    long killed = System.nanoTime();
    RunLedger ledger = new RunLedger(cluster.bootstrapServers(), Map.of());
    try {
      ledger.write(runs, "run-1", Map.of("status", "started"));
      System.out.printf("%s: node %d killed; the record written %.1f s later%n",
          runs, leader, (System.nanoTime() - killed) / 1e9);
    } finally {
      cluster.restart(leader);
    }

    List<JsonNode> records = ledger.records(runs, "run-1");
    assertEquals(1, records.size(), records.toString());
    assertEquals("started", records.get(0).get("status").asText());
  }

  /**
   * Every node stopped cleanly and started again, one after the other, each once the one before is
   * back and every partition is in sync again (an operator's rolling upgrade), all while a run
   * publishes: each stop moves the node's leaderships away first (Kafka's controlled shutdown). The
   * run is held at a tenth of the messages until the first stop, and each stop lets 600 more messages
   * through (12 s of publishing at 50 a second), so every broker goes down while messages are sent.
   */
  @Test
  void aRollingRestartOfAllThreeBrokersMidRunLosesNothing() throws Exception {
    String topic = "rolling-restart";
    HANDED.set(0);
    ALLOWED.set(MESSAGES / 10);
    CompletableFuture<RunSummary> run = publish(topic, 50, new Gate());
    List<Integer> stoppedMidRun = new ArrayList<>();
    Map<Integer, Long> atFault;
    long began;
    try {
      await("the run held at a tenth of the messages", run, () -> HANDED.get() > ALLOWED.get());
      atFault = endOffsets(topic);
      began = System.nanoTime();
      cluster.rollingRestart(node -> {
        if (!run.isDone()) {
          stoppedMidRun.add(node);
        }
        ALLOWED.addAndGet(600);
      });
    } finally {
      ALLOWED.set(Long.MAX_VALUE);
    }
    System.out.printf("%s: the three nodes restarted one after the other in %.1f s%n",
        topic, (System.nanoTime() - began) / 1e9);
    assertEquals(List.of(1, 2, 3), stoppedMidRun, "the nodes stopped while the run was publishing");

    assertDelivered(topic, run, atFault);
  }
}
