package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.predictionrelay.run.RunLedger;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.transforms.PublishToKafka;
import io.predictionrelay.verify.VerifyReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run, killed with SIGKILL again and again at random points and resumed each time with
 * {@code --resume --takeOver} until an attempt completes: after de-duplication by key every
 * prediction is there exactly once, and the runs topic tells the whole history.
 *
 * <p>Each attempt is a JVM of its own on Spark's local mode. A kill point is drawn from a seeded
 * {@link Random}: either as soon as the attempt's {@code started} record is on the runs topic (it is
 * then reading and shuffling, nothing of it published), or once it has put a random share (up to
 * 60%) of the messages still missing on the topic. An attempt that completes before its kill point
 * ends the chain (the kill came too late, as it can in production). The seed is printed; {@code -Dchaos.seed=N}
 * draws the same points again ({@code -Dchaos.kills=N}: how many attempts are killed, 3 by default).
 * Where exactly a kill lands also depends on timing, so the figures printed differ from run to run.
 *
 * <p>The bound on duplicates: after kill k the topic holds some messages of buckets that arrived in
 * part (the buckets in flight at the kill; {@code RunLedger.Delivered#messagesToResend}); attempt k+1
 * sends those buckets again from their first message, each message at most once, and skips every
 * bucket that arrived whole. So attempt k+1 adds at most that many copies, exactly that many if it
 * completes, and the run's duplicates are at most the sum over the kills of the messages in flight.
 */
class ChaosIT {
  private static final int ROWS = 20_000;
  /** 100 buckets of about 200 rows, about 21 messages each: a kill leaves a few buckets in part. */
  private static final int ROWS_PER_BUCKET = 200;
  /** Messages of the run at the least: 10 predictions each. */
  private static final int MESSAGES = ROWS / 10;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  /** What one attempt left behind. */
  private record Attempt(int number, String killedAt, long inFlight, long resendAnnounced, long duplicatesAdded,
      long seconds, long cpuSeconds) {}

  @Test
  void aRunKilledAtRandomPointsAndResumedUntilCompleteDeliversEveryPredictionOnce() throws Exception {
    long seed = Long.getLong("chaos.seed", System.nanoTime());
    int kills = Integer.getInteger("chaos.kills", 3);
    System.out.println("ChaosIT: seed " + seed + " (-Dchaos.seed=" + seed + " draws the same kill points), "
        + kills + " kills");
    Random random = new Random(seed);
    GeneratePredictions.builder(dir.resolve("input")).rows(ROWS).classes(30).files(4).seed(17).build().run();
    String topic = "chaos";

    String runId = null;
    long announced = 0; // what the attempt being run said it would send twice
    long duplicates = 0;
    List<Attempt> attempts = new ArrayList<>();
    for (int attempt = 1; ; attempt++) {
      List<String> more = new ArrayList<>();
      if (runId != null) {
        more.addAll(List.of("--resume=" + runId, "--takeOver")); // its driver was killed: we know it is dead
      }
      boolean kill = attempt <= kills;
      boolean beforeFirstMessage = kill && random.nextInt(4) == 0;
      double share = random.nextDouble() * 0.6;
      Path log = dir.resolve("attempt-" + attempt + ".log");
      long started = System.nanoTime();
      Process process = start(topic, log, more);
      String killedAt = "-";
      long cpu = 0;
      try {
        runId = runId == null ? awaitRunId(log, process) : runId;
        if (attempt > 1) {
          announced = announcedResend(log, process, attempt);
        }
        String id = runId;
        int number = attempt;
        if (kill && beforeFirstMessage) {
          killedAt = "its start record";
          awaitOrEnd(process, log, killedAt, () -> hasStarted(topic, id, number));
        } else if (kill) {
          long before = tally(topic, id).messages();
          long missing = Math.max(1, MESSAGES - tally(topic, id).distinct());
          long at = before + Math.max(1, (long) Math.ceil(share * missing));
          killedAt = at + " messages (" + Math.round(share * 100) + "% of the " + missing + " missing)";
          awaitOrEnd(process, log, killedAt, () -> tally(topic, id).messages() >= at);
        }
        if (kill) {
          cpu = cpuSeconds(process);
          process.destroyForcibly(); // SIGKILL, as kill -9
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
          assertTrue(System.nanoTime() < deadline, "attempt " + attempt + " did not end: " + read(log));
          cpu = cpuSeconds(process);
        }
      } finally {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
      if (process.exitValue() == 0) {
        // The last attempt, or one that completed before its kill point was reached.
        Tally tally = tally(topic, runId);
        assertEquals(announced, tally.duplicates() - duplicates,
            "the completing attempt adds a copy of exactly the messages in flight it announced, seed " + seed);
        attempts.add(new Attempt(attempt, kill ? "completed before its kill at " + killedAt : "completed",
            0, announced, tally.duplicates() - duplicates, secondsSince(started), cpu));
        duplicates = tally.duplicates();
        break;
      }
      assertEquals(128 + 9, process.exitValue(), "attempt " + attempt + " ended by itself: " + read(log));
      Thread.sleep(1_000); // a request the killed JVM wrote before it died may still be on its way
      RunLedger.Delivered delivered = delivered(topic, runId);
      Tally tally = tally(topic, runId);
      long added = tally.duplicates() - duplicates;
      assertTrue(added <= announced, "attempt " + attempt + " added " + added + " copies, more than the "
          + announced + " messages in flight it announced, seed " + seed);
      attempts.add(new Attempt(attempt, "killed at " + killedAt + ", then " + tally.messages() + " messages of the"
          + " run on the topic", delivered.messagesToResend(), announced, added, secondsSince(started), cpu));
      duplicates = tally.duplicates();
    }

    for (Attempt a : attempts) {
      System.out.println("ChaosIT attempt " + a.number() + " (" + a.seconds() + " s, " + a.cpuSeconds() + " CPU s): "
          + a.killedAt()
          + "; copies it added " + a.duplicatesAdded() + " (it announced " + a.resendAnnounced()
          + "); in flight at its kill " + a.inFlight());
    }
    long inFlight = attempts.stream().mapToLong(Attempt::inFlight).sum();
    System.out.println("ChaosIT: " + duplicates + " duplicated messages in all, bound " + inFlight
        + " (messages in flight, summed over " + (attempts.size() - 1) + " kills), seed " + seed);
    for (int k = 1; k < attempts.size(); k++) {
      // What attempt k+1 said it would send twice is what the topic held of the buckets in flight at kill k.
      assertEquals(attempts.get(k - 1).inFlight(), attempts.get(k).resendAnnounced(), "attempt " + (k + 1));
    }
    assertTrue(duplicates <= inFlight, duplicates + " duplicates, " + inFlight + " in flight, seed " + seed);

    VerifyReport report = VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic)
        .runId(runId).build().verify();
    System.out.println(report);
    assertTrue(report.ok(), report + "\nseed " + seed);
    assertEquals(0, report.missing());
    assertEquals(0, report.conflictingKeys());
    assertEquals(ROWS, report.received() - report.duplicatedPredictions(), report.toString());
    assertEquals(duplicates, report.duplicatedMessages(), report.toString());
    assertTrue(attempts.size() > 1, "no attempt was killed: " + attempts);
    assertHistory(topic, runId, attempts.size());
  }

  /**
   * The run's records, oldest first: attempts 1 to n in order, each opening with its start; the
   * killed ones with no end (no {@code completed}, no {@code failed}), the last ending {@code completed}.
   */
  private static void assertHistory(String topic, String runId, int attempts) {
    List<JsonNode> records = new RunLedger(KAFKA.bootstrapServers(), Map.of()).records(topic + ".runs", runId);
    List<Integer> numbers = records.stream().map(r -> r.get("attempt").asInt()).toList();
    assertEquals(numbers.stream().sorted().toList(), numbers, "attempts in order: " + numbers);
    assertEquals(attempts, numbers.stream().distinct().count(), "attempts: " + numbers);
    for (int attempt = 1; attempt <= attempts; attempt++) {
      int number = attempt;
      List<String> statuses = records.stream().filter(r -> r.get("attempt").asInt() == number)
          .map(r -> r.get("status").asText()).toList();
      assertEquals("started", statuses.get(0), "attempt " + attempt + ": " + statuses);
      List<String> rest = statuses.subList(1, statuses.size());
      if (attempt < attempts) {
        assertTrue(rest.stream().allMatch("running"::equals), "killed attempt " + attempt + ": " + statuses);
      } else {
        assertEquals("completed", rest.get(rest.size() - 1), "last attempt: " + statuses);
        assertTrue(rest.subList(0, rest.size() - 1).stream().allMatch("running"::equals), statuses.toString());
      }
      JsonNode start = records.stream().filter(r -> r.get("attempt").asInt() == number).findFirst().orElseThrow();
      assertEquals(attempt > 1, start.get("resumed").asBoolean(), start.toString());
    }
    System.out.println("ChaosIT history: " + numbers.size() + " records, attempts " + numbers);
  }

  private static long secondsSince(long nanoTime) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - nanoTime);
  }

  /** The CPU time of a running attempt so far. */
  private static long cpuSeconds(Process process) {
    return process.info().totalCpuDuration().map(Duration::toSeconds).orElse(0L);
  }

  private static Process start(String topic, Path log, List<String> more) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + Path.of(".mvn/jvm.config").toAbsolutePath(), "-Xmx1g",
        "-cp", System.getProperty("java.class.path"), PublishPredictions.class.getName(),
        "--input=" + dir.resolve("input"), "--bootstrapServers=" + KAFKA.bootstrapServers(),
        "--topic=" + topic, "--deadLetterDir=" + dir.resolve("dead"), "--reportDir=" + dir.resolve("reports"),
        "--runner=SparkRunner", "--sparkMaster=local[2]", "--rowsPerBucket=" + ROWS_PER_BUCKET,
        "--maxMessagesPerSecond=300"));
    command.addAll(more);
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void await(Process process, Path log, String what, BooleanSupplier condition) throws Exception {
    awaitOrEnd(process, log, what, condition);
    assertTrue(process.isAlive() || condition.getAsBoolean(), () -> "the attempt ended before " + what + ": " + read(log));
  }

  /** Waits until {@code condition} holds or the attempt ends (it may complete before a kill point). */
  private static void awaitOrEnd(Process process, Path log, String what, BooleanSupplier condition)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
    while (process.isAlive() && !condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, () -> "never " + what + ": " + read(log));
      Thread.sleep(100); // polling interval
    }
  }

  private static String awaitRunId(Path log, Process process) throws Exception {
    Pattern line = Pattern.compile("run:\\s+(\\S+) \\(input fingerprint");
    String[] found = new String[1];
    await(process, log, "a run id printed", () -> {
      Matcher m = line.matcher(read(log));
      return m.find() && (found[0] = m.group(1)) != null;
    });
    return found[0];
  }

  /** The messages the resume says are on the topic of the buckets it sends again, from its start line. */
  private static long announcedResend(Path log, Process process, int attempt) throws Exception {
    Pattern line = Pattern.compile("resume:\\s+attempt (\\d+), .*\\((\\d+) of their messages already there");
    long[] found = new long[1];
    await(process, log, "the resume's start line", () -> {
      Matcher m = line.matcher(read(log));
      if (m.find()) {
        assertEquals(attempt, Integer.parseInt(m.group(1)), read(log));
        found[0] = Long.parseLong(m.group(2));
        return true;
      }
      return false;
    });
    return found[0];
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static boolean hasStarted(String topic, String runId, int attempt) {
    return new RunLedger(KAFKA.bootstrapServers(), Map.of()).records(topic + ".runs", runId).stream()
        .anyMatch(r -> r.get("attempt").asInt() == attempt && "started".equals(r.get("status").asText()));
  }

  private static RunLedger.Delivered delivered(String topic, String runId) {
    return new RunLedger(KAFKA.bootstrapServers(), Map.of())
        .delivered(topic, runId, 0, PublishToKafka.RUN_ID_HEADER, PublishToKafka.LAST_HEADER);
  }

  /** The run's messages on the topic, and under how many keys. */
  private record Tally(long messages, long distinct) {
    long duplicates() {
      return messages - distinct;
    }
  }

  private static Tally tally(String topic, String runId) {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
    byte[] id = runId.getBytes(StandardCharsets.UTF_8);
    long messages = 0;
    Set<String> keys = new HashSet<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos == null || infos.isEmpty()) {
        return new Tally(0, 0);
      }
      List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          Header run = record.headers().lastHeader(PublishToKafka.RUN_ID_HEADER);
          if (run != null && java.util.Arrays.equals(run.value(), id)) {
            messages++;
            keys.add(new String(record.key(), StandardCharsets.UTF_8));
          }
        }
      }
    }
    return new Tally(messages, keys.size());
  }
}
