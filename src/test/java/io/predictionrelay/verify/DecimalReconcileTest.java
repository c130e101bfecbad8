package io.predictionrelay.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.model.PredictionSchema.ClassColumn;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The verifier's side of exact decimals: a prediction as the converter makes it and the same one read
 * back from a message reconcile; a message whose 38-digit decimal differs in its last digit (or in
 * a trailing zero) does not.
 */
class DecimalReconcileTest {
  @TempDir Path dir;

  private static final MessageFormat FORMAT = MessageFormat.of(PredictionSchema.of("id_client",
      PredictionSchema.IdType.STRING, List.of("big"),
      List.of(ClassColumn.decimal("class_0", 38, 20), ClassColumn.of("class_1", PredictionSchema.NumberType.DOUBLE))));

  private static Prediction prediction(String id, String big, String class0) {
    return new Prediction(id, new byte[][] {big.getBytes(StandardCharsets.US_ASCII)},
        new byte[][] {class0.getBytes(StandardCharsets.US_ASCII)},
        new double[] {new BigDecimal(class0).doubleValue(), 1.0E-5});
  }

  private VerifyReport reconcile(MessageFormat format, List<Prediction> expected, String message) throws IOException {
    PredictionJson json = new PredictionJson(format);
    VerifyReport.Tally tally = new VerifyReport.Tally();
    try (Spill in = new Spill(dir.resolve("expected"), 1); Spill out = new Spill(dir.resolve("received"), 1)) {
      expected.forEach(p -> in.write(p, ""));
      json.decode(message.getBytes(StandardCharsets.UTF_8)).forEach(p -> out.write(p, "0-0"));
    }
    new Reconciler(2, tally).predictions(dir.resolve("expected").resolve("0"), dir.resolve("received").resolve("0"));
    return tally.report();
  }

  @ParameterizedTest
  @EnumSource(MessageFormat.Layout.class)
  void exactDecimalsReconcileAndADigitOffIsAMismatch(MessageFormat.Layout layout) throws IOException {
    MessageFormat format = FORMAT.withLayout(layout);
    List<Prediction> expected = List.of(
        prediction("a", "-12345678901234567890123456789012345678", "-123456789012345678.12345678901234567890"),
        prediction("b", "0.50", "0E-20"));
    String message = new String(new PredictionJson(format).encode(expected), StandardCharsets.UTF_8);

    VerifyReport same = reconcile(format, expected, message);
    assertEquals(List.of(0L, 0L, 0L), List.of(same.mismatched(), same.missing(), same.unexpected()));

    for (String[] change : new String[][] {
        {"12345678901234567890,", "12345678901234567891,"}, // the 38th digit of class_0
        {"0E-20", "0E-19"}, // zero at another scale
        {"012345678,", "012345679,"}, // the 38th digit of the decimal(38,0) extra value
        {"0.50", "0.5"}}) { // a trailing zero of an extra decimal
      String changed = message.replace(change[0], change[1]);
      assertNotEquals(message, changed);
      assertEquals(1, reconcile(format, expected, changed).mismatched(), changed);
    }
  }
}
