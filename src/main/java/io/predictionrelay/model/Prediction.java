package io.predictionrelay.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One client's prediction: the id (its text; an integer id as its decimal digits), the values of
 * any extra columns as JSON tokens, and the class values in the order of the input's
 * {@link PredictionSchema}. Column names live once in the schema, not in every row, so a row
 * shuffles as a string and a few doubles.
 */
@DefaultCoder(PredictionCoder.class)
public final class Prediction implements Comparable<Prediction> {
  static final byte[][] NO_EXTRAS = new byte[0][];

  private final String idClient;
  private final byte[][] extras;
  private final double[] probabilities;

  public Prediction(String idClient, double[] probabilities) {
    this(idClient, NO_EXTRAS, probabilities);
  }

  /** @param extras the JSON token of each extra column, in the schema's order */
  public Prediction(String idClient, byte[][] extras, double[] probabilities) {
    this.idClient = Objects.requireNonNull(idClient, "idClient");
    this.extras = extras.length == 0 ? NO_EXTRAS : extras;
    this.probabilities = Objects.requireNonNull(probabilities, "probabilities");
  }

  public String idClient() {
    return idClient;
  }

  /** The extra columns' JSON tokens; callers must not modify them. */
  public byte[][] extras() {
    return extras;
  }

  /** The class values; callers must not modify the array. */
  public double[] probabilities() {
    return probabilities;
  }

  /**
   * Orders by id, then by values and extras, so that a bucket always splits into the same
   * messages, even when the input repeats an id.
   */
  @Override
  public int compareTo(Prediction other) {
    int byId = idClient.compareTo(other.idClient);
    if (byId != 0) {
      return byId;
    }
    int byValues = Arrays.compare(probabilities, other.probabilities);
    if (byValues != 0 || extras.length == 0) {
      return byValues;
    }
    for (int i = 0; i < Math.min(extras.length, other.extras.length); i++) {
      int byExtra = Arrays.compare(extras[i], other.extras[i]);
      if (byExtra != 0) {
        return byExtra;
      }
    }
    return Integer.compare(extras.length, other.extras.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Prediction other
        && idClient.equals(other.idClient)
        && Arrays.equals(probabilities, other.probabilities)
        && Arrays.deepEquals(extras, other.extras);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * idClient.hashCode() + Arrays.hashCode(probabilities)) + Arrays.deepHashCode(extras);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(idClient);
    for (byte[] extra : extras) {
      s.append(' ').append(new String(extra, StandardCharsets.UTF_8));
    }
    return s.append(Arrays.toString(probabilities)).toString();
  }
}
