package io.predictionrelay.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.tools.GeneratePredictions;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class RecordConverterTest {
  private static final MessageFormat FORMAT = MessageFormat.of(PredictionSchema.withClasses(2));
  private final List<Prediction> predictions = new ArrayList<>();
  private final List<DeadLetter> deadLetters = new ArrayList<>();
  private final RecordConverter.Sink sink =
      new RecordConverter.Sink() {
        @Override
        public void prediction(Prediction prediction) {
          predictions.add(prediction);
        }

        @Override
        public void deadLetter(DeadLetter deadLetter) {
          deadLetters.add(deadLetter);
        }
      };

  private static GenericRecord record(String id, double c0, double c1) {
    GenericRecord record = new GenericData.Record(GeneratePredictions.avroSchema(2));
    record.put(0, id);
    record.put(1, c0);
    record.put(2, c1);
    return record;
  }

  @Test
  void keepsValuesExactByDefault() {
    new RecordConverter(FORMAT, 1_000_000).convert(record("a", 0.123456789, 1.0 / 3), sink);
    assertArrayEquals(new double[] {0.123456789, 1.0 / 3}, predictions.get(0).probabilities());
  }

  @Test
  void roundsToTheFormatsPrecision() {
    new RecordConverter(FORMAT.withDoublePrecision(3), 1_000_000)
        .convert(record("a", 0.123456789, 1.0 / 3), sink);
    assertArrayEquals(new double[] {0.123, 0.333}, predictions.get(0).probabilities());
  }

  @Test
  void aValueThatRoundsToInfinityIsADeadLetter() {
    new RecordConverter(FORMAT.withDoublePrecision(1), 1_000_000)
        .convert(record("huge", 0.5, Double.MAX_VALUE), sink);
    assertEquals(List.of(), predictions);
    assertEquals(DeadLetter.Reason.NON_FINITE_CLASS_VALUE, deadLetters.get(0).reason());
    assertEquals(
        "class_1 is 1.7976931348623157E308, which rounds to Infinity at --doublePrecision=1",
        deadLetters.get(0).detail());
  }

  @Test
  void theSizeCapIsThatOfTheLayout() {
    GenericRecord row = record("a", 0.25, 0.75);
    int objects = "[{\"id_client\":\"a\",\"class_0\":0.25,\"class_1\":0.75}]".length();
    int compact = "{\"ids\":[\"a\"],\"classes\":[\"class_0\",\"class_1\"],\"probabilities\":[[0.25,0.75]]}".length();
    new RecordConverter(FORMAT, objects).convert(row, sink);
    new RecordConverter(FORMAT, objects - 1).convert(row, sink);
    MessageFormat compactFormat = FORMAT.withLayout(MessageFormat.Layout.COMPACT);
    new RecordConverter(compactFormat, compact).convert(row, sink);
    new RecordConverter(compactFormat, compact - 1).convert(row, sink);
    assertEquals(2, predictions.size());
    assertEquals(2, deadLetters.size());
    assertEquals(DeadLetter.Reason.PREDICTION_TOO_LARGE, deadLetters.get(1).reason());
    assertEquals(
        "alone it encodes to " + compact + " bytes, over --maxMessageBytes=" + (compact - 1),
        deadLetters.get(1).detail());
  }
}
