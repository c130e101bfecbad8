package io.predictionrelay;

import static io.predictionrelay.testing.Runs.concat;
import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.model.MessageId;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.run.RunLedger;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.servers.LocalKafkaBroker;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.transforms.PublishToKafka;
import io.predictionrelay.verify.VerifyReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running it in production, against the real broker: the headers and run records consumers rely
 * on, throttling measured from the broker's own append times, and resuming a run that was killed
 * or lost its broker without sending again what arrived.
 */
class OperationsIT {
  private static final int ROWS = 20_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  @BeforeAll
  static void generate() throws Exception {
    GeneratePredictions.builder(dir.resolve("input")).rows(ROWS).classes(30).files(4).seed(13).build().run();
  }

  private static String[] args(String topic, String... more) {
    return concat(new String[] {
        "--input=" + dir.resolve("input"), "--bootstrapServers=" + KAFKA.bootstrapServers(),
        "--topic=" + topic, "--deadLetterDir=" + dir.resolve(topic + "-dead"),
        "--reportDir=" + dir.resolve("reports"), "--runner=SparkRunner", "--sparkMaster=local[2]"}, more);
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static List<JsonNode> runRecords(String topic) throws IOException {
    List<JsonNode> records = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : KAFKA.records(topic + ".runs")) {
      records.add(JSON.readTree(record.value()));
    }
    return records;
  }

  @Test
  void everyMessageTellsItsRunAndTheLastOfItsBucketAndTheRunRecordsItsEnd() throws Exception {
    String topic = "ops-headers";
    RunSummary summary = PublishPredictions.run(options(args(topic, "--partitions=3")));
    assertTrue(summary.reconciles(), summary.toString());

    List<JsonNode> records = runRecords(topic);
    assertEquals(List.of("started", "completed"), records.stream().map(r -> r.get("status").asText()).toList());
    String runId = records.get(0).get("run_id").asText();
    assertEquals(runId, records.get(1).get("run_id").asText());
    JsonNode counts = records.get(1).get("counts");
    assertEquals(ROWS, counts.get("rowsInFooters").asLong());
    assertEquals(ROWS, counts.get("predictionsPublished").asLong());
    assertEquals(summary.messages(), counts.get("messagesPublished").asLong());
    assertEquals(summary.bytes(), counts.get("bytesPublished").asLong());
    assertEquals(0, counts.get("deadLettersByReason").get("MISSING_ID").asLong());
    assertTrue(counts.get("reconciles").asBoolean());
    assertTrue(records.get(1).get("input_fingerprint").asText().matches("[0-9a-f]{32}"), records.get(1).toString());

    Map<Integer, Integer> lastBatch = new HashMap<>();
    Map<Integer, Integer> batches = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : KAFKA.records(topic)) {
      assertEquals(runId, header(record, PublishToKafka.RUN_ID_HEADER));
      MessageId id = MessageId.parse(new String(record.key(), StandardCharsets.UTF_8));
      batches.merge(id.group(), 1, Integer::sum);
      if ("true".equals(header(record, PublishToKafka.LAST_HEADER))) {
        assertEquals(null, lastBatch.put(id.group(), id.batch()), "two last messages in bucket " + id.group());
      }
    }
    assertEquals(batches.keySet(), lastBatch.keySet());
    batches.forEach((bucket, count) -> assertEquals(count - 1, lastBatch.get(bucket), "bucket " + bucket));

    VerifyReport report = VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic)
        .runId(runId).build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(ROWS, report.received());
    VerifyReport other = VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic)
        .runId("some-other-run").build().verify();
    assertEquals(0, other.messages());
    assertEquals(ROWS, other.missing());
  }

  /** The most of {@code amount} in any window of {@code windowMillis}, from the broker's append times. */
  private static long busiestWindow(List<ConsumerRecord<byte[], byte[]>> records, long windowMillis,
      java.util.function.ToLongFunction<ConsumerRecord<byte[], byte[]>> amount) {
    List<ConsumerRecord<byte[], byte[]>> sorted = new ArrayList<>(records);
    sorted.sort(java.util.Comparator.comparingLong(ConsumerRecord::timestamp));
    long most = 0;
    long inWindow = 0;
    int first = 0;
    for (ConsumerRecord<byte[], byte[]> record : sorted) {
      inWindow += amount.applyAsLong(record);
      while (sorted.get(first).timestamp() <= record.timestamp() - windowMillis) {
        inWindow -= amount.applyAsLong(sorted.get(first++));
      }
      most = Math.max(most, inWindow);
    }
    return most;
  }

  private static void createWithAppendTimes(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1)
          .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get(10, TimeUnit.SECONDS);
    }
  }

  /** One prediction per message makes 20,000 messages of about a kilobyte: enough to be throttled. */
  @Test
  void throttlingHoldsTheRateUnderTheLimitOverAnyFiveSeconds() throws Exception {
    String messages = "ops-throttle-messages";
    createWithAppendTimes(messages);
    RunSummary summary = PublishPredictions.run(options(args(messages,
        "--maxPredictionsPerMessage=1", "--maxMessagesPerSecond=2500")));
    assertTrue(summary.reconciles(), summary.toString());
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.records(messages);
    assertEquals(ROWS, records.size());
    long most = busiestWindow(records, 5_000, r -> 1);
    assertTrue(most <= 2500 * 5 * 1.1, "busiest 5 s held " + most + " messages");

    String bytes = "ops-throttle-bytes";
    createWithAppendTimes(bytes);
    summary = PublishPredictions.run(options(args(bytes,
        "--maxPredictionsPerMessage=1", "--maxBytesPerSecond=2500000")));
    assertTrue(summary.reconciles(), summary.toString());
    records = KAFKA.records(bytes);
    most = busiestWindow(records, 5_000, r -> r.value().length);
    assertTrue(most <= 2_500_000 * 5 * 1.1, "busiest 5 s held " + most + " bytes");
  }

  /** What a topic holds of a run: how many messages, and what a resume would send again. */
  private static RunLedger.Delivered delivered(String topic, String runId) {
    return new RunLedger(KAFKA.bootstrapServers(), Map.of())
        .delivered(topic, runId, 0, PublishToKafka.RUN_ID_HEADER, PublishToKafka.LAST_HEADER);
  }

  private static void awaitMessages(String topic, String runId, long at, Process process) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (delivered(topic, runId).messages() < at) {
      assertTrue(System.nanoTime() < deadline, "the run never published " + at + " messages");
      assertTrue(process == null || process.isAlive(), "the run ended early");
      Thread.sleep(200); // polling interval
    }
  }

  /** Resumes a run and checks what arrived: every prediction, and sent twice only what was in flight. */
  private static void resumeAndVerify(String topic, String runId, String grouping) throws Exception {
    RunLedger.Delivered before = delivered(topic, runId);
    assertTrue(before.completeGroups().length > 0, "nothing arrived whole before the resume: "
        + before.messages() + " messages in " + before.partialGroups() + " groups");
    // The killed attempt's lease may still be fresh: the operator knows its driver is dead.
    RunSummary summary = PublishPredictions.run(options(args(topic, "--grouping=" + grouping, "--resume=" + runId,
        "--takeOver")));
    assertTrue(summary.reconciles(), summary.toString());
    assertTrue(summary.predictionsSkipped() + summary.rowsSkipped() > 0, summary.toString());

    VerifyReport report = VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic)
        .runId(runId).build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(0, report.missing());
    assertEquals(0, report.conflictingKeys());
    // Sent twice: exactly the messages of the buckets that had arrived in part.
    assertEquals(before.messagesToResend(), report.duplicatedMessages(), report.toString());
    assertEquals("completed", runRecords(topic).get(runRecords(topic).size() - 1).get("status").asText());
  }

  @Test
  void aKilledRunIsResumedWithoutResendingWhatArrived() throws Exception {
    String topic = "ops-killed";
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + Path.of(".mvn/jvm.config").toAbsolutePath(), "-Xmx1g",
        "-cp", System.getProperty("java.class.path"), PublishPredictions.class.getName()));
    command.addAll(List.of(args(topic, "--maxMessagesPerSecond=300")));
    Path log = dir.resolve("killed.log");
    Process run = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      String runId = awaitRunId(log, run);
      awaitMessages(topic, runId, 500, run);
    } finally {
      run.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String runId = awaitRunId(log, run);
    assertTrue(delivered(topic, runId).messages() < ROWS / 10, "the run was not stopped half-way");
    // A start, then as many heartbeats as the attempt lived through (one every 10 s): no end.
    List<String> statuses = runRecords(topic).stream().map(r -> r.get("status").asText()).toList();
    assertEquals("started", statuses.get(0), statuses.toString());
    assertTrue(statuses.subList(1, statuses.size()).stream().allMatch("running"::equals), statuses.toString());
    resumeAndVerify(topic, runId, "bucket");
  }

  private static String awaitRunId(Path log, Process process) throws Exception {
    Pattern line = Pattern.compile("run:\\s+(\\S+) \\(input fingerprint");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      Matcher m = line.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        return m.group(1);
      }
      assertTrue(process.isAlive(), "the run ended before planning: " + Files.readString(log));
      Thread.sleep(200); // polling interval
    }
    throw new AssertionError("no run id printed: " + Files.readString(log));
  }

  @Test
  void aRunThatLostItsBrokerIsResumed() throws Exception {
    String topic = "ops-broker-lost";
    CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() -> PublishPredictions.run(options(args(topic,
        "--grouping=bundle", "--maxMessagesPerSecond=300",
        "--producerConfig=delivery.timeout.ms=8000,request.timeout.ms=3000,max.block.ms=5000"))));
    String runId;
    LocalKafkaBroker broker = KAFKA.broker();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (runRecords(topic).isEmpty()) {
        assertTrue(System.nanoTime() < deadline && !run.isDone(), "no run record: " + run);
        Thread.sleep(200); // polling interval
      }
      runId = runRecords(topic).get(0).get("run_id").asText();
      // 4 row groups of 500 messages, two read at once: past 1,100 messages two have arrived whole.
      awaitMessages(topic, runId, 1_100, null);
      broker.stop();
      assertThrows(Exception.class, () -> run.get(5, TimeUnit.MINUTES), "the run should fail without its broker");
    } finally {
      if (!broker.isRunning()) {
        broker.start();
      }
    }
    resumeAndVerify(topic, runId, "bundle");
  }

  @Test
  void aCompletedRunResumedSendsNothingAndSaysSo() throws Exception {
    String topic = "ops-completed";
    RunSummary first = PublishPredictions.run(options(args(topic)));
    assertTrue(first.reconciles(), first.toString());
    String runId = runRecords(topic).get(0).get("run_id").asText();
    long messages = KAFKA.records(topic).size();

    RunSummary again = PublishPredictions.run(options(args(topic, "--resume=" + runId)));
    assertTrue(again.wasNothingToSend() && again.reconciles(), again.toString());
    assertEquals(1, again.toString().lines().count(), again.toString());
    assertTrue(again.toString().startsWith("nothing to send: run " + runId + " completed at "), again.toString());
    assertEquals(messages, KAFKA.records(topic).size(), "nothing sent");
    assertEquals(List.of("started", "completed"), runRecords(topic).stream().map(r -> r.get("status").asText()).toList());
  }

  /**
   * A run's third attempt skips what its first attempt delivered, although the second attempt
   * started after those messages: a resume reads the topic from the run's first start. The
   * attempts are written here as a run writes them (start and failure records; a whole bucket's
   * messages under the run id), so that the chain is exact without killing three JVMs.
   */
  @Test
  void aResumeSeesWhatEveryEarlierAttemptDelivered() throws Exception {
    String topic = "ops-chain";
    String fingerprint = PublishPredictions.prepare(options(args(topic))).identity().fingerprint();
    String runId = "20261202-000000-0c4a1a1e";
    RunLedger ledger = new RunLedger(KAFKA.bootstrapServers(), Map.of());
    long firstStart = System.currentTimeMillis() - 60_000;
    ledger.write(topic + ".runs", runId, attempt(runId, "started", fingerprint, firstStart));
    Map<String, Object> producer = Map.of("bootstrap.servers", KAFKA.bootstrapServers());
    try (var send = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(producer,
        new org.apache.kafka.common.serialization.ByteArraySerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      for (int batch = 0; batch < 2; batch++) { // bucket 3, whole: batches 0 and 1, the last marked
        var record = new org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>(topic,
            MessageId.ofBucket(3, batch).toString().getBytes(StandardCharsets.UTF_8), "[]".getBytes(StandardCharsets.UTF_8));
        record.headers().add(PublishToKafka.RUN_ID_HEADER, runId.getBytes(StandardCharsets.UTF_8));
        if (batch == 1) {
          record.headers().add(PublishToKafka.LAST_HEADER, new byte[0]);
        }
        send.send(record).get();
      }
    }
    ledger.write(topic + ".runs", runId, attempt(runId, "failed", fingerprint, firstStart));
    long secondStart = System.currentTimeMillis() + 1_000; // after every message of the first attempt
    ledger.write(topic + ".runs", runId, attempt(runId, "started", fingerprint, secondStart));
    ledger.write(topic + ".runs", runId, attempt(runId, "failed", fingerprint, secondStart));

    var identity = PublishPredictions.prepare(options(args(topic, "--resume=" + runId))).identity();
    assertEquals(3, identity.attempt());
    assertEquals(List.of(3), java.util.Arrays.stream(identity.resume().completeGroups()).boxed().toList());
  }

  /** An attempt whose heartbeat is fresh holds the run: a resume is refused until its lease runs out, or taken over. */
  @Test
  void aRunThatIsAliveIsResumedOnlyWhenItsLeaseRanOutOrWithTakeOver() throws Exception {
    String topic = "ops-lease";
    String fingerprint = PublishPredictions.prepare(options(args(topic))).identity().fingerprint();
    RunLedger ledger = new RunLedger(KAFKA.bootstrapServers(), Map.of());
    String alive = "20261202-000000-0a11fe00";
    ledger.write(topic + ".runs", alive, attempt(alive, "started", fingerprint, System.currentTimeMillis()));
    LaunchException e = assertThrows(LaunchException.class,
        () -> PublishPredictions.prepare(options(args(topic, "--resume=" + alive))));
    assertEquals(1, e.getMessage().lines().count());
    assertTrue(e.getMessage().startsWith("--resume=" + alive + ": the run is alive (heartbeat at ")
        && e.getMessage().contains("--takeOver"), e.getMessage());
    assertEquals(2, PublishPredictions.prepare(options(args(topic, "--resume=" + alive, "--takeOver")))
        .identity().attempt());

    String dead = "20261202-000000-0dead000";
    long longAgo = System.currentTimeMillis() - 5 * 60_000;
    ledger.write(topic + ".runs", dead, attempt(dead, "started", fingerprint, longAgo));
    Map<String, Object> heartbeat = new HashMap<>(attempt(dead, "running", fingerprint, longAgo));
    heartbeat.put("heartbeat_at_millis", longAgo + 60_000);
    ledger.write(topic + ".runs", dead, heartbeat);
    assertEquals(2, PublishPredictions.prepare(options(args(topic, "--resume=" + dead))).identity().attempt());
  }

  /** A running attempt writes heartbeats until it ends; none follows its end. */
  @Test
  void aRunningAttemptWritesHeartbeats() throws Exception {
    String topic = "ops-heartbeat";
    var plan = PublishPredictions.prepare(options(args(topic)));
    var records = io.predictionrelay.run.RunRecords.of(plan, java.time.Instant.now());
    try (var lease = records.heartbeat(Duration.ofMillis(300))) {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (runRecords(topic).size() < 3) {
        assertTrue(System.nanoTime() < deadline, "fewer than 3 heartbeats in a minute");
        Thread.sleep(100); // polling interval
      }
    }
    int beats = runRecords(topic).size();
    assertTrue(beats >= 3, beats + " heartbeats");
    List<Long> times = runRecords(topic).stream().map(r -> r.get("heartbeat_at_millis").asLong()).toList();
    assertEquals(times.stream().sorted().toList(), times);
    assertTrue(runRecords(topic).stream().allMatch(r -> "running".equals(r.get("status").asText())));
    Thread.sleep(1_000); // three intervals: a heartbeat still scheduled would have been written
    assertEquals(beats, runRecords(topic).size(), "no heartbeat after the lease was closed");
  }

  private static Map<String, Object> attempt(String runId, String status, String fingerprint, long startedAt) {
    return Map.of("run_id", runId, "status", status, "input_fingerprint", fingerprint,
        "started_at_millis", startedAt, "started_at", java.time.Instant.ofEpochMilli(startedAt).toString());
  }

  @Test
  void aResumeOfAnotherInputIsRefused() throws Exception {
    String topic = "ops-changed";
    RunSummary summary = PublishPredictions.run(options(args(topic)));
    assertTrue(summary.reconciles(), summary.toString());
    String runId = runRecords(topic).get(0).get("run_id").asText();
    Path changed = dir.resolve("changed");
    GeneratePredictions.builder(changed).rows(100).classes(30).files(1).seed(99).build().run();
    LaunchException e = assertThrows(LaunchException.class, () -> PublishPredictions.run(options(concat(
        new String[] {"--input=" + changed, "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=" + topic,
            "--resume=" + runId}))));
    assertTrue(e.getMessage().startsWith("--resume=" + runId + ": the input or the options that shape its messages"
        + " changed since that run"), e.getMessage());
    e = assertThrows(LaunchException.class, () -> PublishPredictions.run(options(args(topic, "--resume=no-such-run"))));
    assertEquals("--resume=no-such-run: no run no-such-run in the run records of " + topic + ".runs", e.getMessage());
  }
}
