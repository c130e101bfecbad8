package io.predictionrelay.verify;

import io.predictionrelay.input.FileColumns;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.ParquetInput.FileStamp;
import io.predictionrelay.input.Published;
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
import io.predictionrelay.run.RunLedger;
import io.predictionrelay.storage.FileSystemSetup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Proves a topic holds exactly the input: reads every publishable input row as the publisher
 * would ({@link RecordConverter}, same format options), reads the topic ({@link TopicReader}),
 * checks every message ({@link MessageChecker}) and reconciles both sides ({@link Reconciler}).
 * Memory stays bounded at any scale: both sides are spilled to disk in hash partitions of the id
 * ({@link Spill}), and each partition is reconciled on its own.
 *
 * <p>An incremental run ({@code --runId} of a run whose record says it published changes, {@link
 * ChangesBase}) is held to the changes since its base, worked out here from both snapshots read whole.
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
    Optional<ChangesBase> changes = options.getRunId() == null ? Optional.empty()
        : ChangesBase.of(new RunLedger(options.getBootstrapServers(), clientConfig), ChangesBase.runsTopic(options),
            options.getRunId());
    changes.ifPresent(c -> c.checkReads(Published.of(parquet)));
    ParquetInput base = changes.filter(c -> c.base().format() != Published.Format.FILES)
        .map(c -> baseSnapshot(c, parquet)).orElse(null);
    int partitions = (int) Math.max(1, (parquet.totalRows() + ROWS_PER_PARTITION - 1) / ROWS_PER_PARTITION);
    Path work = Files.createTempDirectory("verify-topic");
    VerifyReport.Tally tally = new VerifyReport.Tally();
    tally.changes = changes.map(ChangesBase::describe).orElse(null);
    boolean checkDeleted = base != null && options.getDeletedIds() != null;
    tally.deletedIdsChecked = checkDeleted;
    try (Spill expected = new Spill(work.resolve("expected"), partitions);
        Spill received = new Spill(work.resolve("received"), partitions);
        Spill keys = new Spill(work.resolve("keys"), partitions);
        Spill baseRows = base == null ? null : new Spill(work.resolve("base"), partitions);
        Spill deleted = checkDeleted ? new Spill(work.resolve("deleted"), partitions) : null) {
      Set<String> unchangedFiles = changes.map(c -> unchangedFiles(c, parquet)).orElse(Set.of());
      spillInput(parquet, format, unchangedFiles, expected, tally);
      if (base != null) {
        spillBase(base, format, baseRows);
      }
      if (checkDeleted) {
        spillDeletedIds(Path.of(options.getDeletedIds()), deleted);
      }
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
      if (baseRows != null) {
        baseRows.close();
      }
      if (deleted != null) {
        deleted.close();
      }
      Reconciler reconciler = new Reconciler(parquet.schema().classCount(), tally);
      for (int p = 0; p < partitions; p++) {
        reconciler.predictions(expected.file(p), received.file(p), baseRows == null ? null : baseRows.file(p),
            deleted == null ? null : deleted.file(p));
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

  /**
   * Spills the rows the topic should hold. For an incremental run over plain files, the rows of the
   * files whose stamp is the base's are not expected: they are only counted.
   */
  private void spillInput(ParquetInput parquet, MessageFormat format, Set<String> unchangedFiles, Spill expected,
      VerifyReport.Tally tally) throws IOException {
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
      boolean unchanged = unchangedFiles.contains(file);
      parquet.readRecords(file, record -> {
        tally.inputRows++;
        if (unchanged) {
          tally.unchanged++;
        } else {
          converter.convert(record, columns, partitionValues, receiver);
        }
      });
    }
    log("read %,d input rows", tally.inputRows);
  }

  /** The base's snapshot of a Delta or Iceberg table, read again by time travel, with the same columns. */
  private ParquetInput baseSnapshot(ChangesBase changes, ParquetInput input) {
    ParquetInput base = ParquetInput.describe(changes.base().table(), TableColumns.of(options),
        new TableSnapshot.At(changes.base().version(), null));
    if (!base.schema().equals(input.schema()) || !base.extraColumns().equals(input.extraColumns())) {
      throw new LaunchException(changes.describe() + ": the base's columns (" + base.schema()
          + ") are not the input's (" + input.schema() + ")");
    }
    return base;
  }

  /** Spills the base snapshot's publishable rows, to tell the changed rows from the others. */
  private void spillBase(ParquetInput base, MessageFormat format, Spill baseRows) throws IOException {
    RecordConverter converter = new RecordConverter(format, base.extraColumns(), options.getMaxMessageBytes());
    RecordConverter.Receiver receiver = new RecordConverter.Receiver() {
      @Override
      public void prediction(Prediction prediction) {
        baseRows.write(prediction, "");
      }

      @Override
      public void deadLetter(DeadLetter deadLetter) {
        // a row the base could not publish: not a change to expect
      }
    };
    long[] rows = {0};
    for (String file : base.files()) {
      List<String> partitionValues = base.partitionValues(file);
      FileColumns columns = base.columns(file);
      base.readRecords(file, record -> {
        rows[0]++;
        converter.convert(record, columns, partitionValues, receiver);
      });
    }
    log("read %,d rows of the base snapshot", rows[0]);
  }

  /** The plain files an incremental run did not read: the same path, size and modification time as the base's. */
  private static Set<String> unchangedFiles(ChangesBase changes, ParquetInput input) {
    if (changes.base().format() != Published.Format.FILES) {
      return Set.of();
    }
    Map<String, FileStamp> before = changes.baseStamps();
    Set<String> unchanged = new HashSet<>();
    for (FileStamp stamp : input.fileStamps()) {
      if (stamp.equals(before.get(stamp.path()))) {
        unchanged.add(stamp.path());
      }
    }
    return unchanged;
  }

  /** The ids the run listed as deleted: every line of the {@code .txt} files under {@code dir}. */
  private static void spillDeletedIds(Path dir, Spill deleted) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new LaunchException("--deletedIds=" + dir + ": no such directory");
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".txt")).sorted().toList()) {
        for (String id : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!id.isEmpty()) {
            deleted.writeKey(id, 0, 0);
          }
        }
      }
    }
  }

  /** With {@code --runId}, only that run's messages are checked: the topic may hold others. */
  private boolean ofThisRun(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
    if (options.getRunId() == null) {
      return true;
    }
    org.apache.kafka.common.header.Header run =
        record.headers().lastHeader(io.predictionrelay.transforms.PublishToKafka.RUN_ID_HEADER);
    return run != null && new String(run.value(), StandardCharsets.UTF_8).equals(options.getRunId());
  }

  private void log(String format, Object... args) {
    if (options.getProgress()) {
      System.out.printf(format + "%n", args);
    }
  }

  /**
   * {@code --input=… [--topic=…] [--bootstrapServers=…] [--kafkaConfigFile=…] [--since=millis] [--runId=…
   * [--runsTopic=…] [--deletedIds=DIR]] [message options]}. Exit code 0 when the topic holds exactly the input, 1 when it does not, 2 when a launch
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
