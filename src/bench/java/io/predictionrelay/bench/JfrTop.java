package io.predictionrelay.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a flight recording of a run the way the benchmark notes need it: Java execution samples
 * by top frame (self time) and by the first frame that belongs to a known library (where the time
 * goes, library by library), GC pause time and JIT compilation time. {@code jfr print} gives the same
 * events one by one; this counts them.
 *
 * <pre>JfrTop RECORDING.jfr [TOP=25]</pre>
 */
public final class JfrTop {
  /** Package prefixes, most specific first: a sample counts for the first one found from its top frame down. */
  private static final Map<String, String> AREAS = new LinkedHashMap<>();

  static {
    AREAS.put("io.predictionrelay.model.JsonBytes", "JSON encoding (ours)");
    AREAS.put("io.predictionrelay.model.PredictionJson", "JSON encoding (ours)");
    AREAS.put("io.predictionrelay.model.PredictionCoder", "PredictionCoder");
    AREAS.put("io.predictionrelay.input.RecordConverter", "Avro record → Prediction");
    AREAS.put("io.predictionrelay", "other project code");
    AREAS.put("com.fasterxml.jackson", "Jackson (Schubfach, string encoding)");
    AREAS.put("org.apache.parquet", "Parquet decoding");
    AREAS.put("shaded.parquet", "Parquet decoding");
    AREAS.put("org.xerial.snappy", "Snappy");
    AREAS.put("org.apache.avro", "Avro");
    AREAS.put("org.apache.kafka", "Kafka client");
    AREAS.put("org.apache.beam.runners.spark", "Beam Spark runner");
    AREAS.put("org.apache.beam.runners.flink", "Beam Flink runner");
    AREAS.put("org.apache.beam", "Beam SDK/core");
    AREAS.put("org.apache.spark", "Spark");
    AREAS.put("org.apache.flink", "Flink");
    AREAS.put("scala.", "Scala library");
    AREAS.put("net.jpountz", "LZ4");
    AREAS.put("com.esotericsoftware", "Kryo");
  }

  public static void main(String[] args) throws Exception {
    int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    Map<String, Integer> selfFrames = new HashMap<>();
    Map<String, Integer> areas = new HashMap<>();
    int samples = 0;
    double gcPauseSeconds = 0;
    int gcs = 0;
    double compileSeconds = 0;
    int compilations = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
      switch (event.getEventType().getName()) {
        case "jdk.ExecutionSample" -> {
          RecordedStackTrace stack = event.getStackTrace();
          if (stack == null || stack.getFrames().isEmpty()) {
            continue;
          }
          samples++;
          List<RecordedFrame> frames = stack.getFrames();
          selfFrames.merge(name(frames.get(0)), 1, Integer::sum);
          areas.merge(area(frames), 1, Integer::sum);
        }
        case "jdk.GarbageCollection" -> {
          gcPauseSeconds += event.getDuration("sumOfPauses").toNanos() / 1e9;
          gcs++;
        }
        case "jdk.Compilation" -> {
          compileSeconds += event.getDuration().toNanos() / 1e9;
          compilations++;
        }
        default -> { }
      }
    }
    System.out.printf("%,d Java execution samples; GC: %d collections, %.2f s of pauses;"
        + " JIT: %,d compilations (those over the threshold) taking %.1f s%n%n", samples, gcs, gcPauseSeconds,
        compilations, compileSeconds);
    System.out.println("| where (first known frame from the top) | samples | share |\n|---|---:|---:|");
    print(areas, samples, top);
    System.out.println("\n| top frame (self) | samples | share |\n|---|---:|---:|");
    print(selfFrames, samples, top);
  }

  private static void print(Map<String, Integer> counts, int samples, int top) {
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
        .forEach(e -> System.out.printf("| %s | %,d | %.1f%% |%n", e.getKey(), e.getValue(),
            100.0 * e.getValue() / samples));
  }

  private static String name(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }

  private static String area(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = frame.getMethod().getType().getName();
      for (Map.Entry<String, String> a : AREAS.entrySet()) {
        if (type.startsWith(a.getKey())) {
          return a.getValue();
        }
      }
    }
    String type = frames.get(0).getMethod().getType().getName();
    return "JDK (" + type.substring(0, Math.max(0, type.lastIndexOf('.'))) + ")";
  }
}
