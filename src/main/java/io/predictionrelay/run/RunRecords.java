package io.predictionrelay.run;

import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.options.Sink;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The records a run writes to its control topic ({@link RunPlan#runsTopic}), keyed by run id: one
 * when it starts (with the input fingerprint a resume is checked against), and one when it ends,
 * {@code completed} with its counts or {@code failed} with why, so that consumers can wait for a
 * run to be complete instead of guessing; in between, a {@code running} heartbeat, the run's lease
 * ({@link RunIdentity#LEASE}). The files sink writes none.
 */
public final class RunRecords {
  private final RunPlan plan;
  private final RunLedger ledger;
  private final Instant startedAt;

  private RunRecords(RunPlan plan, RunLedger ledger, Instant startedAt) {
    this.plan = plan;
    this.ledger = ledger;
    this.startedAt = startedAt;
  }

  public static RunRecords of(RunPlan plan, Instant startedAt) {
    RunLedger ledger = plan.sink() == Sink.KAFKA
        ? new RunLedger(plan.options().getBootstrapServers(), plan.producerConfig())
        : null;
    return new RunRecords(plan, ledger, startedAt);
  }

  public void started() {
    write(withPublished(record("started")));
  }

  public void completed(RunSummary summary) {
    Map<String, Object> record = withPublished(record(summary.reconciles() ? "completed" : "failed"));
    record.put("ended_at", Instant.now().toString());
    record.put("counts", summary.countsAsMap());
    if (!summary.reconciles()) {
      record.put("error", "counts do not reconcile");
    }
    write(record);
  }

  /**
   * Writes a {@code running} record every {@code every} until closed: the lease that keeps a resume
   * of the same run out while this attempt is alive. A heartbeat that cannot be written is skipped:
   * the run goes on, and its lease runs out, as it should when the broker cannot hear from it.
   * Closing waits for a heartbeat being written, so that the run's last record is its end.
   */
  public Heartbeat heartbeat(Duration every) {
    ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "run-heartbeat");
      thread.setDaemon(true);
      return thread;
    });
    if (ledger != null) {
      beats.scheduleAtFixedRate(() -> {
        Map<String, Object> record = record("running");
        record.put("heartbeat_at_millis", System.currentTimeMillis());
        try {
          write(record);
        } catch (RuntimeException missed) {
          // the broker is away: this attempt's lease runs out
        }
      }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }
    return new Heartbeat(beats);
  }

  /** The heartbeats of a run, until closed. */
  public static final class Heartbeat implements AutoCloseable {
    private final ScheduledExecutorService beats;

    private Heartbeat(ScheduledExecutorService beats) {
      this.beats = beats;
    }

    @Override
    public void close() {
      beats.shutdown();
      try {
        beats.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Writes the failure record if the broker still takes it; a run that failed for want of a broker cannot. */
  public void failed(RuntimeException failure) {
    Map<String, Object> record = record("failed");
    record.put("ended_at", Instant.now().toString());
    String message = String.valueOf(failure.getMessage());
    record.put("error", failure.getClass().getSimpleName() + ": "
        + ProducerSettings.redact(message.lines().findFirst().orElse(""), plan.producerConfig()));
    try {
      write(record);
    } catch (RuntimeException unwritten) {
      System.err.println("warning: the failure record of run " + plan.identity().runId() + " could not be written: "
          + unwritten.getMessage());
    }
  }

  /**
   * The record with what the run publishes (the Delta version, Iceberg snapshot, or plain files), the
   * base of a later {@code --changesSince}, and the kind of run: {@code full}, or {@code changes}
   * since a run.
   */
  private Map<String, Object> withPublished(Map<String, Object> record) {
    record.put("published", io.predictionrelay.input.Published.of(plan.input()).toMap());
    record.put("run_kind", plan.changes().isPresent() ? ChangesSince.KIND_CHANGES : "full");
    plan.changes().ifPresent(c -> record.put("changes_since", c.baseRunId()));
    return record;
  }

  private Map<String, Object> record(String status) {
    Map<String, Object> record = new LinkedHashMap<>();
    RunIdentity identity = plan.identity();
    record.put("run_id", identity.runId());
    record.put("status", status);
    record.put("topic", plan.options().getTopic());
    record.put("input", plan.options().getInput());
    record.put("input_fingerprint", identity.fingerprint());
    record.put("resumed", identity.resumed());
    record.put("attempt", identity.attempt());
    record.put("grouping", plan.grouping().name().toLowerCase(java.util.Locale.ROOT));
    record.put("buckets", plan.buckets());
    record.put("started_at", startedAt.toString());
    record.put("started_at_millis", startedAt.toEpochMilli());
    return record;
  }

  private void write(Map<String, Object> record) {
    if (ledger != null) {
      ledger.write(RunIdentity.runsTopic(plan.options()), plan.identity().runId(), record);
    }
  }
}
