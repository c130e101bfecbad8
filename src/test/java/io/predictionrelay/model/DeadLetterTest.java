package io.predictionrelay.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.model.DeadLetter.Reason;
import org.junit.jupiter.api.Test;

class DeadLetterTest {
  @Test
  void theLineIsReasonDetailAndTheRowAsItWas() {
    DeadLetter deadLetter = new DeadLetter(Reason.NON_FINITE_CLASS_VALUE,
        "class_1 is NaN in \"a\\b\"\n\tü\u0001", "{\"id_client\":\"x\",\"class_1\":\"NaN\"}");
    assertEquals("{\"reason\":\"NON_FINITE_CLASS_VALUE\","
            + "\"detail\":\"class_1 is NaN in \\\"a\\\\b\\\"\\n\\tü\\u0001\","
            + "\"row\":{\"id_client\":\"x\",\"class_1\":\"NaN\"}}",
        deadLetter.toJsonLine());
  }
}
