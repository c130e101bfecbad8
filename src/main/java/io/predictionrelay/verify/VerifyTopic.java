package io.predictionrelay.verify;

import io.predictionrelay.input.FileColumns;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.RecordConverter;
import io.predictionrelay.input.TableColumns;
import io.predictionrelay.input.TableSnapshot;
import io.predictionrelay.kafka.KafkaClientConfig;
import io.predictionrelay.kafka.KafkaTopics;
import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.OptionValues;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.MessageOptions;
import io.predictionrelay.storage.FileSystemSetup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Proves a topic holds exactly the input: reads every publishable input row as the publisher
 * would ({@link RecordConverter}, same format options), reads the topic ({@link TopicReader}),
 * checks every message ({@link MessageChecker}) and reconciles both sides ({@link Reconciler}).
 * Memory stays bounded at any scale: both sides are spilled to disk in hash partitions of the id
 * ({@link Spill}), and each partition is reconciled on its own.
 */
public final class VerifyTopic {
  private static final int ROWS_PER_PARTITION = 250_000;
  /** How long the launch checks wait for the cluster to answer, as the reader waits for the topic. */
  private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

  private final VerifyOptions options;

  private VerifyTopic(VerifyOptions options) {
    this.options = options;
  }

  public static VerifyTopic of(VerifyOptions options) {
    return new VerifyTopic(options);
  }

  /**
   * Reads the input and the topic and reconciles them. The Kafka client properties, the cluster, the
   * credentials and the user's right to read the topic are checked first, before the input is read.
   *
   * @throws LaunchException one line naming the option, file or property at fault
   */
  public VerifyReport verify() throws IOException {
    Map<String, Object> clientConfig = checkKafka();
    // The input is read through the file systems the publisher reads it through.
    try {
      FileSystemSetup.configure(options,
          java.util.Arrays.stream(options.getInput().split(",")).map(String::trim).toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      throw new LaunchException(e.getMessage(), e);
    }
    FileSystems.setDefaultPipelineOptions(options);
    ParquetInput parquet = ParquetInput.describe(options.getInput(), TableColumns.of(options), TableSnapshot.At.of(options));
    MessageFormat format = MessageOptions.format(options, parquet.schema());
    int partitions = (int) Math.max(1, (parquet.totalRows() + ROWS_PER_PARTITION - 1) / ROWS_PER_PARTITION);
    Path work = Files.createTempDirectory("verify-topic");
    VerifyReport.Tally tally = new VerifyReport.Tally();
    try (Spill expected = new Spill(work.resolve("expected"), partitions);
        Spill received = new Spill(work.resolve("received"), partitions);
        Spill keys = new Spill(work.resolve("keys"), partitions)) {
      spillInput(parquet, format, expected, tally);
      MessageChecker checker = new MessageChecker(format, options.getMaxPredictionsPerMessage(),
          options.getMaxMessageBytes(), received, keys, tally);
      new TopicReader(options.getBootstrapServers(), clientConfig, options.getTopic(), options.getSince(),
          options.getMaxMessageBytes())
          .readAll(record -> {
            if (ofThisRun(record)) {
              checker.check(record);
            }
          }, () -> log("consumed %,d messages, %,d predictions", tally.messages, tally.received));
      log("consumed %,d messages, %,d predictions", tally.messages, tally.received);
      expected.close();
      received.close();
      keys.close();
      Reconciler reconciler = new Reconciler(parquet.schema().classCount(), tally);
      for (int p = 0; p < partitions; p++) {
        reconciler.predictions(expected.file(p), received.file(p));
        reconciler.keys(keys.file(p));
      }
    } finally {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted((a, b) -> b.compareTo(a)).forEach(f -> f.toFile().delete());
      }
    }
    return tally.report();
  }

  /**
   * The consumer's share of {@code --kafkaConfigFile}, once the cluster has accepted it and said the
   * user may read the topic: a wrong password or certificate is one line, not a consumer that waits.
   */
  private Map<String, Object> checkKafka() {
    ProducerSettings.checkBootstrapServers(options.getBootstrapServers());
    Map<String, Object> clientConfig =
        KafkaClientConfig.forConsumer(KafkaClientConfig.load(options.getKafkaConfigFile()));
    try (KafkaTopics topics = KafkaTopics.connect(options.getBootstrapServers(), clientConfig, KAFKA_TIMEOUT)) {
      topics.checkCanRead(options.getTopic());
    }
    return clientConfig;
  }

  private void spillInput(ParquetInput parquet, MessageFormat format, Spill expected, VerifyReport.Tally tally)
      throws IOException {
    RecordConverter converter =
        new RecordConverter(format, parquet.extraColumns(), options.getMaxMessageBytes());
    RecordConverter.Receiver receiver =
        new RecordConverter.Receiver() {
          @Override
          public void prediction(Prediction prediction) {
            tally.expected++;
            expected.write(prediction, "");
          }

          @Override
          public void deadLetter(DeadLetter deadLetter) {
            tally.expectedDeadLetters++;
          }
        };
    for (String file : parquet.files()) {
      List<String> partitionValues = parquet.partitionValues(file);
      FileColumns columns = parquet.columns(file);
      parquet.readRecords(file, record -> {
        tally.inputRows++;
        converter.convert(record, columns, partitionValues, receiver);
      });
    }
    log("read %,d input rows", tally.inputRows);
  }

  /** With {@code --runId}, only that run's messages are checked: the topic may hold others. */
  private boolean ofThisRun(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
    if (options.getRunId() == null) {
      return true;
    }
    org.apache.kafka.common.header.Header run =
        record.headers().lastHeader(io.predictionrelay.transforms.PublishToKafka.RUN_ID_HEADER);
    return run != null && new String(run.value(), java.nio.charset.StandardCharsets.UTF_8).equals(options.getRunId());
  }

  private void log(String format, Object... args) {
    if (options.getProgress()) {
      System.out.printf(format + "%n", args);
    }
  }

  /**
   * {@code --input=… [--topic=…] [--bootstrapServers=…] [--kafkaConfigFile=…] [--since=millis] [message
   * options]}. Exit code 0 when the topic holds exactly the input, 1 when it does not, 2 when a launch
   * check fails.
   */
  public static void main(String[] args) throws Exception {
    PipelineOptionsFactory.register(VerifyOptions.class);
    VerifyOptions options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(VerifyOptions.class);
      MessageOptions.check(options);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + OptionValues.describe(e, args));
      System.exit(2);
      return;
    } catch (LaunchException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    options.setProgress(true);
    VerifyReport report;
    try {
      report = of(options).verify();
    } catch (LaunchException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.println(report);
    System.exit(report.ok() ? 0 : 1);
  }
}
