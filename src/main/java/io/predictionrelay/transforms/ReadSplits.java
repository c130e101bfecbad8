package io.predictionrelay.transforms;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * The read step: lists the planned splits of a {@link ParquetInput} (row groups, from the footers),
 * spreads them over the workers, and reads each with a {@link SplitReader}, which turns each row at
 * once into a compact {@link Prediction} (rounded when the {@link MessageFormat} asks), so no Avro
 * record is ever shuffled. Rows that cannot be published are written to dead-letter files and
 * counted per reason, right here: a second output would make the Spark runner cache every row.
 *
 * <p>What becomes of the rows is the grouping's: {@code GroupIntoBuckets.packing()} packs them into
 * blocks per bucket, {@code BatchInSplits} cuts them into messages. Either is a {@link Rows} whose
 * DoFn ({@link ReadSplitsFn}) is handed each row as it is read, so no element per row is made.
 */
public final class ReadSplits<OutputT> extends PTransform<PBegin, PCollection<OutputT>> {
  /** What a grouping does with the rows of the splits, as they are read. */
  public interface Rows<OutputT> extends Serializable {
    /** The step's name within {@code ReadSplits}, e.g. {@code PackBuckets}. */
    String stepName();

    /** The DoFn that reads the splits with {@code reader} and outputs what their rows make. */
    ReadSplitsFn<OutputT> readingWith(SplitReader reader);

    Coder<OutputT> coder();
  }

  private final ParquetInput input;
  private final Rows<OutputT> rows;
  private final MessageFormat format;
  private final int maxMessageBytes;
  private final String deadLetterDir;
  private final int[] skippedSplits;
  private final List<InputSplit> splits; // null: the input's

  private ReadSplits(ParquetInput input, Rows<OutputT> rows, MessageFormat format, int maxMessageBytes,
      String deadLetterDir, int[] skippedSplits, List<InputSplit> splits) {
    this.input = input;
    this.rows = rows;
    this.format = format;
    this.maxMessageBytes = maxMessageBytes;
    this.deadLetterDir = deadLetterDir;
    this.skippedSplits = skippedSplits;
    this.splits = splits;
  }

  /**
   * Reads {@code input}, handing its rows to {@code rows}; a format, the byte cap and the
   * dead-letter directory must be given.
   */
  public static <OutputT> ReadSplits<OutputT> of(ParquetInput input, Rows<OutputT> rows) {
    if (rows == null) {
      throw new IllegalArgumentException("rows must be given: what the grouping does with them");
    }
    return new ReadSplits<>(input, rows, null, 0, null, new int[0], null);
  }

  /** The format messages will have: it decides the rounding and the size of one prediction. */
  public ReadSplits<OutputT> withFormat(MessageFormat format) {
    if (!format.schema().equals(input.schema())) {
      throw new IllegalArgumentException(
          "format is for columns " + format.schema() + ", the input has " + input.schema());
    }
    return new ReadSplits<>(input, rows, format, maxMessageBytes, deadLetterDir, skippedSplits, splits);
  }

  /** Rows whose single-prediction message would exceed this many bytes become dead letters. */
  public ReadSplits<OutputT> withMaxMessageBytes(int maxMessageBytes) {
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
    }
    return new ReadSplits<>(input, rows, format, maxMessageBytes, deadLetterDir, skippedSplits, splits);
  }

  /** Where dead letters go: JSON Lines files, one per bundle that had any. */
  public ReadSplits<OutputT> withDeadLetterDir(String deadLetterDir) {
    if (deadLetterDir == null || deadLetterDir.isBlank()) {
      throw new IllegalArgumentException("deadLetterDir must not be empty");
    }
    return new ReadSplits<>(input, rows, format, maxMessageBytes, deadLetterDir, skippedSplits, splits);
  }

  /**
   * Leaves out these splits (by index): a resumed run's splits that arrived whole, an incremental
   * run's files unchanged since its base.
   */
  public ReadSplits<OutputT> skippingSplits(int[] skipped) {
    int[] sorted = skipped.clone();
    Arrays.sort(sorted);
    return new ReadSplits<>(input, rows, format, maxMessageBytes, deadLetterDir, sorted, splits);
  }

  /**
   * Reads these splits instead of the input's, with the input's columns: an incremental run's base
   * snapshot's rewritten files, numbered after the input's splits.
   */
  public ReadSplits<OutputT> readingSplits(List<InputSplit> splits) {
    return new ReadSplits<>(input, rows, format, maxMessageBytes, deadLetterDir, skippedSplits, List.copyOf(splits));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("input", input.pattern()).withLabel("Input"))
        .add(DisplayData.item("splits", (long) (splits == null ? input.splits().size() : splits.size())
            - skippedSplits.length).withLabel("Splits read"))
        .add(DisplayData.item("rows", rows.stepName()).withLabel("What the rows make"))
        .addIfNotNull(DisplayData.item("deadLetterDir", deadLetterDir).withLabel("Dead letters"));
  }

  @Override
  public PCollection<OutputT> expand(PBegin begin) {
    if (format == null || maxMessageBytes == 0 || deadLetterDir == null) {
      throw new IllegalStateException("ReadSplits needs withFormat, withMaxMessageBytes and withDeadLetterDir");
    }
    SplitReader reader = new SplitReader(format, input.extraColumns(), maxMessageBytes, deadLetterDir);
    return begin
        .apply("ListSplits", Create.of((splits == null ? input.splits() : splits).stream()
                .filter(split -> Arrays.binarySearch(skippedSplits, split.index()) < 0).toList())
            .withCoder(InputSplit.Coder.of()))
        .apply("SpreadSplits", Reshuffle.viaRandomKey())
        .apply(rows.stepName(), ParDo.of(rows.readingWith(reader)))
        .setCoder(rows.coder());
  }
}
