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
    List<String> partitionValues, FileColumns columns, long[] deleted, long[] selected)
    implements java.io.Serializable {

  /**
   * @param partitionValues the file's Hive partition values, in the input's column order (null: default partition)
   * @param columns where the file holds each published column
   * @param deleted the positions in the file of this split's rows that the table deletes, ascending
   * @param selected null, or the positions in the file of the only rows of this split to read,
   *     ascending (the rows a Delta commit deleted from a file by a deletion vector); {@code deleted} is then empty
   */
  public InputSplit {
    partitionValues = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(partitionValues));
  }

  /** A split of every row but those the table deletes. */
  public InputSplit(int index, String file, long fileSize, long start, long end, long firstRow, long rows,
      List<String> partitionValues, FileColumns columns, long[] deleted) {
    this(index, file, fileSize, start, end, firstRow, rows, partitionValues, columns, deleted, null);
  }

  /** The rows of this split that are read: those the table has, not deleted, or the selected ones. */
  public long liveRows() {
    return selected != null ? selected.length : rows - deleted.length;
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
      encodePositions(split.deleted, split.firstRow, out);
      INT.encode(split.selected == null ? 0 : 1, out);
      if (split.selected != null) {
        encodePositions(split.selected, split.firstRow, out);
      }
    }

    private static void encodePositions(long[] positions, long firstRow, OutputStream out) throws IOException {
      INT.encode(positions.length, out);
      long previous = firstRow;
      for (long position : positions) {
        LONG.encode(position - previous, out); // ascending: small gaps
        previous = position;
      }
    }

    private static long[] decodePositions(long firstRow, InputStream in) throws IOException {
      long[] positions = new long[INT.decode(in)];
      long previous = firstRow;
      for (int i = 0; i < positions.length; i++) {
        positions[i] = previous + LONG.decode(in);
        previous = positions[i];
      }
      return positions;
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
      long[] deleted = decodePositions(firstRow, in);
      long[] selected = INT.decode(in) == 0 ? null : decodePositions(firstRow, in);
      return new InputSplit(index, file, fileSize, start, end, firstRow, rows, values, columns, deleted, selected);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
