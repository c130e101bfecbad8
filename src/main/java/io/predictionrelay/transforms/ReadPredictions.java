package io.predictionrelay.transforms;

import io.predictionrelay.io.DeadLetterFiles;
import io.predictionrelay.io.ParquetInput;
import io.predictionrelay.io.RecordConverter;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.MessageFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroReadSupport;

/**
 * Reads the validated Parquet files of a {@link ParquetInput} with ParquetIO and converts each Avro
 * record at once into a compact {@link Prediction}, so no Avro record is ever shuffled. Values are
 * rounded here when the {@link MessageFormat} asks, so rounded rows are what is shuffled. Rows that
 * cannot be published are written to dead-letter files ({@link DeadLetterFiles}) and counted per
 * reason, right here: a second output would make the Spark runner cache every row.
 */
public final class ReadPredictions extends PTransform<PBegin, PCollection<Prediction>> {
  private final ParquetInput input;
  private final MessageFormat format;
  private final int maxMessageBytes;
  private final String deadLetterDir;

  private ReadPredictions(
      ParquetInput input, MessageFormat format, int maxMessageBytes, String deadLetterDir) {
    this.input = input;
    this.format = format;
    this.maxMessageBytes = maxMessageBytes;
    this.deadLetterDir = deadLetterDir;
  }

  public static ReadPredictions from(ParquetInput input) {
    return new ReadPredictions(
        input, MessageFormat.of(input.schema()), Integer.MAX_VALUE, "dead-letters");
  }

  /** The format messages will have: it decides the rounding and the size of one prediction. */
  public ReadPredictions withFormat(MessageFormat format) {
    if (!format.schema().equals(input.schema())) {
      throw new IllegalArgumentException(
          "format is for columns " + format.schema() + ", the input has " + input.schema());
    }
    return new ReadPredictions(input, format, maxMessageBytes, deadLetterDir);
  }

  /** Rows whose single-prediction message would exceed this many bytes become dead letters. */
  public ReadPredictions withMaxMessageBytes(int maxMessageBytes) {
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
    }
    return new ReadPredictions(input, format, maxMessageBytes, deadLetterDir);
  }

  /** Where dead letters go: JSON Lines files, one per bundle that had any. */
  public ReadPredictions withDeadLetterDir(String deadLetterDir) {
    if (deadLetterDir == null || deadLetterDir.isBlank()) {
      throw new IllegalArgumentException("deadLetterDir must not be empty");
    }
    return new ReadPredictions(input, format, maxMessageBytes, deadLetterDir);
  }

  @Override
  public PCollection<Prediction> expand(PBegin begin) {
    Schema schema = input.avroSchema();
    // Records come in this schema's column order, whatever each file's order.
    Configuration readSchema = new Configuration(false);
    AvroReadSupport.setAvroReadSchema(readSchema, schema);
    return begin
        .apply("ListFiles", Create.of(input.files()).withCoder(StringUtf8Coder.of()))
        .apply("MatchFiles", FileIO.matchAll())
        .apply("OpenFiles", FileIO.readMatches())
        .apply(
            "ReadParquet",
            ParquetIO.readFiles(schema).withProjection(schema, schema).withConfiguration(readSchema))
        .apply(
            "ToPredictions",
            ParDo.of(new ToPredictionFn(format, maxMessageBytes, deadLetterDir)))
        .setCoder(PredictionCoder.of());
  }

  /** Counts every row read, passes on predictions, writes and counts dead letters. */
  public static final class ToPredictionFn extends DoFn<GenericRecord, Prediction> {
    public static final String ROWS_READ = "rows_read";

    private final Counter rowsRead = Metrics.counter(ToPredictionFn.class, ROWS_READ);
    private final Map<DeadLetter.Reason, Counter> deadLetters = new EnumMap<>(DeadLetter.Reason.class);
    private final MessageFormat format;
    private final int maxMessageBytes;
    private final String deadLetterDir;
    private transient RecordConverter converter;
    private transient DeadLetterFiles files;

    ToPredictionFn(MessageFormat format, int maxMessageBytes, String deadLetterDir) {
      this.format = format;
      this.maxMessageBytes = maxMessageBytes;
      this.deadLetterDir = deadLetterDir;
      for (DeadLetter.Reason reason : DeadLetter.Reason.values()) {
        deadLetters.put(reason, Metrics.counter(ToPredictionFn.class, reason.name()));
      }
    }

    @Setup
    public void setup() {
      converter = new RecordConverter(format, maxMessageBytes);
    }

    @StartBundle
    public void startBundle() {
      files = new DeadLetterFiles(deadLetterDir);
    }

    @ProcessElement
    public void processElement(@Element GenericRecord record, OutputReceiver<Prediction> out) {
      rowsRead.inc();
      converter.convert(
          record,
          new RecordConverter.Sink() {
            @Override
            public void prediction(Prediction prediction) {
              out.output(prediction);
            }

            @Override
            public void deadLetter(DeadLetter deadLetter) {
              deadLetters.get(deadLetter.reason()).inc();
              try {
                files.write(deadLetter);
              } catch (IOException e) {
                throw new UncheckedIOException("writing a dead letter under " + deadLetterDir, e);
              }
            }
          });
    }

    @FinishBundle
    public void finishBundle() throws IOException {
      files.commit();
    }

    @Teardown
    public void teardown() throws IOException {
      if (files != null) {
        files.abort();
      }
    }
  }
}
