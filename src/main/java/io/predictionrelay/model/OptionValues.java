package io.predictionrelay.model;

import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import java.util.Locale;

/**
 * The values of the enum options ({@code --layout}, {@code --sink}, {@code --grouping}): written in
 * lowercase, read in any case. Beam reads an enum option through Jackson, so each enum names its
 * parser as its {@code @JsonCreator} and its lowercase name as its {@code @JsonValue}.
 */
public final class OptionValues {
  private OptionValues() {}

  /** A value its option does not name; the message is the one line to show, naming the allowed values. */
  public static final class Unknown extends IllegalArgumentException {
    Unknown(String message) {
      super(message);
    }
  }

  /**
   * The constant of {@code type} that {@code value} names, in any case.
   *
   * @throws Unknown naming {@code --option}, the value and the allowed ones, when it names none
   */
  public static <E extends Enum<E>> E parse(Class<E> type, String option, String value) {
    StringBuilder expected = new StringBuilder();
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(value)) {
        return constant;
      }
      expected.append(expected.length() == 0 ? "'" : " or '").append(name(constant)).append('\'');
    }
    throw new Unknown("--" + option + "=" + value + ": expected " + expected);
  }

  /** The constant as users write it: {@code bucket}, {@code compact}. */
  public static String name(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The one line to show for a command line Beam could not parse: an enum option's own message
   * (Jackson wraps it twice); a value Jackson could not read as its option's type, named with its
   * option; else the first line of Beam's message.
   */
  public static String describe(IllegalArgumentException e, String[] args) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof Unknown) {
        return cause.getMessage();
      }
      if (cause instanceof InvalidFormatException) {
        InvalidFormatException format = (InvalidFormatException) cause;
        for (String arg : args) {
          if (arg.startsWith("--") && arg.endsWith("=" + format.getValue())) {
            return arg + ": expected " + expected(format.getTargetType());
          }
        }
      }
    }
    return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
  }

  private static String expected(Class<?> type) {
    if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
      return "a whole number";
    }
    if (type == double.class || type == float.class || type == Double.class || type == Float.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    return "a value of type " + type.getSimpleName();
  }
}
