package io.predictionrelay.model;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Rounds doubles to a number of significant decimal digits, half to even, exactly as
 * {@code new BigDecimal(value).round(new MathContext(digits, HALF_EVEN)).doubleValue()} does, but
 * without allocating in the common case: a scaled {@link Math#rint} whenever the scaled value is
 * safely away from a tie, and BigDecimal otherwise.
 */
public final class SignificantDigits {
  /** Enough digits to tell any two doubles apart: more would change nothing. */
  public static final int MAX = 17;

  /** Powers of ten that doubles hold exactly. */
  private static final double[] POWERS_OF_TEN = new double[23];

  static {
    POWERS_OF_TEN[0] = 1;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
    }
  }

  private SignificantDigits() {}

  /** {@code value} rounded to {@code digits} significant digits, {@code 1 <= digits <= MAX}. */
  public static double round(double value, int digits) {
    if (digits < 1 || digits > MAX) {
      throw new IllegalArgumentException("significant digits must be 1 to " + MAX + ", got " + digits);
    }
    if (value == 0 || !Double.isFinite(value)) {
      return value;
    }
    // Scaled integers below 10^15 < 2^53 are exact, and so is their division by an exact power.
    if (digits <= 15) {
      double magnitude = Math.abs(value);
      int scale = digits - 1 - (int) Math.floor(Math.log10(magnitude));
      if (scale >= 0 && scale < POWERS_OF_TEN.length) {
        double power = POWERS_OF_TEN[scale];
        double scaled = magnitude * power; // within half an ulp of the exact product
        double rounded = Math.rint(scaled);
        boolean clearOfTie = Math.abs(scaled - Math.floor(scaled) - 0.5) > Math.ulp(scaled);
        // A log10 one off near a power of ten shows as a result with the wrong number of digits.
        if (clearOfTie && rounded >= POWERS_OF_TEN[digits - 1] && rounded < POWERS_OF_TEN[digits]) {
          return Math.copySign(rounded / power, value);
        }
      }
    }
    return new BigDecimal(value).round(new MathContext(digits, RoundingMode.HALF_EVEN)).doubleValue();
  }
}
