package io.predictionrelay.tools;

import io.predictionrelay.io.ParquetInput;
import io.predictionrelay.io.RecordConverter;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.transforms.PublishToKafka;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Proves a topic holds exactly the input: consumes it (from the beginning, or from a time) up to
 * the end offsets seen at start, reads every message in the expected {@link MessageFormat}, and
 * reconciles every prediction with the input Parquet rows that are publishable, rounded as the
 * format asks. Memory stays bounded at any scale: both sides are spilled to disk in hash
 * partitions of id_client, and each partition is reconciled on its own.
 */
public final class VerifyTopic {
  private static final int ROWS_PER_PARTITION = 250_000;
  private static final int SAMPLE = 10;

  private final String input;
  private final String bootstrapServers;
  private final String topic;
  private final Long sinceMillis;
  private final int maxPredictions;
  private final int maxBytes;
  private final MessageFormat.Layout layout;
  private final int doublePrecision;
  private final boolean progress;

  private VerifyTopic(Builder b) {
    this.input = b.input;
    this.bootstrapServers = b.bootstrapServers;
    this.topic = b.topic;
    this.sinceMillis = b.sinceMillis;
    this.maxPredictions = b.maxPredictions;
    this.maxBytes = b.maxBytes;
    this.layout = b.layout;
    this.doublePrecision = b.doublePrecision;
    this.progress = b.progress;
  }

  public static Builder builder(String input, String bootstrapServers, String topic) {
    return new Builder(input, bootstrapServers, topic);
  }

  /** What to verify. */
  public static final class Builder {
    private final String input;
    private final String bootstrapServers;
    private final String topic;
    private Long sinceMillis;
    private int maxPredictions = 10;
    private int maxBytes = 1_000_000;
    private MessageFormat.Layout layout = MessageFormat.Layout.OBJECTS;
    private int doublePrecision = MessageFormat.SHORTEST;
    private boolean progress;

    private Builder(String input, String bootstrapServers, String topic) {
      this.input = input;
      this.bootstrapServers = bootstrapServers;
      this.topic = topic;
    }

    /** Only messages written at or after this time (epoch milliseconds). */
    public Builder since(long epochMillis) {
      sinceMillis = epochMillis;
      return this;
    }

    public Builder maxPredictionsPerMessage(int value) {
      maxPredictions = value;
      return this;
    }

    public Builder maxMessageBytes(int value) {
      maxBytes = value;
      return this;
    }

    /** The layout the messages were published in. */
    public Builder layout(MessageFormat.Layout value) {
      layout = value;
      return this;
    }

    /** The significant digits the publisher rounded to; 0 when it kept doubles exact. */
    public Builder doublePrecision(int value) {
      doublePrecision = value;
      return this;
    }

    public Builder progress(boolean value) {
      progress = value;
      return this;
    }

    public VerifyTopic build() {
      return new VerifyTopic(this);
    }
  }

  /** The outcome; {@link #ok()} when nothing is missing or corrupt. Duplicates are reported, not failed. */
  public static final class Report {
    public long inputRows;
    public long expectedDeadLetters;
    public long expected;
    public long messages;
    public long received;
    public long missing;
    public long duplicatedPredictions;
    public long duplicatedMessages;
    public long unexpected;
    public long mismatched;
    public long invalidMessages;
    public long overCountCap;
    public long overByteCap;
    public long headerMismatches;
    public final List<String> missingSample = new ArrayList<>();
    public final List<String> duplicateSample = new ArrayList<>();
    public final List<String> problemSample = new ArrayList<>();

    public boolean ok() {
      return missing == 0 && unexpected == 0 && mismatched == 0 && invalidMessages == 0
          && overCountCap == 0 && overByteCap == 0 && headerMismatches == 0;
    }

    @Override
    public String toString() {
      StringBuilder s = new StringBuilder("verification\n");
      s.append(String.format("  input rows               %,d (%,d expected as dead letters)%n", inputRows, expectedDeadLetters));
      s.append(String.format("  predictions expected     %,d%n", expected));
      s.append(String.format("  messages consumed        %,d%n", messages));
      s.append(String.format("  predictions received     %,d%n", received));
      s.append(String.format("  missing                  %,d%s%n", missing, sample(missingSample)));
      s.append(String.format("  duplicated predictions   %,d%s%n", duplicatedPredictions, sample(duplicateSample)));
      s.append(String.format("  duplicated message keys  %,d%n", duplicatedMessages));
      s.append(String.format("  not in the input         %,d%n", unexpected));
      s.append(String.format("  differing from input     %,d%n", mismatched));
      s.append(String.format("  not JSON of the layout   %,d%n", invalidMessages));
      s.append(String.format("  over the count cap       %,d%n", overCountCap));
      s.append(String.format("  over the byte cap        %,d%n", overByteCap));
      s.append(String.format("  header count mismatches  %,d%n", headerMismatches));
      if (!problemSample.isEmpty()) {
        s.append("  problems, e.g.\n");
        problemSample.forEach(p -> s.append("    ").append(p).append('\n'));
      }
      s.append(ok() ? "  OK: every expected prediction arrived intact" : "  FAILED");
      return s.toString();
    }

    private static String sample(List<String> sample) {
      return sample.isEmpty() ? "" : "  e.g. " + String.join(", ", sample);
    }

    private static void addSample(List<String> sample, String value) {
      if (sample.size() < SAMPLE) {
        sample.add(value);
      }
    }
  }

  public Report verify() throws IOException {
    ParquetInput parquet = ParquetInput.describe(input);
    PredictionSchema schema = parquet.schema();
    MessageFormat format =
        MessageFormat.of(schema).withLayout(layout).withDoublePrecision(doublePrecision);
    int partitions = (int) Math.max(1, (parquet.totalRows() + ROWS_PER_PARTITION - 1) / ROWS_PER_PARTITION);
    Path work = Files.createTempDirectory("verify-topic");
    Report report = new Report();
    try (Spill expected = new Spill(work.resolve("expected"), partitions);
        Spill received = new Spill(work.resolve("received"), partitions);
        Spill keys = new Spill(work.resolve("keys"), partitions)) {
      spillInput(parquet, format, expected, report);
      consume(new PredictionJson(format), received, keys, report);
      expected.close();
      received.close();
      keys.close();
      for (int p = 0; p < partitions; p++) {
        reconcile(expected.file(p), received.file(p), schema.classCount(), report);
        countDuplicateKeys(keys.file(p), report);
      }
    } finally {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted((a, b) -> b.compareTo(a)).forEach(f -> f.toFile().delete());
      }
    }
    return report;
  }

  private void spillInput(ParquetInput parquet, MessageFormat format, Spill expected, Report report)
      throws IOException {
    RecordConverter converter = new RecordConverter(format, maxBytes);
    RecordConverter.Sink sink =
        new RecordConverter.Sink() {
          @Override
          public void prediction(Prediction prediction) {
            report.expected++;
            expected.write(prediction.idClient(), prediction.probabilities(), "");
          }

          @Override
          public void deadLetter(DeadLetter deadLetter) {
            report.expectedDeadLetters++;
          }
        };
    for (String file : parquet.files()) {
      parquet.readRecords(file, record -> {
        report.inputRows++;
        converter.convert(record, sink);
      });
    }
    log("read %,d input rows", report.inputRows);
  }

  private void consume(PredictionJson json, Spill received, Spill keys, Report report) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Math.max(1 << 20, maxBytes + 4096));
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist at " + bootstrapServers);
      }
      List<TopicPartition> partitions =
          infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      seekToStart(consumer, partitions, end);
      long lastLog = System.nanoTime();
      while (!caughtUp(consumer, end)) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
            check(record, json, received, keys, report);
          }
        }
        if (System.nanoTime() - lastLog > 5_000_000_000L) {
          log("consumed %,d messages, %,d predictions", report.messages, report.received);
          lastLog = System.nanoTime();
        }
      }
    }
    log("consumed %,d messages, %,d predictions", report.messages, report.received);
  }

  private void seekToStart(
      KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
    if (sinceMillis == null) {
      consumer.seekToBeginning(partitions);
      return;
    }
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(p -> times.put(p, sinceMillis));
    Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
    for (TopicPartition p : partitions) {
      OffsetAndTimestamp at = offsets.get(p);
      consumer.seek(p, at == null ? end.get(p) : at.offset());
    }
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void check(
      ConsumerRecord<byte[], byte[]> record, PredictionJson json, Spill received, Spill keys, Report report) {
    report.messages++;
    String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
    keys.write(key, new double[0], "");
    byte[] value = record.value();
    if (value == null || value.length > maxBytes) {
      report.overByteCap++;
      Report.addSample(report.problemSample, key + ": " + (value == null ? "null value" : value.length + " bytes"));
    }
    List<Prediction> predictions;
    try {
      predictions = json.decode(value == null ? new byte[0] : value);
    } catch (IllegalArgumentException e) {
      report.invalidMessages++;
      Report.addSample(report.problemSample, key + ": " + e.getMessage());
      return;
    }
    if (predictions.size() > maxPredictions) {
      report.overCountCap++;
    }
    Header count = record.headers().lastHeader(PublishToKafka.COUNT_HEADER);
    if (count == null
        || !new String(count.value(), StandardCharsets.UTF_8).equals(Integer.toString(predictions.size()))) {
      report.headerMismatches++;
      Report.addSample(report.problemSample, key + ": header " + PublishToKafka.COUNT_HEADER + " wrong");
    }
    for (Prediction prediction : predictions) {
      report.received++;
      received.write(prediction.idClient(), prediction.probabilities(), key);
    }
  }

  private static void reconcile(Path expectedFile, Path receivedFile, int classes, Report report)
      throws IOException {
    Map<String, List<double[]>> remaining = new HashMap<>();
    Map<String, List<double[]>> matched = new HashMap<>();
    Spill.read(expectedFile, classes, (id, values, key) ->
        remaining.computeIfAbsent(id, k -> new ArrayList<>(1)).add(values));
    Spill.read(receivedFile, classes, (id, values, key) -> {
      if (take(remaining.get(id), values)) {
        matched.computeIfAbsent(id, k -> new ArrayList<>(1)).add(values);
      } else if (contains(matched.get(id), values)) {
        report.duplicatedPredictions++;
        Report.addSample(report.duplicateSample, id + " in " + key);
      } else if (remaining.containsKey(id) || matched.containsKey(id)) {
        report.mismatched++;
        Report.addSample(report.problemSample, id + " in " + key + " differs from its input row");
      } else {
        report.unexpected++;
        Report.addSample(report.problemSample, id + " in " + key + " is not in the input");
      }
    });
    for (Map.Entry<String, List<double[]>> e : remaining.entrySet()) {
      report.missing += e.getValue().size();
      if (!e.getValue().isEmpty()) {
        Report.addSample(report.missingSample, e.getKey());
      }
    }
  }

  private static boolean take(List<double[]> candidates, double[] values) {
    if (candidates != null) {
      for (Iterator<double[]> it = candidates.iterator(); it.hasNext(); ) {
        if (Arrays.equals(it.next(), values)) {
          it.remove();
          return true;
        }
      }
    }
    return false;
  }

  private static boolean contains(List<double[]> candidates, double[] values) {
    return candidates != null && candidates.stream().anyMatch(c -> Arrays.equals(c, values));
  }

  private static void countDuplicateKeys(Path keysFile, Report report) throws IOException {
    Set<String> seen = new HashSet<>();
    Spill.read(keysFile, 0, (key, values, unused) -> {
      if (!seen.add(key)) {
        report.duplicatedMessages++;
      }
    });
  }

  private void log(String format, Object... args) {
    if (progress) {
      System.out.printf(format + "%n", args);
    }
  }

  /** Rows spilled to one file per hash partition of their id. */
  private static final class Spill implements AutoCloseable {
    interface Row {
      void accept(String id, double[] values, String key);
    }

    private final Path dir;
    private final DataOutputStream[] outs;

    Spill(Path dir, int partitions) throws IOException {
      this.dir = Files.createDirectories(dir);
      this.outs = new DataOutputStream[partitions];
      for (int p = 0; p < partitions; p++) {
        outs[p] = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file(p)), 1 << 16));
      }
    }

    Path file(int partition) {
      return dir.resolve(Integer.toString(partition));
    }

    void write(String id, double[] values, String key) {
      DataOutputStream out = outs[Math.floorMod(id.hashCode() * 0x9E3779B9, outs.length)];
      try {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        out.writeInt(idBytes.length);
        out.write(idBytes);
        for (double v : values) {
          out.writeDouble(v);
        }
        out.writeUTF(key);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static void read(Path file, int classes, Row row) throws IOException {
      try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
        while (true) {
          int length;
          try {
            length = in.readInt();
          } catch (EOFException end) {
            return;
          }
          byte[] idBytes = in.readNBytes(length);
          double[] values = new double[classes];
          for (int i = 0; i < classes; i++) {
            values[i] = in.readDouble();
          }
          row.accept(new String(idBytes, StandardCharsets.UTF_8), values, in.readUTF());
        }
      }
    }

    @Override
    public void close() throws IOException {
      for (DataOutputStream out : outs) {
        out.close();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Args parsed = Args.parse(args);
    Builder builder =
        builder(
                parsed.require("input"),
                parsed.get("bootstrapServers", "127.0.0.1:9092"),
                parsed.get("topic", "predictions"))
            .maxPredictionsPerMessage((int) parsed.getLong("maxPredictionsPerMessage", 10))
            .maxMessageBytes((int) parsed.getLong("maxMessageBytes", 1_000_000))
            .layout(MessageFormat.Layout.parse(parsed.get("layout", "objects")))
            .doublePrecision(
                MessageFormat.checkDoublePrecision((int) parsed.getLong("doublePrecision", MessageFormat.SHORTEST)))
            .progress(true);
    if (parsed.has("since")) {
      builder.since(parsed.getLong("since", 0));
    }
    parsed.rejectUnused();
    Report report = builder.build().verify();
    System.out.println(report);
    System.exit(report.ok() ? 0 : 1);
  }
}
