package io.predictionrelay.tools;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.predictionrelay.model.OptionValues;
import io.predictionrelay.model.PredictionSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Writes fake prediction rows as Snappy Parquet files: {@code id_client} a random UUID and
 * {@code class_0 … class_(C-1)} doubles, either probabilities that sum to 1 (uniform on the simplex)
 * or independent uniforms. Files are written in parallel, each from its own seeded stream, so the
 * same seed gives the same rows whatever the thread count. Memory stays bounded by the writers'
 * row groups.
 *
 * <pre>
 * GeneratePredictions --rows=1000000 --classes=30 --files=4 --output=data/predictions --seed=42
 * </pre>
 */
public final class GeneratePredictions {
  /** How class values are drawn ({@code --distribution=softmax|uniform}). */
  public enum Distribution {
    SOFTMAX,
    UNIFORM;

    /** The constant {@code --distribution=value} names, in any case; Beam parses the option with it. */
    @JsonCreator
    public static Distribution parse(String value) {
      return OptionValues.parse(Distribution.class, "distribution", value);
    }

    @JsonValue
    @Override
    public String toString() {
      return OptionValues.name(this);
    }
  }

  /** The command line, read by Beam's {@link PipelineOptionsFactory}. */
  public interface Options extends PipelineOptions {
    @Description("Rows to write.")
    @Default.Long(1_000_000)
    long getRows();

    void setRows(long value);

    @Description("Class columns class_0 … class_(C-1).")
    @Default.Integer(30)
    int getClasses();

    void setClasses(int value);

    @Description("Files to write; unset: max(4, one per 2,000,000 rows).")
    Integer getFiles();

    void setFiles(Integer value);

    @Description("Directory to write the files into.")
    @Default.String("data/predictions")
    String getOutput();

    void setOutput(String value);

    @Description("Seed of the random streams: the same seed gives the same rows.")
    @Default.Long(42)
    long getSeed();

    void setSeed(long value);

    @Description("'softmax' (probabilities that sum to 1) or 'uniform' (independent uniforms).")
    @Default.Enum("SOFTMAX")
    Distribution getDistribution();

    void setDistribution(Distribution value);

    @Description("Writer threads; 0: one per core.")
    @Default.Integer(0)
    int getThreads();

    void setThreads(int value);
  }

  private final long rows;
  private final int classes;
  private final int files;
  private final Path output;
  private final long seed;
  private final Distribution distribution;
  private final int threads;
  private final boolean progress;

  private GeneratePredictions(Builder b) {
    this.rows = b.rows;
    this.classes = b.classes;
    this.files = b.files > 0 ? b.files : (int) Math.max(4, (b.rows + 1_999_999) / 2_000_000);
    this.output = b.output;
    this.seed = b.seed;
    this.distribution = b.distribution;
    this.threads = b.threads > 0 ? b.threads : Runtime.getRuntime().availableProcessors();
    this.progress = b.progress;
  }

  public static Builder builder(Path output) {
    return new Builder(output);
  }

  /** Options of a generation run. */
  public static final class Builder {
    private final Path output;
    private long rows = 1_000_000;
    private int classes = 30;
    private int files;
    private long seed = 42;
    private Distribution distribution = Distribution.SOFTMAX;
    private int threads;
    private boolean progress;

    private Builder(Path output) {
      this.output = output;
    }

    public Builder rows(long value) {
      if (value < 0) {
        throw new IllegalArgumentException("--rows must not be negative, got " + value);
      }
      rows = value;
      return this;
    }

    public Builder classes(int value) {
      if (value <= 0) {
        throw new IllegalArgumentException("--classes must be positive, got " + value);
      }
      classes = value;
      return this;
    }

    public Builder files(int value) {
      if (value <= 0) {
        throw new IllegalArgumentException("--files must be positive, got " + value);
      }
      files = value;
      return this;
    }

    public Builder seed(long value) {
      seed = value;
      return this;
    }

    public Builder distribution(Distribution value) {
      distribution = value;
      return this;
    }

    public Builder threads(int value) {
      threads = value;
      return this;
    }

    public Builder progress(boolean value) {
      progress = value;
      return this;
    }

    public GeneratePredictions build() {
      return new GeneratePredictions(this);
    }
  }

  public static Schema avroSchema(int classes) {
    SchemaBuilder.FieldAssembler<Schema> fields =
        SchemaBuilder.record("prediction").fields().requiredString(PredictionSchema.ID_COLUMN);
    for (String column : PredictionSchema.withClasses(classes).classColumns()) {
      fields = fields.requiredDouble(column);
    }
    return fields.endRecord();
  }

  /** Writes the files, replacing {@code part-*.parquet} files already in the directory. */
  public List<Path> run() throws IOException, InterruptedException {
    Files.createDirectories(output);
    try (Stream<Path> old = Files.list(output)) {
      for (Path p : (Iterable<Path>) old::iterator) {
        if (p.getFileName().toString().matches("part-\\d+\\.parquet")) {
          Files.delete(p);
        }
      }
    }
    Schema schema = avroSchema(classes);
    AtomicLong written = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, files));
    List<Future<Path>> parts = new ArrayList<>();
    for (int f = 0; f < files; f++) {
      int file = f;
      long first = rows * file / files;
      long count = rows * (file + 1) / files - first;
      parts.add(pool.submit(() -> writeFile(schema, file, count, written)));
    }
    pool.shutdown();
    long start = System.nanoTime();
    while (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
      if (progress) {
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "generated %,d of %,d rows (%,.0f rows/s)%n", written.get(), rows, written.get() / seconds);
      }
    }
    List<Path> paths = new ArrayList<>();
    for (Future<Path> part : parts) {
      try {
        paths.add(part.get());
      } catch (ExecutionException e) {
        throw new IOException("writing predictions failed: " + e.getCause(), e.getCause());
      }
    }
    return paths;
  }

  private Path writeFile(Schema schema, int file, long count, AtomicLong written) {
    Path path = output.resolve(String.format("part-%05d.parquet", file));
    SplittableRandom random = new SplittableRandom(seed).split();
    for (int i = 0; i < file; i++) {
      random = random.split(); // the stream of file i depends on the seed and i only
    }
    GenericRecord record = new GenericData.Record(schema);
    double[] values = new double[classes];
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(path))
            .withSchema(schema)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withRowGroupSize(32L * 1024 * 1024)
            .build()) {
      for (long row = 0; row < count; row++) {
        record.put(0, uuid(random));
        draw(random, values);
        for (int c = 0; c < classes; c++) {
          record.put(c + 1, values[c]);
        }
        writer.write(record);
        if ((row & 4095) == 4095) {
          written.addAndGet(4096);
        }
      }
      written.addAndGet(count & 4095);
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": " + e.getMessage(), e);
    }
    return path;
  }

  private static String uuid(SplittableRandom random) {
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lsb = (random.nextLong() & ~(0x3L << 62)) | (0x2L << 62); // IETF variant
    return new UUID(msb, lsb).toString();
  }

  private void draw(SplittableRandom random, double[] values) {
    if (distribution == Distribution.UNIFORM) {
      for (int c = 0; c < values.length; c++) {
        values[c] = random.nextDouble();
      }
      return;
    }
    // Normalised exponentials are uniform on the probability simplex (Dirichlet(1, ..., 1)).
    double sum = 0;
    for (int c = 0; c < values.length; c++) {
      values[c] = -Math.log(1.0 - random.nextDouble());
      sum += values[c];
    }
    for (int c = 0; c < values.length; c++) {
      values[c] /= sum;
    }
  }

  public static void main(String[] args) throws Exception {
    GeneratePredictions generator;
    try {
      Options options = PipelineOptionsFactory.fromArgs(args).as(Options.class);
      Builder builder =
          builder(Path.of(options.getOutput()))
              .rows(options.getRows())
              .classes(options.getClasses())
              .seed(options.getSeed())
              .distribution(options.getDistribution())
              .threads(options.getThreads())
              .progress(true);
      if (options.getFiles() != null) {
        builder.files(options.getFiles());
      }
      generator = builder.build();
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + OptionValues.describe(e, args));
      System.exit(2);
      return;
    }
    long start = System.nanoTime();
    List<Path> paths = generator.run();
    System.out.printf(
        "wrote %,d rows in %d files under %s in %.1f s%n",
        generator.rows, paths.size(), generator.output, (System.nanoTime() - start) / 1e9);
  }
}
