package io.predictionrelay.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.options.Grouping;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.Sink;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Who a run is: its id (in every message's header and in its run records) and the fingerprint of
 * its input and settings; for a resumed run, what its earlier attempts delivered, read from the
 * topic, so that what arrived whole is not sent again.
 */
public record RunIdentity(String runId, String fingerprint, RunIdentity.Resume resume) {
  /** How often a running attempt writes a heartbeat to the runs topic. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(10);
  /** How long after its last heartbeat (or its start) an attempt is taken to be alive. */
  public static final Duration LEASE = Duration.ofSeconds(30);

  /**
   * What a resumed run skips: the buckets (or input splits) whose every message arrived, in any of
   * its earlier attempts. Rows of complete splits are not even read; rows of complete buckets are
   * dropped before the shuffle. {@code attempt} numbers this attempt (the first run is 1);
   * {@code completedAt} is when an earlier attempt completed the run, else null: then there is
   * nothing to send.
   */
  public record Resume(int[] completeGroups, long rowsSkipped, int partialGroups, long messagesToResend,
      int attempt, String completedAt) {
    public boolean completed() {
      return completedAt != null;
    }
  }

  /** Which attempt of the run this is: 1 for a new run. */
  public int attempt() {
    return resumed() ? resume.attempt() : 1;
  }

  public boolean resumed() {
    return resume != null;
  }

  /** A new run: an id made of the time and eight random hex digits, e.g. {@code 20261122-013435-6c17d93e}. */
  static RunIdentity newRun(String fingerprint) {
    String runId = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + "-" + String.format("%08x", new SecureRandom().nextInt());
    return new RunIdentity(runId, fingerprint, null);
  }

  /**
   * A digest of everything that decides which messages a run sends: each input file's path, size,
   * modification time and row count (or the table snapshot), the columns, the grouping and G, the
   * caps and the payload options. The same fingerprint means the same messages under the same keys.
   */
  static String fingerprint(
      ParquetInput input, PublishOptions options, Grouping grouping, int buckets, MessageFormat format) {
    StringBuilder text = new StringBuilder();
    input.identity().forEach(line -> text.append(line).append('\n'));
    text.append("columns ").append(input.schema()).append('\n')
        .append("grouping ").append(grouping).append(", buckets ").append(buckets).append('\n')
        .append("caps ").append(options.getMaxPredictionsPerMessage()).append(' ')
        .append(options.getMaxMessageBytes()).append('\n')
        .append("format ").append(format).append('\n');
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fingerprint of an incremental run: its input and options, and the changes it publishes. */
  static String withChanges(String fingerprint, String changesToken) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((fingerprint + " changes " + changesToken).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The control topic of the run records: {@code --runsTopic}, or {@code <topic>.runs}. */
  public static String runsTopic(PublishOptions options) {
    String given = options.getRunsTopic();
    return given == null || given.isBlank() ? options.getTopic() + ".runs" : given;
  }

  /**
   * The identity of a resumed run, from what the ledger says of it ({@code Preflight}): checks its
   * input is the same and it is not alive, then takes which of its buckets (or splits) arrived
   * whole, in every attempt since the run first started (each attempt writes its own start record;
   * messages of all of them carry the run id). A run whose latest record says it completed has
   * nothing left to send.
   */
  static RunIdentity resume(PublishOptions options, Sink sink, Grouping grouping, RunLedger.History earlier,
      ParquetInput input, String fingerprint) {
    String runId = options.getResume().trim();
    if (sink != Sink.KAFKA) {
      throw new LaunchException("--resume=" + runId + ": only a run to Kafka can be resumed (--sink=kafka)");
    }
    String runsTopic = runsTopic(options);
    List<JsonNode> records = earlier.records();
    JsonNode record = records.get(records.size() - 1);
    int attempt = 1 + (int) records.stream().filter(r -> "started".equals(r.path("status").asText())).count();
    String before = record.path("input_fingerprint").asText();
    if (!before.equals(fingerprint)) {
      throw new LaunchException("--resume=" + runId + ": the input or the options that shape its messages"
          + " changed since that run (fingerprint " + before + ", now " + fingerprint
          + "): resume with the same input and options, or start a new run");
    }
    String status = record.path("status").asText();
    if (("started".equals(status) || "running".equals(status)) && !options.getTakeOver()) {
      Instant beat = Instant.ofEpochMilli(record.path("heartbeat_at_millis").asLong(record.path("started_at_millis").asLong(0)));
      Instant expires = beat.plus(LEASE);
      if (Instant.now().isBefore(expires)) {
        throw new LaunchException("--resume=" + runId + ": the run is alive (heartbeat at " + beat + " on "
            + runsTopic + "; its lease runs until " + expires + "): resume after that, or add --takeOver if its"
            + " driver is known to be dead");
      }
    }
    if ("completed".equals(status)) {
      return new RunIdentity(runId, fingerprint, new Resume(new int[0], input.totalRows(), 0, 0, attempt,
          record.path("ended_at").asText(record.path("started_at").asText())));
    }
    RunLedger.Delivered delivered = earlier.delivered();
    int[] complete = delivered.completeGroups();
    long rowsSkipped = 0;
    if (grouping == Grouping.BUNDLE) {
      for (InputSplit split : input.splits()) {
        if (Arrays.binarySearch(complete, split.index()) >= 0) {
          rowsSkipped += split.liveRows();
        }
      }
    }
    return new RunIdentity(runId, fingerprint,
        new Resume(complete, rowsSkipped, delivered.partialGroups(), delivered.messagesToResend(), attempt, null));
  }
}
