package io.predictionrelay.transforms;

import io.predictionrelay.model.EncodedMessage;
import java.nio.charset.StandardCharsets;
import io.predictionrelay.io.AwaitingProducer;
import io.predictionrelay.io.ProducerSettings;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
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
 * Publishes messages to a Kafka topic with KafkaIO: the key is the message id, the value the JSON
 * array, and the {@value #COUNT_HEADER} header holds the number of predictions.
 */
public final class PublishToKafka extends PTransform<PCollection<EncodedMessage>, PDone> {
  public static final String COUNT_HEADER = "prediction_count";

  private final String topic;
  private final String bootstrapServers;
  private final Map<String, Object> producerConfig;

  private PublishToKafka(String topic, String bootstrapServers, Map<String, Object> producerConfig) {
    this.topic = topic;
    this.bootstrapServers = bootstrapServers;
    this.producerConfig = producerConfig;
  }

  public static PublishToKafka to(String topic) {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic must not be empty");
    }
    return new PublishToKafka(topic, null, Map.of());
  }

  public PublishToKafka withBootstrapServers(String bootstrapServers) {
    return new PublishToKafka(topic, bootstrapServers, producerConfig);
  }

  /**
   * Producer properties, applied over KafkaIO's own defaults. Secrets (passwords, JAAS
   * configuration) are kept out of KafkaIO's display data, which runners show and log: they reach
   * the producer through its factory instead.
   */
  public PublishToKafka withProducerConfig(Map<String, Object> producerConfig) {
    return new PublishToKafka(topic, bootstrapServers, Map.copyOf(producerConfig));
  }

  @Override
  public PDone expand(PCollection<EncodedMessage> messages) {
    if (bootstrapServers == null) {
      throw new IllegalArgumentException("bootstrapServers must be set");
    }
    return messages
        .apply("CountMessages", ParDo.of(new CountMessagesFn()))
        .apply("ToProducerRecords", ParDo.of(new ToProducerRecordFn(topic)))
        .setCoder(ProducerRecordCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
        .apply(
            "WriteToKafka",
            KafkaIO.<String, byte[]>writeRecords()
                .withBootstrapServers(bootstrapServers)
                .withTopic(topic)
                .withKeySerializer(StringSerializer.class)
                .withValueSerializer(ByteArraySerializer.class)
                .withProducerConfigUpdates(ProducerSettings.withoutSecrets(producerConfig))
                .withProducerFactoryFn(new ProducerWithSecrets(ProducerSettings.secrets(producerConfig))));
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

  static final class ToProducerRecordFn extends DoFn<EncodedMessage, ProducerRecord<String, byte[]>> {
    private final String topic;

    ToProducerRecordFn(String topic) {
      this.topic = topic;
    }

    @ProcessElement
    public void processElement(
        @Element EncodedMessage message, OutputReceiver<ProducerRecord<String, byte[]>> out) {
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(topic, message.key(), message.value());
      record
          .headers()
          .add(COUNT_HEADER, Integer.toString(message.predictionCount()).getBytes(StandardCharsets.UTF_8));
      out.output(record);
    }
  }
}
