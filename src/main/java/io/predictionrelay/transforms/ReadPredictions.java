package io.predictionrelay.transforms;

import io.predictionrelay.io.ParquetInput;
import io.predictionrelay.io.RecordConverter;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.PredictionSchema;
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
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroReadSupport;

/**
 * Reads the validated Parquet files of a {@link ParquetInput} with ParquetIO and converts each Avro
 * record at once into a compact {@link Prediction}, so no Avro record is ever shuffled. Rows that
 * cannot be published leave through {@link #DEAD_LETTERS}.
 */
public final class ReadPredictions extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<Prediction> PREDICTIONS = new TupleTag<>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>() {};

  private final ParquetInput input;
  private final int maxMessageBytes;

  private ReadPredictions(ParquetInput input, int maxMessageBytes) {
    this.input = input;
    this.maxMessageBytes = maxMessageBytes;
  }

  public static ReadPredictions from(ParquetInput input) {
    return new ReadPredictions(input, Integer.MAX_VALUE);
  }

  /** Rows whose single-prediction message would exceed this many bytes become dead letters. */
  public ReadPredictions withMaxMessageBytes(int maxMessageBytes) {
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
    }
    return new ReadPredictions(input, maxMessageBytes);
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    Schema schema = input.avroSchema();
    // Records come in this schema's column order, whatever each file's order.
    Configuration readSchema = new Configuration(false);
    AvroReadSupport.setAvroReadSchema(readSchema, schema);
    PCollectionTuple rows =
        begin
            .apply("ListFiles", Create.of(input.files()).withCoder(StringUtf8Coder.of()))
            .apply("MatchFiles", FileIO.matchAll())
            .apply("OpenFiles", FileIO.readMatches())
            .apply(
                "ReadParquet",
                ParquetIO.readFiles(schema).withProjection(schema, schema).withConfiguration(readSchema))
            .apply(
                "ToPredictions",
                ParDo.of(new ToPredictionFn(input.schema(), maxMessageBytes))
                    .withOutputTags(PREDICTIONS, TupleTagList.of(DEAD_LETTERS)));
    rows.get(PREDICTIONS).setCoder(PredictionCoder.of());
    rows.get(DEAD_LETTERS).setCoder(DeadLetter.Coder.of());
    return rows;
  }

  /** Counts every row read and routes it to predictions or dead letters. */
  public static final class ToPredictionFn extends DoFn<GenericRecord, Prediction> {
    public static final String ROWS_READ = "rows_read";

    private final Counter rowsRead = Metrics.counter(ToPredictionFn.class, ROWS_READ);
    private final PredictionSchema schema;
    private final int maxMessageBytes;
    private transient RecordConverter converter;

    ToPredictionFn(PredictionSchema schema, int maxMessageBytes) {
      this.schema = schema;
      this.maxMessageBytes = maxMessageBytes;
    }

    @Setup
    public void setup() {
      converter = new RecordConverter(schema, maxMessageBytes);
    }

    @ProcessElement
    public void processElement(@Element GenericRecord record, MultiOutputReceiver out) {
      rowsRead.inc();
      converter.convert(
          record,
          new RecordConverter.Sink() {
            @Override
            public void prediction(Prediction prediction) {
              out.get(PREDICTIONS).output(prediction);
            }

            @Override
            public void deadLetter(DeadLetter deadLetter) {
              out.get(DEAD_LETTERS).output(deadLetter);
            }
          });
    }
  }
}
