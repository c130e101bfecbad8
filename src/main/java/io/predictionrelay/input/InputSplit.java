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
    List<String> partitionValues, FileColumns columns, long[] deleted)
    implements java.io.Serializable {

  /**
   * @param partitionValues the file's Hive partition values, in the input's column order (null: default partition)
   * @param columns where the file holds each published column
   * @param deleted the positions in the file of this split's rows that the table deletes, ascending
   */
  public InputSplit {
    partitionValues = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(partitionValues));
  }

  /** The rows of this split the table has, not deleted. */
  public long liveRows() {
    return rows - deleted.length;
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
      FileColumns.Coder.of().encode(split.columns, out);
      INT.encode(split.deleted.length, out);
      long previous = split.firstRow;
      for (long position : split.deleted) {
        LONG.encode(position - previous, out); // ascending: small gaps
        previous = position;
      }
    }

    @Override
    public InputSplit decode(InputStream in) throws IOException {
      int index = INT.decode(in);
      String file = STRING.decode(in);
      long fileSize = LONG.decode(in);
      long start = LONG.decode(in);
      long end = LONG.decode(in);
      long firstRow = LONG.decode(in);
      long rows = LONG.decode(in);
      List<String> values = VALUES.decode(in);
      FileColumns columns = FileColumns.Coder.of().decode(in);
      long[] deleted = new long[INT.decode(in)];
      long previous = firstRow;
      for (int i = 0; i < deleted.length; i++) {
        deleted[i] = previous + LONG.decode(in);
        previous = deleted[i];
      }
      return new InputSplit(index, file, fileSize, start, end, firstRow, rows, values, columns, deleted);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
