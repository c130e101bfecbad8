package io.predictionrelay.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Looks for secrets where a run could leave them: its console, its logs (at INFO, more than a user
 * sees by default), its files, its exceptions. A secret found is a failure naming where and which.
 */
public final class Leaks {
  private Leaks() {}

  /** What a piece of code printed and logged, with its result. */
  public record Captured<T>(T result, String console, String logs) {}

  /**
   * Runs {@code work} with System.out and System.err copied (still shown) and every logger at INFO
   * or finer written to a buffer: Kafka's clients log their whole configuration at INFO.
   */
  public static <T> Captured<T> capture(Callable<T> work) throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream out = System.out;
    PrintStream err = System.err;
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    LoggerConfig root = config.getRootLogger();
    Level rootLevel = root.getLevel();
    StringWriter logs = new StringWriter();
    WriterAppender appender = WriterAppender.createAppender(
        PatternLayout.createDefaultLayout(config), null, logs, "leak-check", false, true);
    appender.start();
    root.addAppender(appender, Level.ALL, null);
    root.setLevel(Level.INFO);
    context.updateLoggers();
    System.setOut(new PrintStream(new Tee(out, console), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(err, console), true, StandardCharsets.UTF_8));
    try {
      T result = work.call();
      return new Captured<>(result, console.toString(StandardCharsets.UTF_8), logs.toString());
    } finally {
      System.setOut(out);
      System.setErr(err);
      root.removeAppender("leak-check");
      root.setLevel(rootLevel);
      context.updateLoggers();
      appender.stop();
    }
  }

  /** Fails when {@code text} holds any of {@code secrets} (name → value), naming {@code where}. */
  public static void assertNone(String where, String text, Map<String, String> secrets) {
    secrets.forEach((what, secret) -> {
      assertTrue(secret.length() >= 8, what + " is too short to search for");
      assertFalse(text.contains(secret), what + " found in " + where);
    });
  }

  /** {@link #assertNone} over the message of {@code e} and of each of its causes. */
  public static void assertNoneIn(Throwable e, Map<String, String> secrets) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertNone("the message of a " + t.getClass().getName(), String.valueOf(t.getMessage()), secrets);
    }
  }

  /** {@link #assertNone} over every file under {@code dir} (none when it does not exist); returns how many. */
  public static int assertNoneUnder(Path dir, Map<String, String> secrets) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path file : files) {
      assertNone(file.toString(), new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1), secrets);
    }
    return files.size();
  }

  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    Tee(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      first.flush();
      second.flush();
    }
  }
}
