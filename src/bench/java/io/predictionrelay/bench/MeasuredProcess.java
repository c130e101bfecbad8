package io.predictionrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A JVM run as a process of its own and measured as the benches measure every contender and step:
 * wall seconds, user + system CPU seconds and peak RSS of the process, the seconds it stood in
 * garbage-collection pauses, and the broker's CPU seconds meanwhile. One place, so that the figures
 * of {@link Bench} and {@link IncrementalBench} mean the same.
 */
final class MeasuredProcess {
  private static final Pattern GC_PAUSE = Pattern.compile("Pause.* ([0-9.]+)ms$");

  private MeasuredProcess() {}

  /**
   * Runs {@code command}, a {@code java …} command line, with its output in target/bench/NAME.log
   * and its GC log in target/bench/NAME-gc.log, and fills {@code result}'s wall, CPU, RSS, GC pause,
   * broker CPU and load average figures and its exit code.
   *
   * @param brokerPid the broker's pid file; the broker's CPU is -1 when it cannot be read
   */
  static void run(List<String> command, String name, Path brokerPid, Bench.Result result) throws Exception {
    Path gcLog = Path.of("target/bench/" + name + "-gc.log");
    List<String> logged = new ArrayList<>(command);
    logged.add(1, "-Xlog:gc:file=" + gcLog);
    Files.deleteIfExists(gcLog);
    double brokerBefore = processCpuSeconds(brokerPid);
    measure(logged, result, Path.of("target/bench/" + name + ".log"));
    double brokerAfter = processCpuSeconds(brokerPid);
    result.gcPauseSeconds = gcPauseSeconds(gcLog);
    result.brokerCpuSeconds = brokerBefore < 0 || brokerAfter < 0 ? -1 : brokerAfter - brokerBefore;
  }

  private static void measure(List<String> command, Bench.Result result, Path log) throws Exception {
    Files.createDirectories(log.getParent());
    long start = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    Path status = Path.of("/proc/" + process.pid() + "/status");
    double cpu = 0;
    long peakKb = 0;
    double load = -1;
    while (!process.waitFor(100, TimeUnit.MILLISECONDS)) {
      cpu = process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(cpu);
      peakKb = Math.max(peakKb, peakRssKb(status));
      load = Math.max(load, loadAverage());
    }
    result.wallSeconds = (System.nanoTime() - start) / 1e9;
    result.cpuSeconds = cpu;
    result.peakRssMb = peakKb / 1024.0;
    result.peakLoadAverage = load;
    result.exitCode = process.exitValue();
    if (result.exitCode != 0) {
      System.out.println("  failed; see " + log);
    }
  }

  /**
   * User + system CPU seconds of the process whose pid is in {@code pidFile}, from /proc/PID/stat
   * (fields 14 and 15, in clock ticks of 1/100 s on Linux); -1 if it cannot be read.
   */
  static double processCpuSeconds(Path pidFile) {
    try {
      String pid = Files.readString(pidFile).trim();
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    } catch (IOException | RuntimeException unknown) {
      return -1;
    }
  }

  /**
   * The pauses a JVM's {@code -Xlog:gc} file records, summed: G1's lines end in the pause's length,
   * e.g. {@code GC(3) Pause Young (Normal) (G1 Evacuation Pause) 120M->20M(2048M) 4.512ms}.
   */
  static double gcPauseSeconds(Path gcLog) {
    try (Stream<String> lines = Files.lines(gcLog)) {
      return lines.map(GC_PAUSE::matcher).filter(Matcher::find)
          .mapToDouble(m -> Double.parseDouble(m.group(1))).sum() / 1000;
    } catch (IOException | RuntimeException unreadable) {
      return -1;
    }
  }

  /** The 1-minute load average, from /proc/loadavg; -1 if it cannot be read. */
  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException unknown) {
      return -1;
    }
  }

  private static long peakRssKb(Path status) {
    try (Stream<String> lines = Files.lines(status)) {
      return lines.filter(l -> l.startsWith("VmHWM:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0);
    } catch (IOException | RuntimeException gone) {
      return 0;
    }
  }
}
