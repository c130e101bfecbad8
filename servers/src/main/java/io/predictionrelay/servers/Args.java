package io.predictionrelay.servers;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name=value} arguments of the launchers, with one-line errors: a copy of the application's
 * {@code tools/Args}, since this project does not depend on the application.
 */
final class Args {
  private final Map<String, String> values;
  private final Set<String> used = new HashSet<>();

  private Args(Map<String, String> values) {
    this.values = values;
  }

  static Args parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "': expected --name=value");
      }
      int eq = arg.indexOf('=');
      values.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "true" : arg.substring(eq + 1));
    }
    return new Args(values);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String get(String name, String defaultValue) {
    used.add(name);
    return values.getOrDefault(name, defaultValue);
  }

  String require(String name) {
    used.add(name);
    String value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }

  long getLong(String name, long defaultValue) {
    String value = get(name, null);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + "=" + value + ": not a whole number");
    }
  }

  void rejectUnused() {
    for (String name : values.keySet()) {
      if (!used.contains(name)) {
        throw new IllegalArgumentException("unknown option --" + name);
      }
    }
  }
}
