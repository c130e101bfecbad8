package io.predictionrelay.input;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One unit of reading, planned from the footers: a run of row groups of one file, with its place in
 * the input. {@code index} numbers the splits of an input in file and row order, so the same input
 * always has the same splits under the same numbers: message ids of the shuffle-free grouping are
 * built from it. The byte range selects exactly its row groups (Parquet reads the row groups whose
 * midpoint falls in it).
 */
public record InputSplit(
    int index, String file, long fileSize, long start, long end, long firstRow, long rows,
    List<String> partitionValues)
    implements java.io.Serializable {

  /** @param partitionValues the file's Hive partition values, in the input's column order (null: default partition) */
  public InputSplit {
    partitionValues = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(partitionValues));
  }

  @Override
  public String toString() {
    return file + " rows " + firstRow + ".." + (firstRow + rows - 1) + " (split " + index + ")";
  }

  /** Deterministic coder for {@link InputSplit}. */
  public static final class Coder extends AtomicCoder<InputSplit> {
    private static final Coder INSTANCE = new Coder();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final ListCoder<String> VALUES = ListCoder.of(NullableCoder.of(StringUtf8Coder.of()));

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(InputSplit split, OutputStream out) throws IOException {
      INT.encode(split.index, out);
      STRING.encode(split.file, out);
      LONG.encode(split.fileSize, out);
      LONG.encode(split.start, out);
      LONG.encode(split.end, out);
      LONG.encode(split.firstRow, out);
      LONG.encode(split.rows, out);
      VALUES.encode(split.partitionValues, out);
    }

    @Override
    public InputSplit decode(InputStream in) throws IOException {
      return new InputSplit(INT.decode(in), STRING.decode(in), LONG.decode(in), LONG.decode(in),
          LONG.decode(in), LONG.decode(in), LONG.decode(in), VALUES.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
