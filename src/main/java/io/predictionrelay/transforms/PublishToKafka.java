package io.predictionrelay.transforms;

import io.predictionrelay.kafka.AwaitingProducer;
import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.model.EncodedMessage;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VoidCoder;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.ProducerRecordCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes messages to a Kafka topic with KafkaIO: the key is the message id, the value the JSON,
 * and headers tell consumers what they hold: {@value #COUNT_HEADER} (the number of predictions),
 * {@value #RUN_ID_HEADER} (the run that published it) and {@value #LAST_HEADER} (on the last
 * message of each bucket or split: the header keeps the name it had when only buckets existed, as
 * consumers read it). Optionally throttled to a rate shared by all writers.
 */
public final class PublishToKafka extends PTransform<PCollection<EncodedMessage>, PDone> {
  public static final String COUNT_HEADER = "prediction_count";
  public static final String RUN_ID_HEADER = "run_id";
  public static final String LAST_HEADER = "last_in_bucket";

  private final String topic;
  private final String bootstrapServers;
  private final Map<String, Object> producerConfig;
  private final String runId;
  private final double messagesPerSecond;
  private final double bytesPerSecond;
  private final Map<String, String> headers;

  private PublishToKafka(String topic, String bootstrapServers, Map<String, Object> producerConfig,
      String runId, double messagesPerSecond, double bytesPerSecond, Map<String, String> headers) {
    this.headers = headers;
    this.topic = topic;
    this.bootstrapServers = bootstrapServers;
    this.producerConfig = producerConfig;
    this.runId = runId;
    this.messagesPerSecond = messagesPerSecond;
    this.bytesPerSecond = bytesPerSecond;
  }

  public static PublishToKafka to(String topic) {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic must not be empty");
    }
    return new PublishToKafka(topic, null, Map.of(), null, 0, 0, Map.of());
  }

  public PublishToKafka withBootstrapServers(String bootstrapServers) {
    return new PublishToKafka(topic, bootstrapServers, producerConfig, runId, messagesPerSecond, bytesPerSecond, headers);
  }

  /** Every message carries this run id in its {@value #RUN_ID_HEADER} header. */
  public PublishToKafka withRunId(String runId) {
    if (runId == null || runId.isBlank()) {
      throw new IllegalArgumentException("runId must not be empty");
    }
    return new PublishToKafka(topic, bootstrapServers, producerConfig, runId, messagesPerSecond, bytesPerSecond, headers);
  }

  /**
   * Throttles each writer to these rates (0: no limit). The run's limit is shared out by dividing it
   * by the number of writers that can run at once, so that together they stay under it.
   */
  public PublishToKafka withRateLimit(double messagesPerSecond, double bytesPerSecond) {
    if (messagesPerSecond < 0 || bytesPerSecond < 0) {
      throw new IllegalArgumentException("rate limits must not be negative");
    }
    return new PublishToKafka(topic, bootstrapServers, producerConfig, runId, messagesPerSecond, bytesPerSecond, headers);
  }

  /**
   * Producer properties, applied over KafkaIO's own defaults. Secrets (passwords, JAAS
   * configuration) are kept out of KafkaIO's display data, which runners show and log: they reach
   * the producer through its factory instead.
   */
  public PublishToKafka withProducerConfig(Map<String, Object> producerConfig) {
    return new PublishToKafka(
        topic, bootstrapServers, Map.copyOf(producerConfig), runId, messagesPerSecond, bytesPerSecond, headers);
  }

  /**
   * Every message also carries these headers: an incremental run's {@code run_kind} and
   * {@code changes_since}. A full run adds none, so its records stay as they were.
   */
  public PublishToKafka withHeaders(Map<String, String> headers) {
    return new PublishToKafka(topic, bootstrapServers, producerConfig, runId, messagesPerSecond, bytesPerSecond,
        Map.copyOf(headers));
  }

  @Override
  public PDone expand(PCollection<EncodedMessage> messages) {
    if (bootstrapServers == null) {
      throw new IllegalArgumentException("bootstrapServers must be set");
    }
    if (messagesPerSecond > 0 || bytesPerSecond > 0) {
      messages = messages.apply("Throttle", ParDo.of(new ThrottleFn(messagesPerSecond, bytesPerSecond)));
    }
    messages
        .apply("CountMessages", ParDo.of(new CountMessagesFn()))
        .apply("ToProducerRecords", ParDo.of(new ToProducerRecordFn(topic, runId, headers)))
        .setCoder(RECORD_CODER)
        .apply("WriteToKafka", new WriteWithOneOutput(
            KafkaIO.<String, byte[]>writeRecords()
                .withBootstrapServers(bootstrapServers)
                .withTopic(topic)
                .withKeySerializer(StringSerializer.class)
                .withValueSerializer(ByteArraySerializer.class)
                .withProducerConfigUpdates(ProducerSettings.withoutSecrets(producerConfig))
                .withProducerFactoryFn(new ProducerWithSecrets(ProducerSettings.secrets(producerConfig)))));
    return PDone.in(messages.getPipeline());
  }

  /** KafkaIO's writer applied with one output ({@link #kafkaWriterFn}), showing KafkaIO's display data. */
  static final class WriteWithOneOutput
      extends PTransform<PCollection<ProducerRecord<String, byte[]>>, PCollection<Void>> {
    private final KafkaIO.WriteRecords<String, byte[]> write;

    WriteWithOneOutput(KafkaIO.WriteRecords<String, byte[]> write) {
      this.write = write;
    }

    @Override
    public PCollection<Void> expand(PCollection<ProducerRecord<String, byte[]>> records) {
      return records.apply("KafkaWriter", ParDo.of(kafkaWriterFn(write))).setCoder(VoidCoder.of());
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      write.populateDisplayData(builder);
    }
  }

  private static final ProducerRecordCoder<String, byte[]> RECORD_CODER =
      ProducerRecordCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of());

  /**
   * KafkaIO's writer, the DoFn {@code write} expands to, to be applied as a ParDo with one output.
   *
   * <p>Why: KafkaIO applies it with two outputs (nothing, and the records its error handler would
   * route, which by default it throws instead). On the Spark runner a ParDo with two outputs has its
   * output cached, and each output that nothing consumes is computed by a job of its own, the second
   * reading the first's cache. A publishing partition whose cached (empty) output was lost with an
   * executor is computed again by that second job: its messages sent again whole and counted twice
   * (seen in ClusterFaultsIT: 82,652 predictions published of 60,000 after an executor and a worker
   * were lost). With one output nothing is cached and one job publishes: a publishing task runs again
   * only when it did not finish. The same DoFn, configured by KafkaIO itself (producer, serializers,
   * the flush and failure check at the end of each bundle), is taken from KafkaIO's expansion in a
   * pipeline of its own that is never run.
   */
  @SuppressWarnings("unchecked")
  static DoFn<ProducerRecord<String, byte[]>, Void> kafkaWriterFn(KafkaIO.WriteRecords<String, byte[]> write) {
    Pipeline scratch = Pipeline.create();
    scratch.apply(Create.empty(RECORD_CODER)).apply(write);
    List<DoFn<?, ?>> writers = new ArrayList<>();
    scratch.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof ParDo.MultiOutput<?, ?> parDo
            && parDo.getFn().getClass().getName().equals("org.apache.beam.sdk.io.kafka.KafkaWriter")) {
          writers.add(parDo.getFn());
        }
      }
    });
    if (writers.size() != 1) {
      throw new IllegalStateException("KafkaIO.writeRecords() expanded to " + writers.size()
          + " KafkaWriter steps, expected 1: this Beam version's KafkaIO differs from 2.62's");
    }
    return (DoFn<ProducerRecord<String, byte[]>, Void>) writers.get(0);
  }

  /**
   * Creates the producer: KafkaIO's configuration plus the secret properties, wrapped so that a
   * bundle cannot finish before every record of it is acknowledged ({@link AwaitingProducer}).
   */
  static final class ProducerWithSecrets
      implements SerializableFunction<Map<String, Object>, Producer<String, byte[]>> {
    private final HashMap<String, Object> secrets;

    ProducerWithSecrets(Map<String, Object> secrets) {
      this.secrets = new HashMap<>(secrets);
    }

    @Override
    public Producer<String, byte[]> apply(Map<String, Object> config) {
      Map<String, Object> withSecrets = new HashMap<>(config);
      withSecrets.putAll(secrets);
      return new AwaitingProducer<>(new KafkaProducer<>(withSecrets), PublishToKafka::predictionsOf);
    }

    @Override
    public String toString() {
      return "KafkaProducer with " + secrets.keySet() + " set (values hidden)";
    }
  }

  /** The {@value #COUNT_HEADER} of a record this transform made. */
  static int predictionsOf(ProducerRecord<String, byte[]> record) {
    Header count = record.headers().lastHeader(COUNT_HEADER);
    return count == null ? 0 : Integer.parseInt(new String(count.value(), StandardCharsets.UTF_8));
  }

  /** Holds each message back until the writer's share of the rate allows it. */
  static final class ThrottleFn extends DoFn<EncodedMessage, EncodedMessage> {
    private final double messagesPerSecond;
    private final double bytesPerSecond;
    private transient RateLimit messages;
    private transient RateLimit bytes;

    ThrottleFn(double messagesPerSecond, double bytesPerSecond) {
      this.messagesPerSecond = messagesPerSecond;
      this.bytesPerSecond = bytesPerSecond;
    }

    @Setup
    public void setup() {
      messages = messagesPerSecond > 0 ? new RateLimit(messagesPerSecond, RateLimit.SYSTEM) : null;
      bytes = bytesPerSecond > 0 ? new RateLimit(bytesPerSecond, RateLimit.SYSTEM) : null;
    }

    @ProcessElement
    public void processElement(@Element EncodedMessage message, OutputReceiver<EncodedMessage> out)
        throws InterruptedException {
      if (messages != null) {
        messages.acquire(1);
      }
      if (bytes != null) {
        bytes.acquire(message.value().length);
      }
      out.output(message);
    }
  }

  static final class ToProducerRecordFn extends DoFn<EncodedMessage, ProducerRecord<String, byte[]>> {
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.UTF_8);
    private final String topic;
    private final byte[] runId;
    private final java.util.TreeMap<String, byte[]> headers = new java.util.TreeMap<>();

    ToProducerRecordFn(String topic, String runId) {
      this(topic, runId, Map.of());
    }

    ToProducerRecordFn(String topic, String runId, Map<String, String> headers) {
      this.topic = topic;
      headers.forEach((name, value) -> this.headers.put(name, value.getBytes(StandardCharsets.UTF_8)));
      this.runId = runId == null ? null : runId.getBytes(StandardCharsets.UTF_8);
    }

    @ProcessElement
    public void processElement(
        @Element EncodedMessage message, OutputReceiver<ProducerRecord<String, byte[]>> out) {
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(topic, message.key(), message.value());
      record
          .headers()
          .add(COUNT_HEADER, Integer.toString(message.predictionCount()).getBytes(StandardCharsets.UTF_8));
      if (runId != null) {
        record.headers().add(RUN_ID_HEADER, runId);
      }
      if (message.last()) {
        record.headers().add(LAST_HEADER, TRUE);
      }
      headers.forEach((name, value) -> record.headers().add(name, value));
      out.output(record);
    }
  }
}
