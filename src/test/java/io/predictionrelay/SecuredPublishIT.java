package io.predictionrelay;

import static io.predictionrelay.servers.LocalKafkaBroker.READER;
import static io.predictionrelay.servers.LocalKafkaBroker.USERS;
import static io.predictionrelay.servers.LocalKafkaBroker.WRITER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.run.RunPlan;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.Leaks;
import io.predictionrelay.testing.Runs;
import io.predictionrelay.testing.SecuredKafkaExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyReport;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher and the verifier against a real SASL_SSL broker with SCRAM users and ACLs, given
 * nothing but their client properties files: every prediction arrives, on the Direct and the Spark
 * runner, and no password is left where a run leaves things: console, logs (at INFO), the run
 * report, dead letters, Beam's display data, the options Beam serializes, and Spark's UI.
 */
class SecuredPublishIT {
  private static final int ROWS = 4_000;

  @RegisterExtension static final SecuredKafkaExtension KAFKA = new SecuredKafkaExtension();
  @TempDir static Path dir;

  /** What the Spark UI's REST API answered while the run was going, by path; filled on the executor. */
  static final Map<String, String> SPARK_UI = new ConcurrentHashMap<>();

  @BeforeAll
  static void generate() throws Exception {
    GeneratePredictions.builder(dir.resolve("input")).rows(ROWS).classes(30).files(2).seed(17).build().run();
  }

  /** Every secret the broker knows, under a name for failure messages. */
  private static Map<String, String> secrets() {
    Map<String, String> secrets = new LinkedHashMap<>();
    USERS.forEach(user -> secrets.put(user + "'s password", KAFKA.broker().password(user)));
    secrets.put("the truststore password", KAFKA.broker().truststorePassword());
    return secrets;
  }

  private static PublishOptions options(String topic, String... more) throws IOException {
    return Runs.options(Runs.concat(new String[] {
      "--input=" + dir.resolve("input"),
      "--bootstrapServers=" + KAFKA.bootstrapServers(),
      "--kafkaConfigFile=" + KAFKA.clientProperties(WRITER),
      "--topic=" + topic,
      "--partitions=2",
      "--deadLetterDir=" + dir.resolve(topic + "-dead"),
      "--reportDir=" + dir.resolve(topic + "-reports"),
    }, more));
  }

  /** A run as {@link Runs#runWith} makes it, that also returns the display data of every transform and of the options. */
  private static Map.Entry<RunSummary, String> runCollectingDisplayData(
      PublishOptions options, PTransform<PCollection<EncodedMessage>, PCollection<EncodedMessage>> step) {
    RunPlan plan = PublishPredictions.prepare(options);
    Pipeline pipeline = Pipeline.create(options);
    PublishPredictions.publish(PublishPredictions.buildMessages(pipeline, plan).apply("TestStep", step), plan);
    List<String> displayData = new ArrayList<>();
    pipeline.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
        if (node.getTransform() != null) {
          displayData.add(node.getFullName() + ": " + DisplayData.from(node.getTransform()));
        }
        return CompositeBehavior.ENTER_TRANSFORM;
      }

      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        displayData.add(node.getFullName() + ": " + DisplayData.from(node.getTransform()));
      }
    });
    displayData.add("options: " + DisplayData.from(options));
    String all = String.join("\n", displayData);
    // A check that cannot fail is no check: KafkaIO's writer is there, with the settings it may show.
    assertTrue(all.contains("security.protocol=SASL_SSL") && all.contains("ssl.truststore.location="), all);
    return Map.entry(PublishPredictions.execute(pipeline, plan), all);
  }

  private static void verifyAsReader(String topic) throws IOException {
    VerifyReport report = VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic)
        .kafkaConfigFile(KAFKA.clientProperties(READER).toString())
        .build()
        .verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(ROWS, report.received(), report.toString());
    assertEquals(0, report.missing());
    assertEquals(0, report.mismatched());
  }

  private static void assertPublished(RunSummary summary) {
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.predictions());
    assertEquals(0, summary.deadLettered());
  }

  @Test
  void directRunnerPublishesEveryPredictionAndLeavesNoSecret() throws Exception {
    String topic = "secured-direct";
    PublishOptions options = options(topic, "--runner=DirectRunner");
    Leaks.Captured<Map.Entry<RunSummary, String>> run =
        Leaks.capture(() -> runCollectingDisplayData(options, new Pass()));
    assertPublished(run.result().getKey());
    verifyAsReader(topic);

    Map<String, String> secrets = secrets();
    assertTrue(run.logs().contains("ProducerConfig values"), "Kafka's INFO lines were not captured");
    Leaks.assertNone("the console", run.console(), secrets);
    Leaks.assertNone("the logs at INFO", run.logs(), secrets);
    Leaks.assertNone("Beam's display data", run.result().getValue(), secrets);
    Leaks.assertNone("the options", options.toString(), secrets);
    assertTrue(Leaks.assertNoneUnder(dir.resolve(topic + "-reports"), secrets) > 0, "no run report");
    Leaks.assertNoneUnder(dir.resolve(topic + "-dead"), secrets);
  }

  /**
   * On Spark, with its web UI on: the REST API's environment, jobs, stages and executors, read while
   * the run goes, hold no secret. The truststore password is also given in --producerConfig, the way
   * not to: it is masked in the options, with one warning.
   */
  @Test
  void sparkRunnerPublishesEveryPredictionAndItsUiShowsNoSecret() throws Exception {
    String topic = "secured-spark";
    int uiPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      uiPort = socket.getLocalPort();
    }
    String uiEnabled = System.getProperty("spark.ui.enabled");
    System.setProperty("spark.ui.enabled", "true");
    System.setProperty("spark.ui.port", Integer.toString(uiPort));
    Leaks.Captured<Map.Entry<RunSummary, String>> run;
    PublishOptions options = options(topic, "--runner=SparkRunner", "--sparkMaster=local[2]",
        "--producerConfig=linger.ms=10,ssl.truststore.password=" + KAFKA.broker().truststorePassword());
    try {
      run = Leaks.capture(() -> runCollectingDisplayData(options, new QuerySparkUi(uiPort)));
    } finally {
      if (uiEnabled == null) {
        System.clearProperty("spark.ui.enabled");
      } else {
        System.setProperty("spark.ui.enabled", uiEnabled);
      }
      System.clearProperty("spark.ui.port");
    }
    assertPublished(run.result().getKey());
    verifyAsReader(topic);

    Map<String, String> secrets = secrets();
    assertTrue(run.console().contains("warning: --producerConfig holds ssl.truststore.password:"), run.console());
    assertEquals("linger.ms=10,ssl.truststore.password=******", options.getProducerConfig());
    assertTrue(SPARK_UI.getOrDefault("environment", "").contains("spark.default.parallelism"),
        "the Spark UI's environment was not read: " + SPARK_UI.keySet());
    SPARK_UI.forEach((page, text) -> Leaks.assertNone("the Spark UI's " + page, text, secrets));
    assertEquals(List.of("environment", "executors", "jobs", "stages"), SPARK_UI.keySet().stream().sorted().toList());
    Leaks.assertNone("the console", run.console(), secrets);
    Leaks.assertNone("the logs at INFO", run.logs(), secrets);
    Leaks.assertNone("Beam's display data", run.result().getValue(), secrets);
    assertTrue(Leaks.assertNoneUnder(dir.resolve(topic + "-reports"), secrets) > 0, "no run report");
    Leaks.assertNoneUnder(dir.resolve(topic + "-dead"), secrets);
  }

  /** Lets every message through. */
  static final class Pass extends PTransform<PCollection<EncodedMessage>, PCollection<EncodedMessage>> {
    @Override
    public PCollection<EncodedMessage> expand(PCollection<EncodedMessage> messages) {
      return messages.apply(ParDo.of(new DoFn<EncodedMessage, EncodedMessage>() {
        @ProcessElement
        public void process(@Element EncodedMessage message, OutputReceiver<EncodedMessage> out) {
          out.output(message);
        }
      }));
    }
  }

  /** Lets every message through; the first one reads the Spark UI's REST API while the job runs. */
  static final class QuerySparkUi extends PTransform<PCollection<EncodedMessage>, PCollection<EncodedMessage>> {
    private final int port;

    QuerySparkUi(int port) {
      this.port = port;
    }

    @Override
    public PCollection<EncodedMessage> expand(PCollection<EncodedMessage> messages) {
      return messages.apply(ParDo.of(new QuerySparkUiFn(port)));
    }
  }

  static final class QuerySparkUiFn extends DoFn<EncodedMessage, EncodedMessage> {
    private static final Pattern APP_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private final int port;

    QuerySparkUiFn(int port) {
      this.port = port;
    }

    @ProcessElement
    public void process(@Element EncodedMessage message, OutputReceiver<EncodedMessage> out) throws Exception {
      if (SPARK_UI.isEmpty()) {
        synchronized (SPARK_UI) {
          if (SPARK_UI.isEmpty()) {
            read();
          }
        }
      }
      out.output(message);
    }

    private void read() throws Exception {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + port + "/api/v1/applications";
      Matcher id = APP_ID.matcher(get(http, base));
      if (!id.find()) {
        throw new IllegalStateException("no application at " + base);
      }
      for (String page : List.of("environment", "jobs", "stages", "executors")) {
        SPARK_UI.put(page, get(http, base + "/" + id.group(1) + "/" + page));
      }
    }

    private static String get(HttpClient http, String url) throws Exception {
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(url + ": HTTP " + response.statusCode());
      }
      return response.body();
    }
  }
}
