package io.predictionrelay.options;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.predictionrelay.model.OptionValues;

/**
 * How rows are grouped into messages ({@code --grouping}): into buckets by a hash of the id, across
 * row groups, through a shuffle; or within each row group as it is read, with no shuffle.
 */
public enum Grouping {
  BUCKET,
  BUNDLE;

  /** The constant {@code --grouping=value} names, in any case; Beam parses the option with it. */
  @JsonCreator
  public static Grouping parse(String value) {
    return OptionValues.parse(Grouping.class, "grouping", value);
  }

  /** As users write it, {@code bucket}; how Beam writes the option. */
  @JsonValue
  public String optionValue() {
    return OptionValues.name(this);
  }
}
