package io.predictionrelay.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SignificantDigitsTest {

  private static double reference(double value, int digits) {
    return new BigDecimal(value).round(new MathContext(digits, RoundingMode.HALF_EVEN)).doubleValue();
  }

  private static void assertSameAsBigDecimal(double value, int digits) {
    assertEquals(
        Double.doubleToLongBits(reference(value, digits)),
        Double.doubleToLongBits(SignificantDigits.round(value, digits)),
        () -> value + " to " + digits + " digits");
  }

  @Test
  void roundsLikeBigDecimalHalfEvenAtEveryPrecisionAndMagnitude() {
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 400_000; i++) {
      int digits = 1 + random.nextInt(SignificantDigits.MAX);
      double value =
          switch (i % 4) {
            case 0 -> random.nextDouble(); // probabilities
            case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(-30, 30)) * (random.nextBoolean() ? 1 : -1);
            case 2 -> Double.longBitsToDouble(random.nextLong()); // any bit pattern
            default -> Math.round(random.nextDouble() * 1e6) / 1e6; // short decimals, near ties
          };
      if (Double.isFinite(value)) {
        assertSameAsBigDecimal(value, digits);
      }
    }
  }

  @Test
  void edgeCasesAgreeWithBigDecimal() {
    double[] values = {
      0.125, 0.375, 2.5, 0.5, 0.05, 0.95, 0.0999999, 0.09999999999999999, 0.1, 1.0, 9.5, 99.5,
      0.00049999999999999999, 1e-5, 1e-22, 1e-23, 4.9e-324, Double.MIN_NORMAL, 1e15, 1e16,
      123456789012345678.0, Double.MAX_VALUE, -0.125, -0.0999999, 0.30000000000000004
    };
    for (double value : values) {
      for (int digits = 1; digits <= SignificantDigits.MAX; digits++) {
        assertSameAsBigDecimal(value, digits);
      }
    }
  }

  @Test
  void examples() {
    assertEquals(0.1235, SignificantDigits.round(0.123456789, 4));
    assertEquals(0.12, SignificantDigits.round(0.125, 2)); // the double 0.125 is a tie: to even
    assertEquals(0.1, SignificantDigits.round(0.0999999, 2));
    assertEquals(-3.0E-7, SignificantDigits.round(-2.6E-7, 1));
    assertEquals(0.1 + 0.2, SignificantDigits.round(0.1 + 0.2, 17));
    assertEquals(Double.POSITIVE_INFINITY, SignificantDigits.round(Double.MAX_VALUE, 1));
  }

  @Test
  void zerosAndNonFiniteValuesStayAsTheyAre() {
    assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(SignificantDigits.round(-0.0, 3)));
    assertEquals(0.0, SignificantDigits.round(0.0, 3));
    assertEquals(Double.NaN, SignificantDigits.round(Double.NaN, 3));
  }

  @Test
  void refusesDigitsOutOfRange() {
    assertThrows(IllegalArgumentException.class, () -> SignificantDigits.round(0.5, 0));
    assertThrows(IllegalArgumentException.class, () -> SignificantDigits.round(0.5, 18));
  }
}
