package io.predictionrelay.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One row of a Delta table's change data feed, as an incremental run shuffles it: the row, the
 * version of the commit that recorded it, and whether it deletes its id or is the id's prediction
 * from then on (an insert, or an update's post-image). Update pre-images are never made into one:
 * they say what an id was, which the consumer already holds.
 */
@DefaultCoder(ChangedRow.Coder.class)
public record ChangedRow(Prediction row, long version, boolean deletes) {
  /**
   * The order of the events of one id: by commit version, and within a commit a row's new value
   * after its deletion (a commit that rewrites a file without change data files deletes its rows
   * and inserts those it keeps).
   */
  public long rank() {
    return 2 * version + (deletes ? 0 : 1);
  }

  /** Deterministic coder: the version, the kind, the row. */
  public static final class Coder extends AtomicCoder<ChangedRow> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ChangedRow change, OutputStream out) throws IOException {
      VarLongCoder.of().encode(change.version, out);
      BooleanCoder.of().encode(change.deletes, out);
      PredictionCoder.of().encode(change.row, out);
    }

    @Override
    public ChangedRow decode(InputStream in) throws IOException {
      long version = VarLongCoder.of().decode(in);
      boolean deletes = BooleanCoder.of().decode(in);
      return new ChangedRow(PredictionCoder.of().decode(in), version, deletes);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
