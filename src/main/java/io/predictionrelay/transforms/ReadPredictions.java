package io.predictionrelay.transforms;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads the splits of a {@link ParquetInput} (row groups planned from the footers) and converts each
 * row at once into a compact {@link Prediction}, so no Avro record is ever shuffled. Values are
 * rounded here when the {@link MessageFormat} asks, so rounded rows are what is shuffled. Rows that
 * cannot be published are written to dead-letter files and counted per reason, right here: a
 * second output would make the Spark runner cache every row.
 */
public final class ReadPredictions extends PTransform<PBegin, PCollection<Prediction>> {
  private final ParquetInput input;
  private final MessageFormat format;
  private final int maxMessageBytes;
  private final String deadLetterDir;
  private final int[] skippedSplits;

  private ReadPredictions(ParquetInput input, MessageFormat format, int maxMessageBytes,
      String deadLetterDir, int[] skippedSplits) {
    this.input = input;
    this.format = format;
    this.maxMessageBytes = maxMessageBytes;
    this.deadLetterDir = deadLetterDir;
    this.skippedSplits = skippedSplits;
  }

  /** Reads {@code input}; a format, the byte cap and the dead-letter directory must be given. */
  public static ReadPredictions from(ParquetInput input) {
    return new ReadPredictions(input, null, 0, null, new int[0]);
  }

  /** The format messages will have: it decides the rounding and the size of one prediction. */
  public ReadPredictions withFormat(MessageFormat format) {
    if (!format.schema().equals(input.schema())) {
      throw new IllegalArgumentException(
          "format is for columns " + format.schema() + ", the input has " + input.schema());
    }
    return new ReadPredictions(input, format, maxMessageBytes, deadLetterDir, skippedSplits);
  }

  /** Rows whose single-prediction message would exceed this many bytes become dead letters. */
  public ReadPredictions withMaxMessageBytes(int maxMessageBytes) {
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
    }
    return new ReadPredictions(input, format, maxMessageBytes, deadLetterDir, skippedSplits);
  }

  /** Where dead letters go: JSON Lines files, one per bundle that had any. */
  public ReadPredictions withDeadLetterDir(String deadLetterDir) {
    if (deadLetterDir == null || deadLetterDir.isBlank()) {
      throw new IllegalArgumentException("deadLetterDir must not be empty");
    }
    return new ReadPredictions(input, format, maxMessageBytes, deadLetterDir, skippedSplits);
  }

  /** Leaves out these splits (by index): a resumed run's splits that arrived whole. */
  public ReadPredictions skippingSplits(int[] splits) {
    int[] sorted = splits.clone();
    java.util.Arrays.sort(sorted);
    return new ReadPredictions(input, format, maxMessageBytes, deadLetterDir, sorted);
  }

  MessageFormat format() {
    return format;
  }

  /**
   * The reader of one split, as configured; both groupings read with it ({@link GroupIntoBuckets},
   * {@link BatchInSplits}).
   */
  SplitReader splitReader() {
    if (format == null || maxMessageBytes == 0 || deadLetterDir == null) {
      throw new IllegalStateException("ReadPredictions needs withFormat, withMaxMessageBytes and withDeadLetterDir");
    }
    return new SplitReader(format, input.extraColumns(), maxMessageBytes, deadLetterDir);
  }

  /** The input's splits, spread over the workers. */
  PCollection<InputSplit> splits(PBegin begin) {
    return begin
        .apply("ListSplits", Create.of(input.splits().stream()
                .filter(split -> java.util.Arrays.binarySearch(skippedSplits, split.index()) < 0).toList())
            .withCoder(InputSplit.Coder.of()))
        .apply("SpreadSplits", Reshuffle.viaRandomKey());
  }

  @Override
  public PCollection<Prediction> expand(PBegin begin) {
    return splits(begin)
        .apply("ReadSplits", ParDo.of(new ReadSplitFn(splitReader())))
        .setCoder(PredictionCoder.of());
  }

  static final class ReadSplitFn extends DoFn<InputSplit, Prediction> {
    private final SplitReader reader;

    ReadSplitFn(SplitReader reader) {
      this.reader = reader;
    }

    @Setup
    public void setup() {
      reader.setup();
    }

    @StartBundle
    public void startBundle() {
      reader.startBundle();
    }

    @ProcessElement
    public void processElement(@Element InputSplit split, OutputReceiver<Prediction> out)
        throws java.io.IOException {
      reader.read(split, out::output);
    }

    @FinishBundle
    public void finishBundle() throws java.io.IOException {
      reader.finishBundle();
    }

    @Teardown
    public void teardown() throws java.io.IOException {
      reader.teardown();
    }
  }
}
