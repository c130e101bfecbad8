package io.predictionrelay.io;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
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
 */
public final class AwaitingProducer<K, V> implements Producer<K, V> {
  private final Producer<K, V> delegate;
  private static final int PRUNE_EVERY = 4096;
  private final List<Future<RecordMetadata>> pending = new ArrayList<>();
  private int pruneAt = PRUNE_EVERY;

  public AwaitingProducer(Producer<K, V> delegate) {
    this.delegate = delegate;
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
    return track(delegate.send(record));
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
    return track(delegate.send(record, callback));
  }

  private synchronized Future<RecordMetadata> track(Future<RecordMetadata> future) {
    pending.add(future);
    if (pending.size() >= pruneAt) {
      // A bundle can be a whole Spark partition: keep only the records still in flight.
      pending.removeIf(Future::isDone);
      pruneAt = Math.max(PRUNE_EVERY, 2 * pending.size());
    }
    return future;
  }

  /** How many records it holds on to: those not known to be acknowledged yet. */
  synchronized int tracked() {
    return pending.size();
  }

  @Override
  public void flush() {
    delegate.flush();
    List<Future<RecordMetadata>> sent;
    synchronized (this) {
      sent = new ArrayList<>(pending);
      pending.clear();
    }
    for (Future<RecordMetadata> future : sent) {
      try {
        future.get();
      } catch (ExecutionException failed) {
        // the record's callback has reported it; the caller checks those reports after flush()
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new org.apache.kafka.common.errors.InterruptException(e);
      }
    }
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
