package io.predictionrelay.transforms;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.predictionrelay.model.DeadLetter;
import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * Writes dead letters as JSON Lines, {@code {"reason":…,"detail":…,"row":{…}}}, under a directory,
 * and counts them per {@link DeadLetter.Reason} (the counter's name is the reason).
 */
public final class WriteDeadLetters extends PTransform<PCollection<DeadLetter>, PDone> {
  private final String directory;

  private WriteDeadLetters(String directory) {
    this.directory = directory;
  }

  public static WriteDeadLetters to(String directory) {
    return new WriteDeadLetters(directory);
  }

  @Override
  public PDone expand(PCollection<DeadLetter> deadLetters) {
    deadLetters
        .apply("CountAndFormat", ParDo.of(new CountDeadLettersFn()))
        .setCoder(StringUtf8Coder.of())
        .apply("WriteJsonLines", TextIO.write().to(directory + "/dead-letters").withSuffix(".jsonl"));
    return PDone.in(deadLetters.getPipeline());
  }

  /** One dead letter as a JSON line. */
  public static String toLine(DeadLetter deadLetter) {
    JsonStringEncoder quote = JsonStringEncoder.getInstance();
    return "{\"reason\":\"" + deadLetter.reason().name()
        + "\",\"detail\":\"" + new String(quote.quoteAsString(deadLetter.detail()))
        + "\",\"row\":" + deadLetter.rowJson() + "}";
  }

  /** Counts each dead letter under its reason and formats it. */
  public static final class CountDeadLettersFn extends DoFn<DeadLetter, String> {
    private final Map<DeadLetter.Reason, Counter> counters = new EnumMap<>(DeadLetter.Reason.class);

    public CountDeadLettersFn() {
      for (DeadLetter.Reason reason : DeadLetter.Reason.values()) {
        counters.put(reason, Metrics.counter(CountDeadLettersFn.class, reason.name()));
      }
    }

    @ProcessElement
    public void processElement(@Element DeadLetter deadLetter, OutputReceiver<String> out) {
      counters.get(deadLetter.reason()).inc();
      out.output(toLine(deadLetter));
    }
  }
}
