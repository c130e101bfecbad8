package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.model.MessageId;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.run.RunLedger;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.Runs;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.servers.LocalSparkCluster;
import io.predictionrelay.transforms.PublishToKafka;
import io.predictionrelay.verify.VerifyReport;
import io.predictionrelay.verify.VerifyTopic;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors and workers of a real standalone cluster killed with SIGKILL in the middle of a run
 * submitted with spark-submit: Spark re-runs what was lost (tasks, and the map stage whose shuffle
 * output went with the executor), every prediction arrives, the counts reconcile (rows read once per
 * split however often it was read), the run exits 0 with a {@code completed} record that says what
 * was read and sent again, and the messages sent twice stay within the bound the README documents:
 * the messages of the publishing tasks the lost executor was running. And the driver killed: its
 * executors go with it, and the run resumed once its lease ran out sends again only the buckets in
 * flight.
 *
 * <p>A cluster of two workers with one core each, so each runs one executor with one task at a
 * time. The input is 6 files of 10,000 rows (6 splits), 6,000 messages; publishing is throttled to
 * 600 messages a second, so that a fault can be placed by what is on the topic and what the driver's
 * REST API says is running. The tests share the cluster; the worker is killed last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultsIT {
  private static final int ROWS = 60_000;
  /** Messages at the least (10 predictions each, the last of each bucket fewer). */
  private static final int MESSAGES = ROWS / 10;
  /** Buckets of about 200 rows: 300 buckets, so each publishing task gets about as many. */
  private static final int ROWS_PER_BUCKET = 200;
  /** Publishing tasks (--sparkPartitions); each sends about 1/8 of the messages. */
  private static final int PARTITIONS = 8;
  /**
   * The most messages one publishing task sends: the messages of its buckets, about 6,300 / 8 (each
   * bucket's last message is short), with room for the spread of buckets over tasks (300 buckets in 8
   * tasks: about 37 each, a few more in the largest). A lost executor with one core re-sends at most that.
   */
  private static final int PUBLISHING_TASK_BOUND = 1_000;
  /** Buckets in flight when the driver is killed: two running publishing tasks, two buckets each. */
  private static final int DRIVER_KILL_BUCKETS = 4;
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The stage that reads the splits and writes the buckets' shuffle, as the Spark UI names it: the map
   * side of the sorted grouping (GroupIntoBuckets' SortedGroupingWindows). Before it, a stage spreads
   * the splits; after it, the publishing.
   */
  private static final String READ_STAGE = "flatMapToPair at GroupNonMergingWindowsFunctions";

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;
  private static LocalSparkCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    GeneratePredictions.builder(dir.resolve("input")).rows(ROWS).classes(30).files(6).seed(21).build().run();
    cluster = LocalSparkCluster.createForTest(dir.resolve("cluster"), 2, 1, "1536m").start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Path sparkProvidedJar() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files.filter(p -> p.getFileName().toString().endsWith("-spark-provided.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException(
              "target/*-spark-provided.jar is missing: make test builds it (mvn -Pspark-provided package)"));
    }
  }

  /** The publisher's arguments on the cluster, for {@code topic}, with {@code more}. */
  private static List<String> args(String topic, String... more) {
    List<String> args = new ArrayList<>(List.of("--runner=SparkRunner", "--input=" + dir.resolve("input"),
        "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=" + topic,
        "--deadLetterDir=" + dir.resolve(topic + "-dead"), "--reportDir=" + dir.resolve(topic + "-reports"),
        "--maxMessagesPerSecond=600", "--publishers=2", "--rowsPerBucket=" + ROWS_PER_BUCKET,
        "--sparkPartitions=" + PARTITIONS));
    args.addAll(List.of(more));
    return args;
  }

  /** A submitted run: its driver (the spark-submit JVM, client mode) and its REST API, its log, its exit code once it ends. */
  private static final class Run {
    final String topic;
    final int uiPort;
    final Path log;
    final Process driver;
    final CompletableFuture<Integer> exit;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String appId;

    Run(String topic) throws IOException {
      this(topic, topic);
    }

    /** A run on {@code topic} logging to {@code <name>.log}, with {@code more} arguments (a resume). */
    Run(String topic, String name, String... more) throws IOException {
      this.topic = topic;
      this.uiPort = freePort();
      this.log = dir.resolve(name + ".log");
      Map<String, String> conf = Map.of("spark.executor.memory", "1g", "spark.ui.enabled", "true",
          "spark.ui.port", Integer.toString(uiPort), "spark.ui.showConsoleProgress", "false",
          "spark.port.maxRetries", "0");
      this.driver = cluster.launch(sparkProvidedJar(), PublishPredictions.class.getName(), conf,
          args(topic, more), log);
      this.exit = driver.onExit().thenApply(Process::exitValue);
    }

    /** The driver's REST API, {@code /api/v1/applications/<app>/<path>}; null while it does not answer. */
    JsonNode rest(String path) {
      try {
        if (appId == null) {
          JsonNode apps = get("");
          if (apps == null || apps.size() == 0) {
            return null;
          }
          appId = apps.get(0).get("id").asText();
        }
        return get("/" + appId + "/" + path);
      } catch (IOException notYet) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + uiPort + "/api/v1/applications" + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    }

    /** The stages of the run so far. */
    List<JsonNode> stages() {
      JsonNode stages = rest("stages");
      List<JsonNode> list = new ArrayList<>();
      if (stages != null) {
        stages.forEach(list::add);
      }
      return list;
    }

    /** Waits until {@code condition} holds, while the run goes on. */
    void await(String what, BooleanSupplier condition) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
      while (!condition.getAsBoolean()) {
        assertTrue(!exit.isDone(), "the run ended before " + what + ": " + output());
        assertTrue(System.nanoTime() < deadline, "never " + what + ": " + output());
        Thread.sleep(50); // polling interval
      }
    }

    String output() {
      try {
        return Files.exists(log) ? Files.readString(log) : "";
      } catch (IOException e) {
        return e.toString();
      }
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Records on the topic so far. */
  private static long onTopic(String topic) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
          .get(topic).partitions();
      Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
      partitions.forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream()
          .mapToLong(o -> o.offset()).sum();
    } catch (Exception noTopicYet) {
      return 0;
    }
  }

  /** The one executor worker {@code worker} runs. */
  private static ProcessHandle executorOf(int worker) {
    Map<String, ProcessHandle> executors = cluster.executors(worker);
    assertEquals(1, executors.size(), "executors of worker " + worker + ": " + executors.keySet());
    return executors.values().iterator().next();
  }

  private static void kill(ProcessHandle executor) {
    executor.destroyForcibly(); // SIGKILL, as kill -9
    executor.onExit().join();
  }

  /** The last record of the topic's runs topic. */
  private static JsonNode lastRunRecord(String topic) throws IOException {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    String runs = topic + ".runs";
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = List.of(new TopicPartition(runs, 0));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long end = consumer.endOffsets(partitions).get(partitions.get(0));
      JsonNode last = null;
      while (consumer.position(partitions.get(0)) < end) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          last = JSON.readTree(record.value());
        }
      }
      return last;
    }
  }

  /**
   * Waits for the run's end and checks what every fault must leave: exit 0, counts that reconcile,
   * a completed record saying what was read and sent again, nothing missing; returns the record's retries.
   */
  private static JsonNode assertDelivered(Run run) throws Exception {
    int exit = run.exit.get(5, TimeUnit.MINUTES);
    String output = run.output();
    assertEquals(0, exit, output);
    assertTrue(output.contains("counts reconcile"), output);
    JsonNode record = lastRunRecord(run.topic);
    assertEquals("completed", record.get("status").asText(), record.toString());
    JsonNode counts = record.get("counts");
    assertEquals(ROWS, counts.get("rowsInFooters").asLong());
    assertEquals(ROWS, counts.get("rowsRead").asLong());
    assertEquals(ROWS, counts.get("predictionsPublished").asLong());
    assertTrue(counts.get("reconciles").asBoolean());

    VerifyReport report = VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), run.topic)
        .build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(ROWS, report.received() - report.duplicatedPredictions(), report.toString());
    assertEquals(0, report.missing());
    assertEquals(0, report.conflictingKeys());
    assertEquals(report.messages() - report.duplicatedMessages(), counts.get("messagesPublished").asLong(), report.toString());
    JsonNode retries = counts.get("retries");
    // Messages sent again, as the run counts them from the topic's offsets, are the verifier's duplicates.
    assertEquals(report.duplicatedMessages(), retries.get("messagesSentAgain").asLong(), record + "\n" + report);
    System.out.println(run.topic + ": " + retries + "\n" + report);
    return retries;
  }

  /** Records on the topic once a killed executor's last requests had time to land. */
  private static long settledOnTopic(String topic) throws InterruptedException {
    Thread.sleep(1_000); // a request the executor wrote before it died may still be on its way
    return onTopic(topic);
  }

  /**
   * An executor killed while the splits are read (nothing published yet: its read tasks fail, and the
   * shuffle output of those it finished is lost), then the other worker's executor killed as
   * publishing begins, after the shuffle: the publishing tasks cannot fetch what it wrote, so Spark
   * re-runs the read stage's tasks that wrote it. Splits are read again, counted once; sent again:
   * at most what the second executor's publishing task had sent.
   */
  @Test
  @Order(1)
  void executorsLostWhileReadingAndAfterTheShuffleSendNothingTwiceButWhatWasInFlight() throws Exception {
    Run run = new Run("faults-read");
    run.await("a read task finished", () -> run.stages().stream().anyMatch(s -> s.get("status").asText().equals("ACTIVE")
        && s.get("name").asText().startsWith(READ_STAGE) && s.get("numCompleteTasks").asInt() > 0));
    kill(executorOf(0));
    assertEquals(0, settledOnTopic(run.topic), "the read stage was over");
    run.await("the first message", () -> onTopic(run.topic) > 0);
    kill(executorOf(1));
    long sentBeforeTheSecondKill = settledOnTopic(run.topic);

    JsonNode retries = assertDelivered(run);
    assertTrue(retries.get("splitsReadAgain").asLong() > 0, retries.toString());
    assertTrue(retries.get("stagesRerun").asLong() > 0, retries.toString());
    assertEquals(2, retries.get("executorsLost").asLong(), retries.toString());
    long again = retries.get("messagesSentAgain").asLong();
    assertTrue(again <= sentBeforeTheSecondKill, again + " sent again, " + sentBeforeTheSecondKill + " sent before");
    assertTrue(again <= PUBLISHING_TASK_BOUND, again + " sent again");
  }

  /**
   * The driver killed with SIGKILL at a third of the messages, then the run resumed the way the
   * README tells an operator who is not sure the old driver is gone: wait for its lease (its last
   * heartbeat + 30 s) to run out, then {@code --resume} without {@code --takeOver}. (ChaosIT takes
   * runs over at once with {@code --takeOver}.)
   *
   * <p>In client mode the driver is the spark-submit JVM. When it dies, the master removes the
   * application and its workers kill its executors: nothing is published after the kill. The
   * resume sends again exactly the messages on the topic of the buckets in flight at the kill (those
   * that arrived in part). The bound: two publishing tasks were running (two one-core executors),
   * each sending its buckets one after the other, its messages spaced by the throttle (300 a second
   * each) and acknowledged within milliseconds; so each had at most two buckets in flight, the one
   * it was sending and the one before whose last messages were not yet on the topic: at most
   * {@value #DRIVER_KILL_BUCKETS} buckets, each no more messages than the largest bucket of the run.
   */
  @Test
  @Order(2)
  void aDriverKilledMidRunIsResumedOnceItsLeaseRanOutSendingAgainOnlyTheBucketsInFlight() throws Exception {
    String topic = "faults-driver";
    Run first = new Run(topic, topic + "-attempt-1");
    first.await("a third of the messages", () -> onTopic(topic) >= MESSAGES / 3);
    Matcher printed = Pattern.compile("run:\\s+(\\S+) \\(input fingerprint").matcher(first.output());
    assertTrue(printed.find(), first.output());
    String runId = printed.group(1);
    List<ProcessHandle> executors = List.of(executorOf(0), executorOf(1));
    long killedAt = System.nanoTime();
    first.driver.destroyForcibly(); // SIGKILL, as kill -9
    assertTrue(first.driver.waitFor(30, TimeUnit.SECONDS));

    // While the lease is fresh, a resume is refused in one line that says when the lease runs out.
    LaunchException refused = assertThrows(LaunchException.class, () -> PublishPredictions.prepare(
        Runs.options(args(topic, "--resume=" + runId).toArray(String[]::new))));
    Matcher lease = Pattern.compile("--resume=" + runId
        + ": the run is alive \\(heartbeat at \\S+ on \\S+; its lease runs until (\\S+)\\)").matcher(refused.getMessage());
    assertTrue(lease.lookingAt() && refused.getMessage().lines().count() == 1, refused.getMessage());
    Instant expires = Instant.parse(lease.group(1));

    for (ProcessHandle executor : executors) {
      executor.onExit().get(1, TimeUnit.MINUTES); // the master has the workers kill a lost driver's executors
    }
    long executorsGoneMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    long atTheKill = settledOnTopic(topic);
    assertEquals(List.of(1), attempts(topic, runId));
    assertKilled(topic, runId, 1);
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), expires).toMillis())); // the lease runs out
    assertEquals(atTheKill, onTopic(topic), "published after the driver and its executors were gone");

    RunLedger.Delivered before = new RunLedger(KAFKA.bootstrapServers(), Map.of())
        .delivered(topic, runId, 0, PublishToKafka.RUN_ID_HEADER, PublishToKafka.LAST_HEADER);
    assertTrue(before.completeGroups().length > 0, "nothing arrived whole before the kill");
    Run second = new Run(topic, topic + "-attempt-2", "--resume=" + runId);
    assertEquals(0, (int) second.exit.get(5, TimeUnit.MINUTES), second.output());
    assertTrue(second.output().contains("counts reconcile"), second.output());
    assertTrue(second.output().contains("resume:       attempt 2, " + before.completeGroups().length
        + " buckets arrived whole"), second.output());

    assertEquals(List.of(1, 2), attempts(topic, runId));
    assertKilled(topic, runId, 1);
    List<String> statuses = statuses(topic, runId, 2);
    assertEquals("started", statuses.get(0), statuses.toString());
    assertEquals("completed", statuses.get(statuses.size() - 1), statuses.toString());
    JsonNode completed = lastRunRecord(topic);
    assertEquals(2, completed.get("attempt").asInt(), completed.toString());
    JsonNode counts = completed.get("counts");
    assertEquals(ROWS, counts.get("predictionsPublished").asLong() + counts.get("predictionsSkipped").asLong(),
        counts.toString());
    assertTrue(counts.get("reconciles").asBoolean(), counts.toString());

    VerifyReport report = VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic)
        .runId(runId).build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(0, report.missing());
    assertEquals(0, report.conflictingKeys());
    assertEquals(ROWS, report.received() - report.duplicatedPredictions(), report.toString());
    // Sent twice: exactly what the topic held of the buckets in flight at the kill, and no more than the bound.
    assertEquals(before.messagesToResend(), report.duplicatedMessages(), report.toString());
    int largestBucket = largestBucketMessages(topic);
    assertTrue(before.partialGroups() <= DRIVER_KILL_BUCKETS, before.partialGroups() + " buckets in flight");
    assertTrue(report.duplicatedMessages() <= (long) DRIVER_KILL_BUCKETS * largestBucket,
        report.duplicatedMessages() + " sent again, largest bucket " + largestBucket + " messages");
    System.out.println(topic + ": driver killed at " + atTheKill + " messages on the topic, its executors gone "
        + executorsGoneMillis + " ms after; " + before.completeGroups().length + " buckets whole, "
        + before.partialGroups() + " in part; sent again " + report.duplicatedMessages() + " messages (bound "
        + DRIVER_KILL_BUCKETS + " x " + largestBucket + ")\n" + report);
  }

  /** Every record of a run on its runs topic, oldest first. */
  private static List<JsonNode> runRecords(String topic, String runId) {
    return new RunLedger(KAFKA.bootstrapServers(), Map.of()).records(topic + ".runs", runId);
  }

  /** The attempt numbers of a run's records, each once, in the order they first appear. */
  private static List<Integer> attempts(String topic, String runId) {
    return runRecords(topic, runId).stream().map(r -> r.get("attempt").asInt()).distinct().toList();
  }

  /** The statuses of one attempt's records, oldest first. */
  private static List<String> statuses(String topic, String runId, int attempt) {
    return runRecords(topic, runId).stream().filter(r -> r.get("attempt").asInt() == attempt)
        .map(r -> r.get("status").asText()).toList();
  }

  /** A killed attempt: its start, then heartbeats, and no end. */
  private static void assertKilled(String topic, String runId, int attempt) {
    List<String> statuses = statuses(topic, runId, attempt);
    assertEquals("started", statuses.get(0), statuses.toString());
    assertTrue(statuses.stream().skip(1).allMatch("running"::equals), "attempt " + attempt + ": " + statuses);
  }

  /** The messages of the run's largest bucket, from the keys on the topic. */
  private static int largestBucketMessages(String topic) {
    Map<Integer, java.util.BitSet> chunks = new java.util.HashMap<>();
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          MessageId id = MessageId.parse(new String(record.key(), StandardCharsets.UTF_8));
          chunks.computeIfAbsent(id.group(), g -> new java.util.BitSet()).set(id.batch());
        }
      }
    }
    return chunks.values().stream().mapToInt(java.util.BitSet::cardinality).max().orElse(0);
  }

  /**
   * While publishing, an executor killed, then later the other worker (the worker's JVM and its
   * executor, as a machine that is lost): the publishing tasks they ran are run again and re-send
   * what they had sent, the read tasks whose shuffle output was there are run again; what finished
   * elsewhere is not re-sent.
   */
  @Test
  @Order(3)
  void anExecutorAndThenAWorkerLostWhilePublishingResendOnlyTheirRunningTasks() throws Exception {
    Run run = new Run("faults-publish");
    run.await("a quarter of the messages", () -> onTopic(run.topic) >= MESSAGES / 4);
    kill(executorOf(0));
    run.await("60% of the messages", () -> onTopic(run.topic) >= MESSAGES * 6 / 10);
    cluster.killWorker(1);

    JsonNode retries = assertDelivered(run);
    assertTrue(retries.get("splitsReadAgain").asLong() > 0, retries.toString());
    assertTrue(retries.get("executorsLost").asLong() >= 2, retries.toString());
    long again = retries.get("messagesSentAgain").asLong();
    assertTrue(again > 0, retries.toString());
    assertTrue(again <= 2 * PUBLISHING_TASK_BOUND, again + " sent again");
  }
}
