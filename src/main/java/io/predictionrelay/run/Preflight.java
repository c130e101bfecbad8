package io.predictionrelay.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.TableColumns;
import io.predictionrelay.input.TableSnapshot;
import io.predictionrelay.kafka.KafkaClientConfig;
import io.predictionrelay.kafka.KafkaTopics;
import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.Sink;
import io.predictionrelay.storage.FileSystemSetup;
import io.predictionrelay.transforms.PublishToKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.io.FileSystems;

/**
 * What a run finds outside itself before it is planned: the checks that talk to Kafka and to the
 * file systems, in order. {@link RunPlan#of} computes the plan from the options and what these
 * found. Nothing is created or written; the one lasting effect is that Beam's file systems are
 * registered from the options ({@link #check}), as Beam keeps them for the JVM.
 *
 * @param producerConfig the producer's settings ({@code --kafkaConfigFile} under {@code --producerConfig})
 * @param topic the topic as the broker described it; null for the files sink, or a topic still to be created
 * @param input the input as its table log or metadata and its Parquet footers describe it
 * @param earlier for {@code --resume} to Kafka, what the ledger says of the run; else null
 * @param changes for {@code --changesSince}, the base run and what changed since; else null
 */
public record Preflight(Map<String, Object> producerConfig, Topic topic, ParquetInput input,
    RunLedger.History earlier, ChangesSince changes) {
  /** The topic as the broker described it: its partitions and the largest record batch it takes. */
  public record Topic(String name, int partitions, int maxMessageBytes) {}

  public Preflight {
    producerConfig = Map.copyOf(producerConfig);
  }

  /**
   * Checks, in order: the Kafka client properties, the Kafka cluster and topic and the user's right
   * to write it (for the Kafka sink; a missing topic is left to
   * {@link io.predictionrelay.PublishPredictions#prepare} to create); the file systems of the paths;
   * the input's table and footers; for {@code --resume}, the run's records and what it delivered;
   * for {@code --changesSince}, the base run's record and its snapshot's files.
   * The options alone must have been checked first ({@link RunPlan#plan}).
   */
  public static Preflight check(PublishOptions options, Sink sink) {
    Map<String, Object> producerConfig = Map.of();
    Optional<Topic> topic = Optional.empty();
    if (sink == Sink.KAFKA) {
      if (options.getTopic() == null || options.getTopic().isBlank()) {
        throw new LaunchException("--topic is empty");
      }
      ProducerSettings.checkBootstrapServers(options.getBootstrapServers());
      Map<String, String> fromFile = KafkaClientConfig.load(options.getKafkaConfigFile());
      producerConfig =
          ProducerSettings.resolve(options.getProducerConfig(), fromFile, options.getMaxMessageBytes());
      topic = inspectTopic(options, producerConfig);
    }
    registerFileSystems(options);
    ParquetInput input = ParquetInput.describe(options.getInput(), TableColumns.of(options), TableSnapshot.At.of(options));
    RunLedger.History earlier = options.getResume() != null && sink == Sink.KAFKA
        ? readLedger(options, producerConfig, topic.isPresent())
        : null;
    ChangesSince changes = options.getChangesSince() == null || options.getChangesSince().isBlank() ? null
        : ChangesSince.resolve(options, sink, options.getGrouping(), producerConfig, input);
    return new Preflight(producerConfig, topic.orElse(null), input, earlier, changes);
  }

  /**
   * Completes the file-system options from the paths the run touches and registers Beam's file
   * systems from them; before anything is read, as they are registered from these options (on the
   * workers too).
   */
  private static void registerFileSystems(PublishOptions options) {
    try {
      List<String> paths = new ArrayList<>(List.of(options.getInput().split(",")));
      paths.add(options.getDeadLetterDir());
      paths.add(options.getOutputDir());
      FileSystemSetup.configure(options, paths.stream().map(String::trim).toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      throw new LaunchException(e.getMessage(), e);
    }
    FileSystems.setDefaultPipelineOptions(options);
  }

  /**
   * Connects to the cluster (store files, login, TLS) and describes the topic, if it exists, and
   * checks the user may write it; refuses a missing one it may not create (asking the broker, which
   * creates nothing). WRITE on a topic still to be created is checked once it is.
   */
  private static Optional<Topic> inspectTopic(PublishOptions options, Map<String, Object> producerConfig) {
    try (KafkaTopics topics = connect(options, producerConfig)) {
      Optional<Integer> partitions = topics.describeTopic(options.getTopic());
      if (partitions.isEmpty()) {
        if (!options.getCreateTopic()) {
          throw new LaunchException("--topic " + options.getTopic() + " does not exist on "
              + options.getBootstrapServers() + " and --createTopic=false");
        }
        topics.checkCanCreate(options.getTopic(), options.getPartitions(), options.getReplicationFactor());
        return Optional.empty();
      }
      topics.checkCanWrite(options.getTopic());
      int limit = topics.checkAccepts(options.getTopic(), options.getMaxMessageBytes());
      return Optional.of(new Topic(options.getTopic(), partitions.get(), limit));
    }
  }

  /**
   * The records of the run {@code --resume} names, every attempt's, and unless the latest says it
   * completed, the messages it delivered to the topic since it first started. Whether they allow
   * the run to be resumed is the plan's to say ({@link RunIdentity}).
   */
  private static RunLedger.History readLedger(
      PublishOptions options, Map<String, Object> producerConfig, boolean topicExists) {
    String runId = options.getResume().trim();
    RunLedger ledger = new RunLedger(options.getBootstrapServers(), producerConfig);
    String runsTopic = RunIdentity.runsTopic(options);
    List<JsonNode> records = ledger.records(runsTopic, runId);
    if (records.isEmpty()) {
      throw new LaunchException("--resume=" + runId + ": no run " + runId + " in the run records of " + runsTopic);
    }
    if ("completed".equals(records.get(records.size() - 1).path("status").asText())) {
      return new RunLedger.History(records, null);
    }
    long firstStarted = records.stream().mapToLong(r -> r.path("started_at_millis").asLong(Long.MAX_VALUE))
        .min().orElse(0);
    RunLedger.Delivered delivered = topicExists
        ? ledger.delivered(options.getTopic(), runId, firstStarted == Long.MAX_VALUE ? 0 : firstStarted,
            PublishToKafka.RUN_ID_HEADER, PublishToKafka.LAST_HEADER)
        : new RunLedger.Delivered();
    return new RunLedger.History(records, delivered);
  }

  /** An admin client of the run's cluster, with the producer's settings and {@code --brokerTimeoutSeconds}. */
  public static KafkaTopics connect(PublishOptions options, Map<String, Object> producerConfig) {
    return KafkaTopics.connect(options.getBootstrapServers(), producerConfig,
        Duration.ofSeconds(options.getBrokerTimeoutSeconds()));
  }
}
