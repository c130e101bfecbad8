package io.predictionrelay.servers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster on 127.0.0.1: a master and workers, each a JVM of its own, run
 * from a Spark home made of the Spark 3.5 jars on Maven Central ({@code make spark-home}). The
 * workers launch executors in JVMs of their own, as on any cluster. The Makefile starts and stops
 * it through {@link #main}; the standalone integration test uses the same class directly.
 */
public final class LocalSparkCluster implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path sparkHome;
  private final Path workDir;
  private final int masterPort;
  private final int masterUiPort;
  private final int workers;
  private final int coresPerWorker;
  private final String memoryPerWorker;
  private final List<Process> processes = new ArrayList<>();

  private LocalSparkCluster(Path sparkHome, Path workDir, int masterPort, int masterUiPort,
      int workers, int coresPerWorker, String memoryPerWorker) {
    this.sparkHome = sparkHome.toAbsolutePath();
    this.workDir = workDir.toAbsolutePath();
    this.masterPort = masterPort;
    this.masterUiPort = masterUiPort;
    this.workers = workers;
    this.coresPerWorker = coresPerWorker;
    this.memoryPerWorker = memoryPerWorker;
  }

  public static LocalSparkCluster create(Path sparkHome, Path workDir, int masterPort, int masterUiPort,
      int workers, int coresPerWorker, String memoryPerWorker) {
    if (!Files.isDirectory(sparkHome.resolve("jars"))) {
      throw new IllegalStateException(sparkHome.resolve("jars") + " is missing: run 'make spark-home'");
    }
    return new LocalSparkCluster(sparkHome, workDir, masterPort, masterUiPort, workers, coresPerWorker, memoryPerWorker);
  }

  /** A one-worker cluster on free ports in {@code workDir} (a test's own directory, deleted with it). */
  public static LocalSparkCluster createForTest(Path workDir, int coresPerWorker, String memoryPerWorker)
      throws IOException {
    return createForTest(workDir, 1, coresPerWorker, memoryPerWorker);
  }

  /** A cluster of {@code workers} workers on free ports in {@code workDir}. */
  public static LocalSparkCluster createForTest(Path workDir, int workers, int coresPerWorker, String memoryPerWorker)
      throws IOException {
    Path home = Path.of(System.getProperty("spark.home.dir", "spark-home/target"));
    // The master's UI port, then one per worker
    return create(home, workDir, LocalServers.freePorts(2), LocalServers.freePorts(workers + 1),
        workers, coresPerWorker, memoryPerWorker);
  }

  /**
   * The executor JVMs ({@code CoarseGrainedExecutorBackend}) worker {@code worker} runs now, by the
   * executor id Spark gave them.
   */
  public Map<String, ProcessHandle> executors(int worker) {
    Map<String, ProcessHandle> executors = new java.util.TreeMap<>();
    workerProcess(worker).descendants().forEach(p -> {
      List<String> args = p.info().arguments().map(List::of).orElse(List.of());
      int at = args.indexOf("--executor-id");
      if (args.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend") && at >= 0 && at + 1 < args.size()) {
        executors.put(args.get(at + 1), p);
      }
    });
    return executors;
  }

  /** Kills worker {@code worker} and the executors it ran with SIGKILL, as a machine that is lost. */
  public void killWorker(int worker) throws InterruptedException {
    ProcessHandle process = workerProcess(worker);
    List<ProcessHandle> executors = process.descendants().toList();
    process.destroyForcibly();
    executors.forEach(ProcessHandle::destroyForcibly);
    process.onExit().join();
    for (ProcessHandle executor : executors) {
      executor.onExit().join();
    }
  }

  private ProcessHandle workerProcess(int worker) {
    // processes: the master, then the workers in order
    return processes.get(1 + worker).toHandle();
  }

  public String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  public String masterUi() {
    return "http://127.0.0.1:" + masterUiPort;
  }

  public Path workDir() {
    return workDir;
  }

  public Path sparkHome() {
    return sparkHome;
  }

  public LocalSparkCluster start() throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    processes.add(spark("master", "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(masterUiPort)));
    awaitWorkers(0);
    for (int w = 0; w < workers; w++) {
      Path dir = Files.createDirectories(workDir.resolve("worker-" + w));
      processes.add(spark("worker-" + w, "org.apache.spark.deploy.worker.Worker",
          "--host", "127.0.0.1", "--webui-port", Integer.toString(masterUiPort + 1 + w),
          "--cores", Integer.toString(coresPerWorker), "--memory", memoryPerWorker,
          "--work-dir", dir.toString(), masterUrl()));
    }
    awaitWorkers(workers);
    Files.writeString(workDir.resolve("cluster.pids"),
        String.join(" ", processes.stream().map(p -> Long.toString(p.pid())).toList()));
    return this;
  }

  /**
   * Submits an application with Spark's own spark-submit (client mode: the driver runs in the
   * spark-submit JVM, the executors in the workers' JVMs) and waits for it; returns its exit code.
   */
  public int submit(Path appJar, String mainClass, Map<String, String> conf, List<String> args, Path log)
      throws IOException, InterruptedException {
    return launch(appJar, mainClass, conf, args, log).waitFor();
  }

  /**
   * Submits an application as {@link #submit} does, without waiting: the returned process is the
   * spark-submit JVM, which in client mode is the application's driver (a test kills it there).
   */
  public Process launch(Path appJar, String mainClass, Map<String, String> conf, List<String> args, Path log)
      throws IOException {
    List<String> command = new ArrayList<>(javaCommand("-Xmx1g"));
    command.addAll(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(),
        "--deploy-mode", "client", "--class", mainClass,
        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1"));
    conf.forEach((k, v) -> command.addAll(List.of("--conf", k + "=" + v)));
    command.add(appJar.toAbsolutePath().toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    environment(builder);
    return builder.start();
  }

  private List<String> javaCommand(String heap) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : Files.readAllLines(Path.of(System.getProperty("jvm.config", ".mvn/jvm.config")))) {
      if (!flag.isBlank()) {
        command.add(flag.trim());
      }
    }
    command.add(heap);
    command.add("-cp");
    command.add(sparkHome.resolve("jars") + "/*");
    return command;
  }

  private Process spark(String name, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>(javaCommand("-Xmx512m"));
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve(name + ".log").toFile()));
    environment(builder);
    return builder.start();
  }

  private void environment(ProcessBuilder builder) {
    Map<String, String> env = builder.environment();
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOG_DIR", workDir.toString());
  }

  /** Waits until the master's web UI answers and counts {@code expected} alive workers. */
  private void awaitWorkers(int expected) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(masterUi() + "/json/")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IOException("a Spark process exited with " + p.exitValue() + "; see logs under " + workDir);
        }
      }
      try {
        JsonNode state = new ObjectMapper().readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
        if (state.path("aliveworkers").asInt(-1) >= expected) {
          return;
        }
      } catch (IOException notYet) {
        // the master is not listening yet
      }
      Thread.sleep(250);
    }
    throw new IOException("the Spark cluster was not ready within " + READY_TIMEOUT.toSeconds() + " s; see logs under " + workDir);
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    processes.clear();
  }

  /** {@code up|down [--dir=.local/spark] [--sparkHome=spark-home/target] [--workers=1] [--cores=2] [--memory=4g]}. */
  public static void main(String[] args) throws Exception {
    Args parsed = Args.parse(java.util.Arrays.copyOfRange(args, 1, args.length));
    Path dir = Path.of(parsed.get("dir", ".local/spark")).toAbsolutePath();
    Path home = Path.of(parsed.get("sparkHome", "spark-home/target"));
    int workers = (int) parsed.getLong("workers", 1);
    int cores = (int) parsed.getLong("cores", Runtime.getRuntime().availableProcessors());
    String memory = parsed.get("memory", "4g");
    parsed.rejectUnused();
    Path pids = dir.resolve("cluster.pids");
    Optional<String> running = Files.exists(pids) ? Optional.of(Files.readString(pids).trim()) : Optional.empty();
    boolean alive = running.isPresent() && java.util.Arrays.stream(running.get().split(" "))
        .anyMatch(pid -> ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false));
    switch (args[0]) {
      case "up" -> {
        if (alive) {
          System.out.println("Spark cluster already running: spark://127.0.0.1:7077, UI http://127.0.0.1:8080");
          return;
        }
        LocalSparkCluster cluster = create(home, dir, 7077, 8080, workers, cores, memory).start();
        System.out.println("Spark cluster ready: " + cluster.masterUrl() + ", master UI " + cluster.masterUi()
            + ", " + workers + " worker(s) with UI from http://127.0.0.1:8081 (logs under " + dir + ")");
        System.exit(0); // leave the cluster running
      }
      case "down" -> {
        if (running.isPresent()) {
          for (String pid : running.get().split(" ")) {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroy);
          }
        }
        Files.deleteIfExists(pids);
        System.out.println(alive ? "Spark cluster stopped" : "Spark cluster not running");
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0] + ": up or down");
    }
  }
}
