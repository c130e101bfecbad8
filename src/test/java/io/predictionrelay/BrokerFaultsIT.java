package io.predictionrelay;

import static io.predictionrelay.testing.Runs.concat;
import static io.predictionrelay.testing.Runs.options;
import static io.predictionrelay.testing.Runs.runWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.kafka.KafkaTopics;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.servers.LocalKafkaBroker;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.BeforeEach;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What the real broker's faults do to a run: each either survives with nothing lost or fails loudly. */
class BrokerFaultsIT {
  private static final int ROWS = 20_000;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  @BeforeAll
  static void generate() throws Exception {
    GeneratePredictions.builder(dir.resolve("input")).rows(ROWS).classes(30).files(2).seed(3).build().run();
  }

  private static String[] args(String topic, String... more) {
    return concat(new String[] {
        "--input=" + dir.resolve("input"), "--bootstrapServers=" + KAFKA.bootstrapServers(),
        "--topic=" + topic, "--deadLetterDir=" + dir.resolve(topic + "-dead"),
        "--runner=SparkRunner", "--sparkMaster=local[2]"}, more);
  }

  @Test
  void brokerDownAtLaunchFailsFastBeforeReadingTheInput() throws Exception {
    int nobody = freePort();
    long start = System.nanoTime();
    LaunchException e = assertThrows(LaunchException.class, () -> PublishPredictions.run(options(
        "--input=" + dir.resolve("does-not-exist"), "--bootstrapServers=127.0.0.1:" + nobody,
        "--brokerTimeoutSeconds=5")));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(e.getMessage().contains("--bootstrapServers=127.0.0.1:" + nobody), e.getMessage());
    assertTrue(seconds < 30, "took " + seconds + " s");
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void missingTopicIsCreatedOrRefused() throws Exception {
    LaunchException e = assertThrows(LaunchException.class,
        () -> PublishPredictions.run(options(args("never-created", "--createTopic=false"))));
    assertTrue(e.getMessage().contains("--topic never-created does not exist"), e.getMessage());

    RunSummary summary = PublishPredictions.run(options(args("created", "--partitions=4")));
    assertTrue(summary.reconciles(), summary.toString());
    try (KafkaTopics topics = KafkaTopics.connect(KAFKA.bootstrapServers(), Map.of(), Duration.ofSeconds(10))) {
      assertEquals(Optional.of(4), topics.describeTopic("created"));
    }
  }

  /** Messages handed on to the writer by {@link Gate}, and the count at which it holds them back. */
  private static final AtomicLong HANDED = new AtomicLong();
  private static final int GATE_AT = 500;
  private static volatile CountDownLatch release;

  @BeforeEach
  void closeTheGate() {
    HANDED.set(0);
    release = new CountDownLatch(1);
  }

  /**
   * Lets GATE_AT messages through, then holds every task back until the test releases it: the
   * broker can be taken away at a known point of the run, not at a time guessed with a sleep.
   * (Spark's local mode runs the tasks in the test's JVM, so they see these fields.)
   */
  static final class Gate extends PTransform<PCollection<EncodedMessage>, PCollection<EncodedMessage>> {
    @Override
    public PCollection<EncodedMessage> expand(PCollection<EncodedMessage> messages) {
      return messages.apply(ParDo.of(new DoFn<EncodedMessage, EncodedMessage>() {
        @ProcessElement
        public void process(@Element EncodedMessage m, OutputReceiver<EncodedMessage> out) throws Exception {
          if (HANDED.incrementAndGet() > GATE_AT) {
            release.await();
          }
          out.output(m);
        }
      }));
    }
  }

  /** Messages on every partition of the topic; 0 while the topic does not exist yet. */
  private static long messagesOn(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      try {
        admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
            .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          return 0;
        }
        throw e;
      }
      return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream()
          .mapToLong(ListOffsetsResultInfo::offset).sum();
    }
  }

  /** Waits until the gate holds the run back with messages already on the topic. */
  private static void awaitGateWithMessagesOn(String topic, CompletableFuture<?> run) throws Exception {
    await("the run to reach the gate with messages on " + topic, run,
        () -> HANDED.get() > GATE_AT && messagesOn(topic) > 0);
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(String what, CompletableFuture<?> run, Condition condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.holds()) {
      if (run.isDone()) {
        run.get(); // rethrows the run's failure
        throw new AssertionError("the run ended before " + what);
      }
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(50); // polling interval
    }
  }

  @Test
  void brokerRestartedMidRunLosesNothing() throws Exception {
    String topic = "restart";
    CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(
        () -> runWith(options(args(topic, "--partitions=2")), new Gate()));
    awaitGateWithMessagesOn(topic, run);
    LocalKafkaBroker broker = KAFKA.broker();
    broker.stop();
    long atStop = HANDED.get();
    release.countDown();
    // The outage itself: publishing goes on against no broker, the producer holds the records.
    await("publishing to go on during the outage", run, () -> HANDED.get() >= atStop + 200);
    assertTrue(!run.isDone(), "the run should still be waiting for the broker");
    broker.start();

    RunSummary summary = run.get(5, TimeUnit.MINUTES);
    assertTrue(summary.reconciles(), summary.toString());
    VerifyReport report =
        VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic).build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(0, report.missing());
    assertEquals(ROWS, report.received() - report.duplicatedPredictions());
  }

  @Test
  void brokerGoneForGoodFailsTheRun() throws Exception {
    String topic = "gone";
    CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() -> runWith(
        options(args(topic, "--partitions=2", "--producerConfig=delivery.timeout.ms=8000,request.timeout.ms=3000,max.block.ms=5000")),
        new Gate()));
    awaitGateWithMessagesOn(topic, run);
    LocalKafkaBroker broker = KAFKA.broker();
    broker.stop();
    release.countDown();
    try {
      Exception failure = assertThrows(Exception.class, () -> run.get(5, TimeUnit.MINUTES));
      assertTrue(org.apache.commons.lang3.exception.ExceptionUtils.getStackTrace(failure)
              .contains("failed to send"), "failure: " + failure);
    } finally {
      broker.start();
    }
  }
}
