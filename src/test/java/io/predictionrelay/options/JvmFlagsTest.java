package io.predictionrelay.options;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The JDK packages opened for Spark are listed twice: for java command lines and for the jar manifest. */
class JvmFlagsTest {
  @Test
  void jvmConfigAndJarManifestOpenTheSamePackages() throws Exception {
    Set<String> commandLine = new TreeSet<>();
    for (String line : Files.readAllLines(Path.of(".mvn/jvm.config"))) {
      if (line.startsWith("--add-opens=")) {
        commandLine.add(line.substring("--add-opens=".length()).replace("=ALL-UNNAMED", ""));
      }
    }
    Matcher m = Pattern.compile("<jdk.opens>([^<]*)</jdk.opens>").matcher(Files.readString(Path.of("pom.xml")));
    m.find();
    Set<String> manifest = new TreeSet<>(Arrays.asList(m.group(1).trim().split("\\s+")));
    assertEquals(commandLine, manifest);
    assertEquals(14, manifest.size());
  }
}
