package io.predictionrelay.options;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.predictionrelay.model.OptionValues;

/** Where messages go ({@code --sink}): a Kafka topic, or files under {@code --outputDir}. */
public enum Sink {
  KAFKA,
  FILES;

  /** The constant {@code --sink=value} names, in any case; Beam parses the option with it. */
  @JsonCreator
  public static Sink parse(String value) {
    return OptionValues.parse(Sink.class, "sink", value);
  }

  /** As users write it, {@code kafka}; how Beam writes the option. */
  @JsonValue
  public String optionValue() {
    return OptionValues.name(this);
  }
}
