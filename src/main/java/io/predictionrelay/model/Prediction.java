package io.predictionrelay.model;

import java.util.Arrays;
import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One client's prediction: the id and its class probabilities, in the order of the input's
 * {@link PredictionSchema}. The column names live once in the schema, not in every row, so a row
 * shuffles as a string and a few doubles.
 */
@DefaultCoder(PredictionCoder.class)
public final class Prediction implements Comparable<Prediction> {
  private final String idClient;
  private final double[] probabilities;

  public Prediction(String idClient, double[] probabilities) {
    this.idClient = Objects.requireNonNull(idClient, "idClient");
    this.probabilities = Objects.requireNonNull(probabilities, "probabilities");
  }

  public String idClient() {
    return idClient;
  }

  /** The class values; callers must not modify the array. */
  public double[] probabilities() {
    return probabilities;
  }

  /**
   * Orders by id, then by values, so that a bucket always splits into the same messages, even when
   * the input repeats an id.
   */
  @Override
  public int compareTo(Prediction other) {
    int byId = idClient.compareTo(other.idClient);
    return byId != 0 ? byId : Arrays.compare(probabilities, other.probabilities);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Prediction
        && idClient.equals(((Prediction) o).idClient)
        && Arrays.equals(probabilities, ((Prediction) o).probabilities);
  }

  @Override
  public int hashCode() {
    return 31 * idClient.hashCode() + Arrays.hashCode(probabilities);
  }

  @Override
  public String toString() {
    return idClient + Arrays.toString(probabilities);
  }
}
