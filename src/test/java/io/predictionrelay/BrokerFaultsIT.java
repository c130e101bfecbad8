package io.predictionrelay;

import static io.predictionrelay.testing.Runs.concat;
import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.io.KafkaTopics;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.tools.LocalKafkaBroker;
import io.predictionrelay.tools.VerifyTopic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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

  /** Holds each message back a little, so that publishing lasts long enough to be interrupted. */
  static final class SlowDown extends PublishPredictions.MessageHook {
    @Override
    public PCollection<EncodedMessage> expand(PCollection<EncodedMessage> messages) {
      return messages.apply(ParDo.of(new DoFn<EncodedMessage, EncodedMessage>() {
        @ProcessElement
        public void process(@Element EncodedMessage m, OutputReceiver<EncodedMessage> out) throws Exception {
          Thread.sleep(1);
          out.output(m);
        }
      }));
    }
  }

  private static long messagesOn(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      var latest = admin.listOffsets(Map.of(
          new TopicPartition(topic, 0), OffsetSpec.latest(), new TopicPartition(topic, 1), OffsetSpec.latest()))
          .all().get(5, TimeUnit.SECONDS);
      return latest.values().stream().mapToLong(o -> o.offset()).sum();
    } catch (Exception notYet) {
      return 0;
    }
  }

  private static void awaitMessages(String topic, CompletableFuture<?> run) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (messagesOn(topic) == 0) {
      assertTrue(System.nanoTime() < deadline && !run.isDone(), "publishing never started: " + run);
      Thread.sleep(100);
    }
  }

  @Test
  void brokerRestartedMidRunLosesNothing() throws Exception {
    String topic = "restart";
    CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(
        () -> PublishPredictions.run(options(args(topic, "--partitions=2")), new SlowDown()));
    awaitMessages(topic, run);
    LocalKafkaBroker broker = KAFKA.broker();
    broker.stop();
    Thread.sleep(3000); // the outage itself: the broker stays down a few seconds
    assertTrue(!run.isDone(), "the run should still be waiting for the broker");
    broker.start();

    RunSummary summary = run.get(5, TimeUnit.MINUTES);
    assertTrue(summary.reconciles(), summary.toString());
    VerifyTopic.Report report =
        VerifyTopic.builder(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic).build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(0, report.missing);
    assertEquals(ROWS, report.received - report.duplicatedPredictions);
  }

  @Test
  void brokerGoneForGoodFailsTheRun() throws Exception {
    String topic = "gone";
    CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() -> PublishPredictions.run(
        options(args(topic, "--partitions=2", "--producerConfig=delivery.timeout.ms=8000,request.timeout.ms=3000,max.block.ms=5000")),
        new SlowDown()));
    awaitMessages(topic, run);
    LocalKafkaBroker broker = KAFKA.broker();
    broker.stop();
    try {
      Exception failure = assertThrows(Exception.class, () -> run.get(5, TimeUnit.MINUTES));
      assertTrue(org.apache.commons.lang3.exception.ExceptionUtils.getStackTrace(failure)
              .contains("failed to send"), "failure: " + failure);
    } finally {
      broker.start();
    }
  }
}
