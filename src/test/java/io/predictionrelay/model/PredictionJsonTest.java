package io.predictionrelay.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PredictionJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final MessageFormat OBJECTS = MessageFormat.of(PredictionSchema.withClasses(3));
  private static final MessageFormat COMPACT = OBJECTS.withLayout(MessageFormat.Layout.COMPACT);
  private final PredictionJson json = new PredictionJson(OBJECTS);

  @Test
  void writesTheClassicToJsonLayout() {
    byte[] encoded =
        json.encode(
            List.of(
                new Prediction("a", new double[] {0.12, 0.5, 0.38}),
                new Prediction("b\"q", new double[] {1.0E-5, 0.0, 1.0})));
    assertEquals(
        "[{\"id_client\":\"a\",\"class_0\":0.12,\"class_1\":0.5,\"class_2\":0.38},"
            + "{\"id_client\":\"b\\\"q\",\"class_0\":1.0E-5,\"class_1\":0.0,\"class_2\":1.0}]",
        new String(encoded, StandardCharsets.UTF_8));
  }

  @Test
  void matchesJacksonDatabindAndRoundTripsEveryDoubleExactly() throws Exception {
    Random random = new Random(7);
    List<Prediction> predictions = new ArrayList<>();
    ArrayNode expected = MAPPER.createArrayNode();
    for (int i = 0; i < 200; i++) {
      double[] values = {random.nextDouble(), Double.MIN_VALUE * i, -Double.MAX_VALUE / (i + 1)};
      Prediction p = new Prediction("id-" + i + "é€😀", values);
      predictions.add(p);
      ObjectNode o = expected.addObject().put("id_client", p.id());
      for (int c = 0; c < 3; c++) {
        o.put("class_" + c, values[c]);
      }
    }
    JsonNode parsed = MAPPER.readTree(json.encode(predictions));
    assertEquals(expected, parsed);
    for (int i = 0; i < predictions.size(); i++) {
      for (int c = 0; c < 3; c++) {
        assertEquals(
            Double.doubleToLongBits(predictions.get(i).values()[c]),
            Double.doubleToLongBits(parsed.get(i).get("class_" + c).doubleValue()));
      }
    }
  }

  @Test
  void writesShortestRoundTripDoubles() {
    // JDK 17's Double.toString writes 2.0E23 as "1.9999999999999998E23" (JDK-4511638); the
    // shortest form that reads back as the same double is "2.0E23".
    String encoded =
        new String(json.encode(List.of(new Prediction("x", new double[] {2.0E23, 0.1 + 0.2, 1.0 / 3}))),
            StandardCharsets.UTF_8);
    assertTrue(encoded.contains("\"class_0\":2.0E23,"), encoded);
    assertTrue(encoded.contains("\"class_1\":0.30000000000000004,"), encoded);
    assertTrue(encoded.contains("\"class_2\":0.3333333333333333}"), encoded);
  }

  @Test
  void writesTheCompactLayout() {
    byte[] encoded =
        new PredictionJson(COMPACT)
            .encode(
                List.of(
                    new Prediction("a", new double[] {0.12, 0.5, 0.38}),
                    new Prediction("b\"q", new double[] {1.0E-5, 0.0, 1.0})));
    assertEquals(
        "{\"ids\":[\"a\",\"b\\\"q\"],\"classes\":[\"class_0\",\"class_1\",\"class_2\"],"
            + "\"probabilities\":[[0.12,0.5,0.38],[1.0E-5,0.0,1.0]]}",
        new String(encoded, StandardCharsets.UTF_8));
  }

  /** Predictions of every size class: control characters in ids, extreme doubles, long ids. */
  private static List<Prediction> awkwardPredictions() {
    Random random = new Random(11);
    List<Prediction> predictions = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      double[] values = {random.nextDouble(), -Double.MIN_NORMAL, -Double.MAX_VALUE};
      predictions.add(new Prediction("\u0001id€😀" + "x".repeat(i), values));
    }
    return predictions;
  }

  /**
   * What Jackson's generator writes for a message: the reference for the hand-written writer. One
   * deliberate difference: Jackson 2.15 escapes a character outside the BMP as two {@code \\u}
   * surrogates (12 bytes; jackson-core#223, optional from 2.18), we write its 4 bytes of UTF-8 as
   * Spark's {@code to_json} does. The reference is adjusted to that; both parse to the same string.
   */
  private static byte[] jacksonGenerator(MessageFormat format, List<Prediction> predictions) throws Exception {
    String jackson = new String(jacksonGeneratorAsIs(format, predictions), StandardCharsets.UTF_8);
    Matcher pair = Pattern.compile("\\\\u(D[89AB][0-9A-F]{2})\\\\u(D[C-F][0-9A-F]{2})").matcher(jackson);
    StringBuilder combined = new StringBuilder();
    while (pair.find()) {
      char high = (char) Integer.parseInt(pair.group(1), 16);
      char low = (char) Integer.parseInt(pair.group(2), 16);
      pair.appendReplacement(combined, new String(new char[] {high, low}));
    }
    return pair.appendTail(combined).toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] jacksonGeneratorAsIs(MessageFormat format, List<Prediction> predictions) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    JsonFactory factory = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    List<String> classes = format.schema().classColumns();
    try (JsonGenerator json = factory.createGenerator(buffer)) {
      if (format.layout() == MessageFormat.Layout.OBJECTS) {
        json.writeStartArray();
        for (Prediction p : predictions) {
          json.writeStartObject();
          json.writeStringField(PredictionSchema.ID_COLUMN, p.id());
          for (int i = 0; i < classes.size(); i++) {
            json.writeNumberField(classes.get(i), p.values()[i]);
          }
          json.writeEndObject();
        }
        json.writeEndArray();
      } else {
        json.writeStartObject();
        json.writeArrayFieldStart("ids");
        for (Prediction p : predictions) {
          json.writeString(p.id());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("classes");
        for (String c : classes) {
          json.writeString(c);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("probabilities");
        for (Prediction p : predictions) {
          json.writeArray(p.values(), 0, classes.size());
        }
        json.writeEndArray();
        json.writeEndObject();
      }
    }
    return buffer.toByteArray();
  }

  @ParameterizedTest
  @EnumSource(MessageFormat.Layout.class)
  void writesTheSameBytesAsJacksonsGenerator(MessageFormat.Layout layout) throws Exception {
    Random random = new Random(13);
    int[] awkward = "ab\"\\/\u0000\u001f\u007f\u0080é€\n\t😀 ~".codePoints().toArray();
    List<Prediction> predictions = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      StringBuilder id = new StringBuilder();
      for (int c = random.nextInt(12); c > 0; c--) {
        id.appendCodePoint(i % 2 == 0 ? '0' + random.nextInt(75) : awkward[random.nextInt(awkward.length)]);
      }
      double[] values = {
        random.nextDouble(), Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL), -random.nextGaussian()
      };
      predictions.add(new Prediction(id.toString(), values));
    }
    MessageFormat format = OBJECTS.withLayout(layout);
    PredictionJson json = new PredictionJson(format);
    for (int from = 0; from < predictions.size(); from += 10) {
      List<Prediction> message = predictions.subList(from, from + 10);
      assertEquals(
          new String(jacksonGenerator(format, message), StandardCharsets.UTF_8),
          new String(json.encode(message), StandardCharsets.UTF_8));
      assertArrayEquals(jacksonGenerator(format, message), json.encode(message));
      assertEquals(MAPPER.readTree(jacksonGeneratorAsIs(format, message)), MAPPER.readTree(json.encode(message)));
    }
    assertArrayEquals(jacksonGenerator(format, List.of()), json.encode(List.of()));
  }

  @ParameterizedTest
  @EnumSource(MessageFormat.Layout.class)
  void sizesAreExactAndBoundsHold(MessageFormat.Layout layout) {
    PredictionJson json = new PredictionJson(OBJECTS.withLayout(layout));
    List<Prediction> predictions = awkwardPredictions();
    long items = 0;
    for (int n = 1; n <= predictions.size(); n++) {
      Prediction p = predictions.get(n - 1);
      int size = json.itemSize(p);
      items += size;
      assertTrue(json.maxItemSize(p) >= size, "bound below exact size for " + p);
      assertEquals(json.encode(predictions.subList(0, n)).length, json.messageSize(items, n));
    }
  }

  @Test
  void smallestMessageIsOneShortIdAndZeros() {
    assertEquals(
        "[{\"id_client\":\"x\",\"class_0\":0.0,\"class_1\":0.0,\"class_2\":0.0}]".length(),
        new PredictionJson(OBJECTS).smallestMessageSize());
    assertEquals(
        "{\"ids\":[\"x\"],\"classes\":[\"class_0\",\"class_1\",\"class_2\"],\"probabilities\":[[0.0,0.0,0.0]]}"
            .length(),
        new PredictionJson(COMPACT).smallestMessageSize());
  }

  @ParameterizedTest
  @EnumSource(MessageFormat.Layout.class)
  void decodesWhatItEncodesBitForBit(MessageFormat.Layout layout) {
    PredictionJson json = new PredictionJson(OBJECTS.withLayout(layout));
    List<Prediction> predictions = awkwardPredictions();
    assertEquals(predictions, json.decode(json.encode(predictions)));
    assertEquals(List.of(), json.decode(json.encode(List.of())));
  }

  @Test
  void decodingRefusesAnotherLayoutOrOtherColumns() {
    PredictionJson objects = new PredictionJson(OBJECTS);
    PredictionJson compact = new PredictionJson(COMPACT);
    List<Prediction> one = List.of(new Prediction("a", new double[] {0.1, 0.2, 0.7}));
    assertThrows(IllegalArgumentException.class, () -> objects.decode(compact.encode(one)));
    assertThrows(IllegalArgumentException.class, () -> compact.decode(objects.encode(one)));
    PredictionJson twoClasses = new PredictionJson(MessageFormat.of(PredictionSchema.withClasses(2)));
    assertThrows(IllegalArgumentException.class, () -> twoClasses.decode(objects.encode(one)));
    PredictionJson twoClassesCompact =
        new PredictionJson(MessageFormat.of(PredictionSchema.withClasses(2)).withLayout(MessageFormat.Layout.COMPACT));
    assertThrows(IllegalArgumentException.class, () -> twoClassesCompact.decode(compact.encode(one)));
    IllegalArgumentException mismatch =
        assertThrows(
            IllegalArgumentException.class,
            () -> compact.decode(bytes(
                "{\"ids\":[\"a\",\"b\"],\"classes\":[\"class_0\",\"class_1\",\"class_2\"],"
                    + "\"probabilities\":[[0.1,0.2,0.7]]}")));
    assertEquals("2 ids but 1 rows of probabilities", mismatch.getMessage());
    assertThrows(IllegalArgumentException.class, () -> objects.decode(bytes("[{\"id_client\":\"a\"")));
    assertThrows(
        IllegalArgumentException.class,
        () -> objects.decode(bytes("[{\"id_client\":\"a\",\"class_0\":\"0.1\",\"class_1\":0,\"class_2\":0}]")));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void refusesNonFiniteValues() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> json.encode(List.of(new Prediction("n", new double[] {0, Double.NaN, 0}))));
    assertTrue(e.getMessage().contains("class_1"), e.getMessage());
  }

  /** An id, a decimal(38,0) extra column, a decimal(38,20) class column and a double class column. */
  private static final MessageFormat DECIMALS = MessageFormat.of(PredictionSchema.of("id_client",
      PredictionSchema.IdType.STRING, List.of("big"),
      List.of(PredictionSchema.ClassColumn.decimal("class_0", 38, 20),
          PredictionSchema.ClassColumn.of("class_1", PredictionSchema.NumberType.DOUBLE))));

  /** A prediction of {@link #DECIMALS}, its decimal values given as their texts. */
  private static Prediction decimals(String id, String big, String class0, double class1) {
    return new Prediction(id, new byte[][] {bytes(big)}, new byte[][] {bytes(class0)},
        new double[] {new java.math.BigDecimal(class0).doubleValue(), class1});
  }

  private static List<Prediction> wideDecimals() {
    return List.of(
        decimals("a", "12345678901234567890123456789012345678", "123456789012345678.12345678901234567890", 0.1),
        decimals("b", "-98765432109876543210987654321098765432", "-999999999999999999.99999999999999999999", 1.0E-5),
        decimals("c", "0", "0E-20", 0.0),
        decimals("d", "null", "0.50000000000000000000", 0.5));
  }

  @Test
  void writesDecimalsExactlyInBothLayouts() {
    List<Prediction> predictions = wideDecimals();
    assertEquals("[{\"id_client\":\"a\",\"big\":12345678901234567890123456789012345678,"
            + "\"class_0\":123456789012345678.12345678901234567890,\"class_1\":0.1},"
            + "{\"id_client\":\"b\",\"big\":-98765432109876543210987654321098765432,"
            + "\"class_0\":-999999999999999999.99999999999999999999,\"class_1\":1.0E-5},"
            + "{\"id_client\":\"c\",\"big\":0,\"class_0\":0E-20,\"class_1\":0.0},"
            + "{\"id_client\":\"d\",\"class_0\":0.50000000000000000000,\"class_1\":0.5}]",
        new String(new PredictionJson(DECIMALS).encode(predictions), StandardCharsets.UTF_8));
    assertEquals("{\"ids\":[\"a\",\"b\",\"c\",\"d\"],\"columns\":{\"big\":["
            + "12345678901234567890123456789012345678,-98765432109876543210987654321098765432,0,null]},"
            + "\"classes\":[\"class_0\",\"class_1\"],\"probabilities\":["
            + "[123456789012345678.12345678901234567890,0.1],[-999999999999999999.99999999999999999999,1.0E-5],"
            + "[0E-20,0.0],[0.50000000000000000000,0.5]]}",
        new String(new PredictionJson(DECIMALS.withLayout(MessageFormat.Layout.COMPACT)).encode(predictions),
            StandardCharsets.UTF_8));
  }

  /** The doubles a decimal travels with are for reference only: the text is what is written. */
  @Test
  void aDecimalIsWrittenFromItsTextNotItsDouble() {
    Prediction p = new Prediction("x", new byte[][] {bytes("1")}, new byte[][] {bytes("0.10000000000000000001")},
        new double[] {0.1, 0.25});
    assertEquals("[{\"id_client\":\"x\",\"big\":1,\"class_0\":0.10000000000000000001,\"class_1\":0.25}]",
        new String(new PredictionJson(DECIMALS.withDoublePrecision(1)).encode(List.of(p)), StandardCharsets.UTF_8));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new PredictionJson(DECIMALS).encode(List.of(new Prediction("x", new byte[][] {bytes("1")},
            new double[] {0.1, 0.25}))));
    assertEquals("prediction x has 1 extra, 2 class and 0 decimal values, the schema 1, 2 and 1", e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(MessageFormat.Layout.class)
  void decodesDecimalsAsTheirExactText(MessageFormat.Layout layout) {
    PredictionJson json = new PredictionJson(DECIMALS.withLayout(layout));
    List<Prediction> predictions = wideDecimals();
    List<Prediction> back = json.decode(json.encode(predictions));
    assertEquals(predictions, back);
    assertEquals("0E-20", new String(back.get(2).decimals()[0], StandardCharsets.US_ASCII));
    assertEquals("0.50000000000000000000", new String(back.get(3).decimals()[0], StandardCharsets.US_ASCII));
    assertEquals("-98765432109876543210987654321098765432",
        new String(PredictionJson.canonical(back.get(1).extras()[0]), StandardCharsets.UTF_8));
    // One digit off in the 38th place is another prediction.
    byte[] message = json.encode(predictions.subList(0, 1));
    String changed = new String(message, StandardCharsets.UTF_8).replace("12345678901234567890,", "12345678901234567891,");
    assertTrue(!changed.equals(new String(message, StandardCharsets.UTF_8)), changed);
    assertTrue(!predictions.get(0).equals(json.decode(bytes(changed)).get(0)), changed);
  }

  /** A decimal counts as its text: with only decimal class columns the bound is off by the id's escapes alone. */
  @ParameterizedTest
  @EnumSource(MessageFormat.Layout.class)
  void decimalSizesAreExact(MessageFormat.Layout layout) {
    PredictionJson json = new PredictionJson(DECIMALS.withLayout(layout));
    List<Prediction> predictions = wideDecimals();
    long items = 0;
    for (int n = 1; n <= predictions.size(); n++) {
      Prediction p = predictions.get(n - 1);
      int size = json.itemSize(p);
      items += size;
      assertTrue(json.maxItemSize(p) >= size, "bound below exact size for " + p);
      assertEquals(json.encode(predictions.subList(0, n)).length, json.messageSize(items, n));
    }
    MessageFormat onlyDecimals = MessageFormat.of(PredictionSchema.of("id_client", PredictionSchema.IdType.STRING,
        List.of(), List.of(PredictionSchema.ClassColumn.decimal("class_0", 38, 20),
            PredictionSchema.ClassColumn.decimal("class_1", 38, 0)))).withLayout(layout);
    PredictionJson exact = new PredictionJson(onlyDecimals);
    Prediction p = new Prediction("abc", Prediction.NO_EXTRAS,
        new byte[][] {bytes("-123456789012345678.12345678901234567890"), bytes("0")}, new double[2]);
    // The id's 3 characters are bounded at 6 bytes each: 15 bytes of slack, none from the decimals.
    assertEquals(exact.itemSize(p) + 15, exact.maxItemSize(p));
    assertEquals(layout == MessageFormat.Layout.OBJECTS
            ? "[{\"id_client\":\"x\",\"class_0\":0E-20,\"class_1\":0}]".length()
            : "{\"ids\":[\"x\"],\"classes\":[\"class_0\",\"class_1\"],\"probabilities\":[[0E-20,0]]}".length(),
        exact.smallestMessageSize());
  }
}
