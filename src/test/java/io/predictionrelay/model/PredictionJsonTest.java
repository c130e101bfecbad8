package io.predictionrelay.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PredictionJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final PredictionJson json = new PredictionJson(PredictionSchema.withClasses(3));

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
      ObjectNode o = expected.addObject().put("id_client", p.idClient());
      for (int c = 0; c < 3; c++) {
        o.put("class_" + c, values[c]);
      }
    }
    JsonNode parsed = MAPPER.readTree(json.encode(predictions));
    assertEquals(expected, parsed);
    for (int i = 0; i < predictions.size(); i++) {
      for (int c = 0; c < 3; c++) {
        assertEquals(
            Double.doubleToLongBits(predictions.get(i).probabilities()[c]),
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
  void sizesAreExactAndBoundsHold() {
    Random random = new Random(11);
    List<Prediction> predictions = new ArrayList<>();
    long objects = 0;
    for (int i = 0; i < 50; i++) {
      double[] values = {random.nextDouble(), -Double.MIN_NORMAL, Double.MAX_VALUE};
      Prediction p = new Prediction("\u0001id" + "x".repeat(i), values);
      predictions.add(p);
      int size = json.objectSize(p);
      objects += size;
      assertTrue(json.maxObjectSize(p) >= size, "bound below exact size for " + p);
    }
    assertEquals(json.encode(predictions).length, PredictionJson.messageSize(objects, predictions.size()));
  }

  @Test
  void smallestMessageIsOneShortIdAndZeros() {
    assertEquals(
        "[{\"id_client\":\"x\",\"class_0\":0.0,\"class_1\":0.0,\"class_2\":0.0}]".length(),
        PredictionJson.smallestMessageSize(PredictionSchema.withClasses(3)));
  }

  @Test
  void refusesNonFiniteValues() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> json.encode(List.of(new Prediction("n", new double[] {0, Double.NaN, 0}))));
    assertTrue(e.getMessage().contains("class_1"), e.getMessage());
  }
}
