package io.predictionrelay.run;

/** Where messages go ({@code --sink}): a Kafka topic, or files under {@code --outputDir}. */
public enum Sink {
  KAFKA,
  FILES
}
