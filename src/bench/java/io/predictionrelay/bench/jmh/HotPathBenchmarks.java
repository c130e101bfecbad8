package io.predictionrelay.bench.jmh;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;
import io.predictionrelay.input.RecordConverter;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.model.SignificantDigits;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.transforms.GroupIntoBuckets;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.util.CoderUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The hot paths, one call each: encoding one message of 10 predictions of 30 classes (both
 * layouts), the bucket hash of one id, the conversion of one Parquet (Avro) row, and the double
 * formatting and rounding they rest on.
 * Run with {@code make jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmarks {
  private static final JsonFactory DEFAULT_JACKSON = new JsonFactory();
  private static final JsonFactory FAST_DOUBLES_JACKSON =
      JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

  private PredictionJson json;
  private PredictionJson compactJson;
  private List<Prediction> message;
  private String id;
  private GenericRecord record;
  private RecordConverter converter;
  private double value;
  private final RecordConverter.Receiver receiver = new RecordConverter.Receiver() {
    @Override
    public void prediction(Prediction prediction) {
      last = prediction;
    }

    @Override
    public void deadLetter(DeadLetter deadLetter) {
      throw new IllegalStateException(deadLetter.toString());
    }
  };
  private Prediction last;

  @Setup
  public void setup() {
    PredictionSchema schema = PredictionSchema.withClasses(30);
    MessageFormat format = MessageFormat.of(schema);
    json = new PredictionJson(format);
    compactJson = new PredictionJson(format.withLayout(MessageFormat.Layout.COMPACT));
    SplittableRandom random = new SplittableRandom(3);
    message = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      double[] values = new double[30];
      for (int c = 0; c < 30; c++) {
        values[c] = random.nextDouble() / 30;
      }
      message.add(new Prediction(new UUID(random.nextLong(), random.nextLong()).toString(), values));
    }
    id = message.get(0).id();
    Schema avro = GeneratePredictions.avroSchema(30);
    record = new GenericData.Record(avro);
    record.put(0, id);
    for (int c = 0; c < 30; c++) {
      record.put(c + 1, message.get(0).values()[c]);
    }
    converter = new RecordConverter(format, 1_000_000);
    value = message.get(0).values()[7];
  }

  @Benchmark
  public byte[] encodeMessageOf10() {
    return json.encode(message);
  }

  @Benchmark
  public byte[] encodeCompactMessageOf10() {
    return compactJson.encode(message);
  }

  @Benchmark
  public double roundTo6Digits() {
    return SignificantDigits.round(value, 6);
  }

  @Benchmark
  public double roundTo6DigitsBigDecimal() {
    return new BigDecimal(value).round(new MathContext(6, RoundingMode.HALF_EVEN)).doubleValue();
  }

  @Benchmark
  public int bucketHash() {
    return GroupIntoBuckets.bucketOf(id, 500);
  }

  @Benchmark
  public Prediction convertParquetRow() {
    converter.convert(record, receiver);
    return last;
  }

  @Benchmark
  public String doubleFastWriter() {
    return DoubleToDecimal.toString(value);
  }

  @Benchmark
  public String doubleJdkToString() {
    return Double.toString(value);
  }

  /** Our writer's reference: Jackson's generator with the same double writer. */
  @Benchmark
  public byte[] encodeMessageOf10JacksonGenerator() throws Exception {
    return jacksonGenerator(FAST_DOUBLES_JACKSON);
  }

  @Benchmark
  public byte[] encodeMessageOf10DefaultJackson() throws Exception {
    return jacksonGenerator(DEFAULT_JACKSON);
  }

  @Benchmark
  public Prediction predictionCoderRoundTrip() throws Exception {
    return CoderUtils.decodeFromByteArray(
        PredictionCoder.of(), CoderUtils.encodeToByteArray(PredictionCoder.of(), message.get(0)));
  }

  private byte[] jacksonGenerator(JsonFactory factory) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try (JsonGenerator gen = factory.createGenerator(out)) {
      gen.writeStartArray();
      for (Prediction p : message) {
        gen.writeStartObject();
        gen.writeStringField("id_client", p.id());
        for (int c = 0; c < 30; c++) {
          gen.writeNumberField("class_" + c, p.values()[c]);
        }
        gen.writeEndObject();
      }
      gen.writeEndArray();
    }
    return out.toByteArray();
  }
}
