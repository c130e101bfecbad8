package io.predictionrelay.transforms;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.RecordConverter;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchInSplitsTest {
  @TempDir Path dir;
  private TestPipeline pipeline;

  @BeforeEach
  void createPipeline() {
    pipeline = TestPipelines.create();
  }

  /**
   * Two files of small row groups in which half the rows share one id: what broke the old bundle
   * keys (a hash of the first id), which gave one key to many different messages.
   */
  private ParquetInput repeatedIds() throws IOException {
    for (int f = 0; f < 2; f++) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        rows.add(row(i % 2 == 0 ? "same-id" : "id-" + f + "-" + i, i / 1000.0, f));
      }
      write(dir.resolve("part-" + f + ".parquet"), predictionSchema(2), rows, 1024);
    }
    ParquetInput input = ParquetInput.describe(dir.toString());
    assertTrue(input.splits().size() >= 10, "row groups: " + input.splits().size());
    return input;
  }

  private PCollection<MessageBatch> batch(ParquetInput input) {
    return pipeline.apply(read(input,
        BatchInSplits.of(MessageFormat.of(input.schema()), 10, 1_000_000)));
  }

  private ReadSplits<MessageBatch> read(ParquetInput input, BatchInSplits batch) {
    return ReadSplits.of(input, batch)
        .withFormat(MessageFormat.of(input.schema()))
        .withMaxMessageBytes(1_000_000)
        .withDeadLetterDir(dir.resolve("dead").toString());
  }

  /** The messages of each split, as the file order says they must be: 10 rows each, in order. */
  private static List<MessageBatch> expectedMessages(ParquetInput input) throws IOException {
    RecordConverter converter = new RecordConverter(MessageFormat.of(input.schema()), 1_000_000);
    List<Prediction> all = new ArrayList<>();
    for (String file : input.files()) {
      input.readRecords(file, record -> converter.convert(record, new RecordConverter.Receiver() {
        @Override
        public void prediction(Prediction prediction) {
          all.add(prediction);
        }

        @Override
        public void deadLetter(DeadLetter deadLetter) {
          throw new AssertionError(deadLetter);
        }
      }));
    }
    List<MessageBatch> messages = new ArrayList<>();
    int next = 0;
    for (InputSplit split : input.splits()) {
      List<Prediction> rows = all.subList(next, next + (int) split.rows());
      next += (int) split.rows();
      for (int batch = 0; batch * 10 < rows.size(); batch++) {
        List<Prediction> message = rows.subList(batch * 10, Math.min(rows.size(), batch * 10 + 10));
        boolean last = batch * 10 + 10 >= rows.size();
        messages.add(last
            ? MessageBatch.lastInSplit(split.index(), batch, message)
            : MessageBatch.inSplit(split.index(), batch, message));
      }
    }
    assertEquals(2_000, next);
    return messages;
  }

  @Test
  void eachSplitIsCutInFileOrderUnderItsOwnKeys() throws IOException {
    ParquetInput input = repeatedIds();
    List<MessageBatch> expected = expectedMessages(input);
    assertEquals(expected.size(), expected.stream().map(MessageBatch::messageId).distinct().count());
    PAssert.that(batch(input)).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void rejectsNonPositiveCaps() throws IOException {
    MessageFormat format = MessageFormat.of(repeatedIds().schema());
    assertThrows(IllegalArgumentException.class, () -> BatchInSplits.of(format, 0, 1_000));
    assertThrows(IllegalArgumentException.class, () -> BatchInSplits.of(format, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> BatchInSplits.of(format, 10, 1_000).withMaxBytes(-1));
  }
}
