package io.predictionrelay.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.model.PredictionSchema.ClassColumn;
import io.predictionrelay.model.PredictionSchema.IdType;
import io.predictionrelay.model.PredictionSchema.NumberType;
import java.util.List;
import org.junit.jupiter.api.Test;

class PredictionSchemaTest {
  @Test
  void theSummaryShortensRunsOfOneType() {
    assertEquals("id_client string, class_0 … class_29 double (30)", PredictionSchema.withClasses(30).summary());
    PredictionSchema mixed = PredictionSchema.of("user", IdType.INTEGER, List.of("dt"), List.of(
        ClassColumn.of("p_0", NumberType.FLOAT), ClassColumn.of("p_1", NumberType.FLOAT),
        ClassColumn.decimal("p_2", 10, 8), ClassColumn.decimal("p_3", 10, 8), ClassColumn.decimal("p_4", 10, 8),
        ClassColumn.of("p_5", NumberType.INTEGER)));
    assertEquals("user integer, dt, p_0 float, p_1 float, p_2 … p_4 decimal(10,8) (3), p_5 integer", mixed.summary());
  }
}
