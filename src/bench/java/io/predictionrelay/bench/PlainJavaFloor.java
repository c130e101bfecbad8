package io.predictionrelay.bench;

import io.predictionrelay.io.ParquetInput;
import io.predictionrelay.io.ProducerSettings;
import io.predictionrelay.io.RecordConverter;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The floor: no framework, no shuffle. Each file is read by its own thread (as many as cores),
 * every 10 consecutive rows become one JSON message, one shared KafkaProducer with the pipeline's
 * settings sends them. What is left is the cost of reading Parquet, encoding JSON and producing.
 *
 * <pre>PlainJavaFloor INPUT_DIR BOOTSTRAP TOPIC</pre>
 */
public final class PlainJavaFloor {
  public static void main(String[] args) throws Exception {
    ParquetInput input = ParquetInput.describe(args[0]);
    Map<String, Object> config = new HashMap<>(ProducerSettings.defaults(1_000_000));
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
    // -Dbench.producerConfig=k=v,... tries other producer settings (make bench-producer).
    config.putAll(ProducerSettings.parse(System.getProperty("bench.producerConfig", "")));
    String topic = args[2];
    AtomicLong messages = new AtomicLong();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
      List<Future<?>> files = new ArrayList<>();
      for (String file : input.files()) {
        files.add(pool.submit(() -> {
          MessageFormat format = MessageFormat.of(input.schema());
          PredictionJson json = new PredictionJson(format);
          RecordConverter converter = new RecordConverter(format, 1_000_000);
          List<Prediction> batch = new ArrayList<>(10);
          String name = file.substring(file.lastIndexOf('/') + 1);
          long[] chunk = {0};
          RecordConverter.Sink sink = new RecordConverter.Sink() {
            @Override
            public void prediction(Prediction prediction) {
              batch.add(prediction);
              if (batch.size() == 10) {
                producer.send(new ProducerRecord<>(topic, name + "-" + chunk[0]++, json.encode(batch)));
                messages.incrementAndGet();
                batch.clear();
              }
            }

            @Override
            public void deadLetter(DeadLetter deadLetter) {
              throw new IllegalStateException("bench data has no bad rows: " + deadLetter);
            }
          };
          input.readRecords(file, record -> converter.convert(record, sink));
          if (!batch.isEmpty()) {
            producer.send(new ProducerRecord<>(topic, name + "-" + chunk[0], json.encode(batch)));
            messages.incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> f : files) {
        f.get();
      }
      pool.shutdown();
      producer.flush();
    }
    System.out.println("floor: " + messages.get() + " messages");
  }
}
