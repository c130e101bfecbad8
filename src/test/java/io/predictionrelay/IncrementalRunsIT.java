package io.predictionrelay;

import static io.predictionrelay.testing.Runs.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.run.ChangesSince;
import io.predictionrelay.run.RunPlan;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.FilesSinkRun;
import io.predictionrelay.testing.IcebergTables;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.Runs;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.verify.VerifyReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental runs on the Spark runner against the real broker: {@code --changesSince=last} found on
 * the runs topic, an Iceberg table changed by Iceberg's own writers (an append, position deletes and
 * an overwrite), and a consumer that applies the full run's messages, then the incremental run's
 * (told apart by their headers) and its deleted ids, ends with what a full run of the latest
 * snapshot publishes, id by id. Run again, the incremental run sends the same messages under the
 * same keys.
 */
class IncrementalRunsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOPIC = "incremental";

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  private static RunPlan publish(String input, String... more) {
    RunPlan plan = PublishPredictions.prepare(Runs.options(concat(new String[] {
        "--input=" + input, "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=" + TOPIC,
        "--partitions=3", "--deadLetterDir=" + dir.resolve("dead"), "--reportDir=" + dir.resolve("reports"),
        "--numBuckets=4", "--runner=SparkRunner", "--sparkMaster=local[2]"}, more)));
    RunSummary summary = PublishPredictions.run(plan);
    assertTrue(summary.reconciles(), summary.toString());
    return plan;
  }

  @Test
  void aConsumerApplyingTheIncrementalRunHoldsTheLatestSnapshot() throws IOException {
    Schema schema = new Schema(Types.NestedField.optional(1, "id_client", Types.StringType.get()),
        Types.NestedField.optional(2, "class_0", Types.DoubleType.get()),
        Types.NestedField.optional(3, "class_1", Types.DoubleType.get()));
    Path location = dir.resolve("table");
    Table table = IcebergTables.create(location, schema);
    DataFile first = IcebergTables.append(table, rows(0, 300, 0));
    DataFile second = IcebergTables.append(table, rows(300, 400, 0));
    String fullRun = publish(location.toString()).identity().runId();
    long fullSnapshot = table.currentSnapshot().snapshotId();

    table.refresh();
    IcebergTables.deletePositions(table, first, 5, 6, 7); // id5, id6, id7 deleted
    table.refresh();
    // An overwrite: id300..id349 changed, id350..id399 gone.
    table.newOverwrite().deleteFile(second).addFile(IcebergTables.write(table, rows(300, 350, 0.125))).commit();
    table.refresh();
    IcebergTables.append(table, rows(1000, 1020, 0)); // new ids
    RunPlan changes = publish(location.toString(), "--changesSince=last");
    String changesRun = changes.identity().runId();

    Map<String, List<ConsumerRecord<byte[], byte[]>>> byRun = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> record : KAFKA.records(TOPIC)) {
      byRun.computeIfAbsent(header(record, "run_id"), r -> new ArrayList<>()).add(record);
    }
    assertEquals(Set.of(fullRun, changesRun), byRun.keySet());
    for (ConsumerRecord<byte[], byte[]> record : byRun.get(fullRun)) {
      assertNull(header(record, ChangesSince.RUN_KIND_HEADER), "a full run's messages are as they were");
    }
    for (ConsumerRecord<byte[], byte[]> record : byRun.get(changesRun)) {
      assertEquals("changes", header(record, ChangesSince.RUN_KIND_HEADER));
      assertEquals(fullRun, header(record, ChangesSince.SINCE_HEADER));
      assertTrue(key(record).startsWith(ChangesSince.keyPrefix(changes)), key(record));
    }

    Map<String, JsonNode> state = new TreeMap<>();
    apply(state, byRun.get(fullRun));
    Map<String, JsonNode> published = apply(state, byRun.get(changesRun));
    Set<String> deleted = deletedIds(changesRun);
    deleted.forEach(state::remove);

    FilesSinkRun latest = FilesSinkRun.publish(dir, location.toString());
    assertEquals(latest.predictions(), state, "the consumer's state is the latest snapshot's, id by id");
    Set<String> gone = new TreeSet<>(Set.of("id5", "id6", "id7"));
    IntStream.range(350, 400).forEach(i -> gone.add("id" + i)); // not in the overwrite's file
    assertEquals(gone, deleted);
    Set<String> expected = new TreeSet<>();
    IntStream.range(300, 350).forEach(i -> expected.add("id" + i)); // changed by the overwrite
    IntStream.range(1000, 1020).forEach(i -> expected.add("id" + i)); // appended
    assertEquals(expected, published.keySet(), "only new and changed ids are published");

    // The verifier finds the run's base in its run record and works the changes out on its own.
    VerifyReport verified = VerifyTopicBuilder.of(location.toString(), KAFKA.bootstrapServers(), TOPIC)
        .runId(changesRun)
        .deletedIds(dir.resolve("reports").resolve(ChangesSince.DELETED_IDS_DIR + changesRun).toString())
        .build().verify();
    assertTrue(verified.ok(), verified.toString());
    assertEquals("changes since run " + fullRun, verified.changes().substring(0, verified.changes().indexOf(" (")));
    assertEquals(expected.size(), verified.expected());
    assertEquals(expected.size(), verified.received());
    assertEquals(gone.size(), verified.expectedDeletedIds());
    assertEquals(gone.size(), verified.listedDeletedIds());
    assertEquals(300 - 3, verified.unchanged(), "id0..id299 but the three deleted");
    LaunchException otherSnapshot = assertThrows(LaunchException.class, () -> VerifyTopicBuilder.of(
        location.toString(), KAFKA.bootstrapServers(), TOPIC).runId(changesRun).tableVersion(fullSnapshot).build().verify());
    assertTrue(otherSnapshot.getMessage().contains("give --input with the run's --tableVersion"), otherSnapshot.getMessage());

    List<JsonNode> records = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : KAFKA.records(TOPIC + ".runs")) {
      records.add(JSON.readTree(record.value()));
    }
    JsonNode completed = records.stream().filter(r -> r.path("run_id").asText().equals(changesRun)
        && r.path("status").asText().equals("completed")).findFirst().orElseThrow();
    assertEquals("changes", completed.path("run_kind").asText());
    assertEquals(fullRun, completed.path("changes_since").asText());
    assertEquals(table.currentSnapshot().snapshotId(), completed.path("published").path("snapshot").asLong());
    assertEquals(53, completed.path("counts").path("changes").path("idsDeleted").asLong());

    String again = publish(location.toString(), "--changesSince=" + fullRun).identity().runId();
    List<ConsumerRecord<byte[], byte[]>> all = KAFKA.records(TOPIC);
    assertEquals(messages(all, changesRun), messages(all, again), "the same changes: the same keys and bytes");
  }

  private static Object[][] rows(int from, int to, double shift) {
    return IntStream.range(from, to).mapToObj(i -> new Object[] {"id" + i, (i % 10) / 10.0 + shift, 0.5})
        .toArray(Object[][]::new);
  }

  private static Map<String, JsonNode> apply(Map<String, JsonNode> state, List<ConsumerRecord<byte[], byte[]>> records)
      throws IOException {
    Map<String, JsonNode> published = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      for (JsonNode prediction : JSON.readTree(record.value())) {
        published.put(prediction.get("id_client").asText(), prediction);
      }
    }
    state.putAll(published);
    return published;
  }

  private static Map<String, String> messages(List<ConsumerRecord<byte[], byte[]>> records, String runId) {
    Map<String, String> messages = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      if (runId.equals(header(record, "run_id"))) {
        messages.put(key(record), new String(record.value(), StandardCharsets.UTF_8));
      }
    }
    return messages;
  }

  private static Set<String> deletedIds(String runId) throws IOException {
    Set<String> ids = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir.resolve("reports").resolve(ChangesSince.DELETED_IDS_DIR + runId))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".txt")).toList()) {
        ids.addAll(Files.readAllLines(file));
      }
    }
    return ids;
  }

  private static String key(ConsumerRecord<byte[], byte[]> record) {
    return new String(record.key(), StandardCharsets.UTF_8);
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

}
