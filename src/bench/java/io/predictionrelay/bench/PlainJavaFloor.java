package io.predictionrelay.bench;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * The floor: no framework, no shuffle. THREADS reader/encoder threads take the input's splits (row
 * groups, as the pipeline plans them) from one queue and read each with the pipeline's own
 * {@link SplitReader}; every 10 consecutive rows of a split become one JSON message, and one shared
 * KafkaProducer with the pipeline's settings sends them. What is left is the cost of reading
 * Parquet, encoding JSON and producing. One thread gives the CPU cost per row with nothing else
 * running; one per core gives what this machine can do at best, since splits, not files, are shared.
 *
 * <pre>PlainJavaFloor INPUT_DIR BOOTSTRAP TOPIC [THREADS, default: cores]</pre>
 */
public final class PlainJavaFloor {
  public static void main(String[] args) throws Exception {
    ParquetInput input = ParquetInput.describe(args[0]);
    Map<String, Object> config = new HashMap<>(ProducerSettings.defaults(1_000_000));
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
    // -Dbench.producerConfig=k=v,... tries other producer settings.
    config.putAll(ProducerSettings.parse(System.getProperty("bench.producerConfig", "")));
    String topic = args[2];
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
    MessageFormat format = MessageFormat.of(input.schema());
    ConcurrentLinkedQueue<InputSplit> splits = new ConcurrentLinkedQueue<>(input.splits());
    AtomicLong messages = new AtomicLong();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(pool.submit(() -> {
          PredictionJson json = new PredictionJson(format);
          SplitReader reader = new SplitReader(format, input.extraColumns(),
              1_000_000, "target/bench/floor-dead-letters");
          reader.setup();
          reader.startBundle();
          List<Prediction> batch = new ArrayList<>(10);
          for (InputSplit split; (split = splits.poll()) != null; ) {
            String prefix = "s" + split.index() + "-";
            long[] chunk = {0};
            reader.read(split, prediction -> {
              batch.add(prediction);
              if (batch.size() == 10) {
                producer.send(new ProducerRecord<>(topic, prefix + chunk[0]++, json.encode(batch)));
                messages.incrementAndGet();
                batch.clear();
              }
            });
            if (!batch.isEmpty()) {
              producer.send(new ProducerRecord<>(topic, prefix + chunk[0], json.encode(batch)));
              messages.incrementAndGet();
              batch.clear();
            }
          }
          reader.finishBundle();
          reader.teardown();
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get();
      }
      pool.shutdown();
      producer.flush();
    }
    System.out.println("floor: " + messages.get() + " messages from " + threads + " thread(s)");
  }
}
