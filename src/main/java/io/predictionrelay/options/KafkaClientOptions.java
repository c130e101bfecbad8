package io.predictionrelay.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * How a tool reaches the Kafka cluster: its address and its client properties file. The publisher
 * and the verifier both extend it, so that the same file works for both and they cannot drift.
 */
public interface KafkaClientOptions extends PipelineOptions {

  @Description("Kafka bootstrap servers, host:port[,host:port...].")
  @Default.String("127.0.0.1:9092")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description(
      "A Kafka client properties file (security.protocol, sasl.*, ssl.*, ...), as Kafka's tools take"
          + " with --command-config; read on the launching machine. The way to give secrets: they"
          + " never enter the pipeline's options.")
  @Default.String("")
  String getKafkaConfigFile();

  void setKafkaConfigFile(String value);
}
