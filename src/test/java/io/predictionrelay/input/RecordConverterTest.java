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
  private final RecordConverter.Receiver receiver =
      new RecordConverter.Receiver() {
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
    new RecordConverter(FORMAT, 1_000_000).convert(record("a", 0.123456789, 1.0 / 3), receiver);
    assertArrayEquals(new double[] {0.123456789, 1.0 / 3}, predictions.get(0).values());
  }

  @Test
  void roundsToTheFormatsPrecision() {
    new RecordConverter(FORMAT.withDoublePrecision(3), 1_000_000)
        .convert(record("a", 0.123456789, 1.0 / 3), receiver);
    assertArrayEquals(new double[] {0.123, 0.333}, predictions.get(0).values());
  }

  @Test
  void aValueThatRoundsToInfinityIsADeadLetter() {
    new RecordConverter(FORMAT.withDoublePrecision(1), 1_000_000)
        .convert(record("huge", 0.5, Double.MAX_VALUE), receiver);
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
    new RecordConverter(FORMAT, objects).convert(row, receiver);
    new RecordConverter(FORMAT, objects - 1).convert(row, receiver);
    MessageFormat compactFormat = FORMAT.withLayout(MessageFormat.Layout.COMPACT);
    new RecordConverter(compactFormat, compact).convert(row, receiver);
    new RecordConverter(compactFormat, compact - 1).convert(row, receiver);
    assertEquals(2, predictions.size());
    assertEquals(2, deadLetters.size());
    assertEquals(DeadLetter.Reason.PREDICTION_TOO_LARGE, deadLetters.get(1).reason());
    assertEquals(
        "alone it encodes to " + compact + " bytes, over --maxMessageBytes=" + (compact - 1),
        deadLetters.get(1).detail());
  }

  /** id, a decimal(38,0) extra column, a decimal(38,20) class column (fixed, 16 bytes) and a double. */
  private static final org.apache.avro.Schema WIDE = new org.apache.avro.Schema.Parser().parse("""
      {"type":"record","name":"row","fields":[
        {"name":"id_client","type":"string"},
        {"name":"big","type":["null",{"type":"bytes","logicalType":"decimal","precision":38,"scale":0}]},
        {"name":"class_0","type":{"type":"fixed","name":"d38","size":16,"logicalType":"decimal","precision":38,"scale":20}},
        {"name":"class_1","type":"double"}
      ]}""");
  private static final MessageFormat WIDE_FORMAT = MessageFormat.of(PredictionSchema.of("id_client",
      PredictionSchema.IdType.STRING, List.of("big"),
      List.of(PredictionSchema.ClassColumn.decimal("class_0", 38, 20),
          PredictionSchema.ClassColumn.of("class_1", PredictionSchema.NumberType.DOUBLE))));
  private static final List<ExtraColumn> WIDE_EXTRAS = List.of(ExtraColumn.inFile("big", ExtraColumn.Kind.DECIMAL, 0));

  /** A row as parquet-avro hands it over: unscaled big-endian two's complement bytes. */
  static GenericRecord wide(String id, String big, String class0, double class1) {
    GenericRecord record = new GenericData.Record(WIDE);
    record.put("id_client", id);
    record.put("big", big == null ? null
        : java.nio.ByteBuffer.wrap(new java.math.BigDecimal(big).unscaledValue().toByteArray()));
    byte[] unscaled = new java.math.BigDecimal(class0).setScale(20).unscaledValue().toByteArray();
    byte[] fixed = new byte[16];
    java.util.Arrays.fill(fixed, (byte) (unscaled[0] < 0 ? 0xFF : 0));
    System.arraycopy(unscaled, 0, fixed, 16 - unscaled.length, unscaled.length);
    record.put("class_0", new GenericData.Fixed(WIDE.getField("class_0").schema(), fixed));
    record.put("class_1", class1);
    return record;
  }

  private static String ascii(byte[] text) {
    return new String(text, java.nio.charset.StandardCharsets.US_ASCII);
  }

  @Test
  void decimalsOfAnyPrecisionAreCarriedExactly() {
    RecordConverter converter = new RecordConverter(WIDE_FORMAT, WIDE_EXTRAS, 1_000_000);
    converter.convert(wide("a", "12345678901234567890123456789012345678", "123456789012345678.1234567890123456789", 0.1), receiver);
    converter.convert(wide("b", "-98765432109876543210987654321098765432", "-999999999999999999.99999999999999999999", 0.2), receiver);
    converter.convert(wide("c", "0", "0", 0.3), receiver);
    converter.convert(wide("d", null, "0.5", 0.4), receiver);
    assertEquals(List.of(), deadLetters);
    assertEquals(List.of("12345678901234567890123456789012345678", "-98765432109876543210987654321098765432", "0", "null"),
        predictions.stream().map(p -> ascii(p.extras()[0])).toList());
    assertEquals(List.of("123456789012345678.12345678901234567890", "-999999999999999999.99999999999999999999",
            "0E-20", "0.50000000000000000000"),
        predictions.stream().map(p -> ascii(p.decimals()[0])).toList());
    assertEquals(-1.0E18, predictions.get(1).values()[0]); // the nearest double, for reference
  }

  /** --doublePrecision rounds the double column, never the decimal one. */
  @Test
  void doublePrecisionLeavesDecimalsExact() {
    new RecordConverter(WIDE_FORMAT.withDoublePrecision(2), WIDE_EXTRAS, 1_000_000)
        .convert(wide("a", "1", "0.12345678901234567891", 0.123456), receiver);
    assertEquals("0.12345678901234567891", ascii(predictions.get(0).decimals()[0]));
    assertEquals(0.12, predictions.get(0).values()[1]);
  }

  /** The byte cap counts a decimal as its text: a message of exactly the cap passes, one byte less does not. */
  @Test
  void theSizeCapCountsDecimalsExactly() {
    GenericRecord row = wide("a", "-12345678901234567890123456789012345678", "-123456789012345678.12345678901234567890", 0.25);
    int objects = ("[{\"id_client\":\"a\",\"big\":-12345678901234567890123456789012345678,"
        + "\"class_0\":-123456789012345678.12345678901234567890,\"class_1\":0.25}]").length();
    int compact = ("{\"ids\":[\"a\"],\"columns\":{\"big\":[-12345678901234567890123456789012345678]},"
        + "\"classes\":[\"class_0\",\"class_1\"],\"probabilities\":[[-123456789012345678.12345678901234567890,0.25]]}")
        .length();
    MessageFormat compactFormat = WIDE_FORMAT.withLayout(MessageFormat.Layout.COMPACT);
    new RecordConverter(WIDE_FORMAT, WIDE_EXTRAS, objects).convert(row, receiver);
    new RecordConverter(compactFormat, WIDE_EXTRAS, compact).convert(row, receiver);
    assertEquals(2, predictions.size());
    new RecordConverter(WIDE_FORMAT, WIDE_EXTRAS, objects - 1).convert(row, receiver);
    new RecordConverter(compactFormat, WIDE_EXTRAS, compact - 1).convert(row, receiver);
    assertEquals(2, predictions.size());
    assertEquals(List.of("alone it encodes to " + objects + " bytes, over --maxMessageBytes=" + (objects - 1),
            "alone it encodes to " + compact + " bytes, over --maxMessageBytes=" + (compact - 1)),
        deadLetters.stream().map(DeadLetter::detail).toList());
  }
}
