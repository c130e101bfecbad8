package io.predictionrelay.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.ToIntFunction;
import io.predictionrelay.model.RunMetrics;
import io.predictionrelay.model.RunMetrics.PartitionTraffic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A producer whose {@link #flush()} returns only when every record sent since the last flush is
 * acknowledged or has failed, and so has run its callback.
 *
 * <p>Why: KafkaIO's writer flushes at the end of a bundle and then checks the failures its callbacks
 * recorded. When the broker answers MESSAGE_TOO_LARGE, the Kafka producer splits the batch and sends
 * it again, and {@code KafkaProducer.flush()} can return before the split batches complete; a failure
 * reported after that check is never seen, and the bundle commits with records missing (seen in
 * BrokerLimitsIT before this class existed). Waiting on each record's future closes that gap.
 *
 * <p>It also counts what each partition acknowledged (messages, predictions, value bytes), from the
 * partition the broker reports for each record, so the counts hold whatever partitioner the user
 * configures. They are counted on the writer's thread (while it sends and when it flushes at the end
 * of a bundle), where the runner attributes metrics to the bundle: a failed bundle's are discarded.
 */
public final class AwaitingProducer<K, V> implements Producer<K, V> {
  private static final int PRUNE_EVERY = 4096;

  private final Producer<K, V> delegate;
  private final ToIntFunction<ProducerRecord<K, V>> predictionsOf;
  private final List<Sent> pending = new ArrayList<>();
  private int pruneAt = PRUNE_EVERY;

  /** A record handed to the producer, and how many predictions it carries. */
  private record Sent(Future<RecordMetadata> future, int predictions) {}

  /** @param predictionsOf how many predictions a record carries, for the per-partition counts */
  public AwaitingProducer(Producer<K, V> delegate, ToIntFunction<ProducerRecord<K, V>> predictionsOf) {
    this.delegate = delegate;
    this.predictionsOf = predictionsOf;
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
    return track(delegate.send(record), record);
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
    return track(delegate.send(record, callback), record);
  }

  private Future<RecordMetadata> track(Future<RecordMetadata> future, ProducerRecord<K, V> record) {
    List<Sent> done = new ArrayList<>();
    synchronized (this) {
      pending.add(new Sent(future, predictionsOf.applyAsInt(record)));
      if (pending.size() >= pruneAt) {
        // A bundle can be a whole Spark partition: keep only the records still in flight.
        pending.removeIf(sent -> sent.future().isDone() && done.add(sent));
        pruneAt = Math.max(PRUNE_EVERY, 2 * pending.size());
      }
    }
    done.forEach(AwaitingProducer::count);
    return future;
  }

  /** Counts an acknowledged record under the partition it landed in; a failed one is not counted. */
  private static void count(Sent sent) {
    RecordMetadata metadata;
    try {
      metadata = sent.future().get();
    } catch (ExecutionException failed) {
      return; // the record's callback has reported it; the caller checks those reports after flush()
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new org.apache.kafka.common.errors.InterruptException(e);
    }
    int partition = metadata.partition();
    RunMetrics.counter(PartitionTraffic.MESSAGES.counterName(partition)).inc();
    RunMetrics.counter(PartitionTraffic.PREDICTIONS.counterName(partition)).inc(sent.predictions());
    RunMetrics.counter(PartitionTraffic.BYTES.counterName(partition))
        .inc(Math.max(0, metadata.serializedValueSize()));
  }

  /** How many records it holds on to: those not known to be acknowledged yet. */
  synchronized int tracked() {
    return pending.size();
  }

  @Override
  public void flush() {
    delegate.flush();
    List<Sent> sent;
    synchronized (this) {
      sent = new ArrayList<>(pending);
      pending.clear();
    }
    sent.forEach(AwaitingProducer::count); // waits for each record's outcome
  }

  @Override
  public void initTransactions() {
    delegate.initTransactions();
  }

  @Override
  public void beginTransaction() {
    delegate.beginTransaction();
  }

  @Override
  @Deprecated
  public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, String groupId) {
    delegate.sendOffsetsToTransaction(offsets, groupId);
  }

  @Override
  public void sendOffsetsToTransaction(
      Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
    delegate.sendOffsetsToTransaction(offsets, groupMetadata);
  }

  @Override
  public void commitTransaction() {
    delegate.commitTransaction();
  }

  @Override
  public void abortTransaction() {
    delegate.abortTransaction();
  }

  @Override
  public List<PartitionInfo> partitionsFor(String topic) {
    return delegate.partitionsFor(topic);
  }

  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return delegate.metrics();
  }

  @Override
  public Uuid clientInstanceId(Duration timeout) {
    return delegate.clientInstanceId(timeout);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public void close(Duration timeout) {
    delegate.close(timeout);
  }
}
