package io.predictionrelay.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.HdfsConstants.DatanodeReportType;

/**
 * A real single-node HDFS on 127.0.0.1: a NameNode and a DataNode, each a JVM of its own, run from
 * Apache Hadoop's own server jars ({@code hdfs/pom.xml}), so that {@code hdfs://} inputs are tested
 * against the protocol a cluster speaks. The Makefile starts and stops it through {@link #main};
 * integration tests use the same class directly.
 */
public final class LocalHdfs implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final String NAME_NODE = "org.apache.hadoop.hdfs.server.namenode.NameNode";
  private static final String DATA_NODE = "org.apache.hadoop.hdfs.server.datanode.DataNode";

  private final Path dir;
  private final int port;
  private final int httpPort;
  private final String classpath;
  private Process nameNode;
  private Process dataNode;

  private LocalHdfs(Path dir, int port, int httpPort, String classpath) {
    this.dir = dir.toAbsolutePath();
    this.port = port;
    this.httpPort = httpPort;
    this.classpath = classpath;
  }

  /**
   * An HDFS whose metadata, blocks, configuration and log live under {@code dir}, with the
   * NameNode's RPC on {@code port} and its web UI on {@code httpPort} (0: any free port). The
   * DataNode's ports are always chosen free at start: clients learn them from the NameNode.
   */
  public static LocalHdfs create(Path dir, int port, int httpPort, Path classpathFile) throws IOException {
    return new LocalHdfs(dir, port, httpPort, LocalServers.classpath(classpathFile, "hdfs-classpath"));
  }

  /** An HDFS on free ports in a new temporary directory, for tests. */
  public static LocalHdfs createForTest() throws IOException {
    Path classpathFile = Path.of(System.getProperty("hdfs.classpath.file", "hdfs/target/classpath.txt"));
    return create(Files.createTempDirectory("hdfs"), LocalServers.freePort(), LocalServers.freePort(), classpathFile);
  }

  /**
   * The port of the NameNode's web UI and REST API (WebHDFS: {@code /webhdfs/v1/<path>?op=...}), as
   * given to {@link #create} (0 there: a free port the NameNode chose, not known here).
   */
  public int httpPort() {
    return httpPort;
  }

  /** The file system's root, e.g. {@code hdfs://127.0.0.1:8020}: prefix of every path in it. */
  public URI uri() {
    return URI.create("hdfs://127.0.0.1:" + port);
  }

  public Path logFile() {
    return dir.resolve("hdfs.log");
  }

  /**
   * Formats the NameNode if new, starts the NameNode and then the DataNode, and waits until a
   * client can write and read a file (the DataNode registered, the NameNode out of safe mode).
   */
  public LocalHdfs start() throws IOException, InterruptedException {
    Path conf = dir.resolve("conf");
    Files.createDirectories(conf);
    Files.writeString(conf.resolve("core-site.xml"), siteXml(coreSite()));
    Files.writeString(conf.resolve("hdfs-site.xml"), siteXml(hdfsSite()));
    Files.writeString(conf.resolve("log4j.properties"), LOG4J);
    if (!Files.exists(dir.resolve("name/current/VERSION"))) {
      Process format = java("format", NAME_NODE, "-format", "-force", "-nonInteractive");
      if (!format.waitFor(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || format.exitValue() != 0) {
        format.destroyForcibly();
        throw new IOException("formatting the HDFS NameNode failed; see " + logFile());
      }
    }
    nameNode = java("namenode", NAME_NODE);
    Files.writeString(dir.resolve("namenode.pid"), Long.toString(nameNode.pid()));
    dataNode = java("datanode", DATA_NODE);
    Files.writeString(dir.resolve("datanode.pid"), Long.toString(dataNode.pid()));
    awaitReady();
    return this;
  }

  /** Stops the DataNode, then the NameNode; the file system keeps its data and can start again. */
  public void stop() throws InterruptedException {
    if (dataNode != null) {
      LocalServers.stop(dataNode.toHandle());
      dataNode = null;
    }
    if (nameNode != null) {
      LocalServers.stop(nameNode.toHandle());
      nameNode = null;
    }
  }

  /** Kills both JVMs at once, as a crash would (tests: their data is thrown away). */
  public void kill() throws InterruptedException {
    for (Process process : Arrays.asList(dataNode, nameNode)) {
      if (process != null) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    dataNode = null;
    nameNode = null;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private Map<String, String> coreSite() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("fs.defaultFS", uri().toString());
    p.put("hadoop.tmp.dir", dir.resolve("tmp").toString());
    return p;
  }

  private Map<String, String> hdfsSite() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("dfs.namenode.name.dir", dir.resolve("name").toUri().toString());
    p.put("dfs.datanode.data.dir", dir.resolve("data").toUri().toString());
    // Every listener on loopback: Hadoop's defaults are 0.0.0.0.
    p.put("dfs.namenode.rpc-address", "127.0.0.1:" + port);
    p.put("dfs.namenode.http-address", "127.0.0.1:" + httpPort);
    p.put("dfs.namenode.https-address", "127.0.0.1:0");
    p.put("dfs.datanode.address", "127.0.0.1:0");
    p.put("dfs.datanode.ipc.address", "127.0.0.1:0");
    p.put("dfs.datanode.http.address", "127.0.0.1:0");
    p.put("dfs.datanode.https.address", "127.0.0.1:0");
    p.put("dfs.datanode.hostname", "127.0.0.1");
    p.put("dfs.namenode.datanode.registration.ip-hostname-check", "false");
    p.put("dfs.replication", "1");
    // One user on one machine: HDFS permissions would only stand between the tests and their data.
    p.put("dfs.permissions.enabled", "false");
    // Out of safe mode as soon as the blocks are reported, and the DataNode reports at once.
    p.put("dfs.namenode.safemode.extension", "0");
    p.put("dfs.heartbeat.interval", "1");
    p.put("dfs.blockreport.initialDelay", "0");
    return p;
  }

  private static String siteXml(Map<String, String> properties) {
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
    properties.forEach((name, value) -> xml.append("  <property><name>").append(name)
        .append("</name><value>").append(value).append("</value></property>\n"));
    return xml.append("</configuration>\n").toString();
  }

  private Process java(String role, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(LocalServers.javaBinary());
    command.add("-Xmx384m");
    command.add("-Dproc_" + role);
    command.add("-Dhadoop.log.dir=" + dir);
    command.add("-Dhadoop.home.dir=" + dir);
    command.add("-Dlog4j.configuration=file:" + dir.resolve("conf/log4j.properties"));
    command.add("-cp");
    // The conf directory first: Hadoop reads core-site.xml and hdfs-site.xml from the classpath.
    command.add(dir.resolve("conf") + java.io.File.pathSeparator + classpath);
    command.add(mainClass);
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(role + ".out").toFile()))
        .start();
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    Configuration conf = new Configuration(false);
    // Fail fast while the NameNode is still starting, and poll instead.
    conf.set("ipc.client.connect.max.retries", "0");
    conf.set("ipc.client.connect.timeout", "2000");
    try (FileSystem fs = FileSystem.newInstance(uri(), conf)) {
      DistributedFileSystem hdfs = (DistributedFileSystem) fs;
      while (System.nanoTime() < deadline) {
        for (Process process : List.of(nameNode, dataNode)) {
          if (!process.isAlive()) {
            throw new IOException("an HDFS JVM exited with " + process.exitValue() + "; see " + logFile());
          }
        }
        try {
          if (hdfs.getDataNodeStats(DatanodeReportType.LIVE).length > 0 && !hdfs.isInSafeMode()) {
            writeAndRead(hdfs);
            return;
          }
        } catch (IOException notYet) {
          // not ready yet: poll again
        }
        Thread.sleep(200);
      }
    }
    throw new IOException("HDFS did not become writable within " + READY_TIMEOUT.toSeconds() + " s; see " + logFile());
  }

  private static void writeAndRead(FileSystem fs) throws IOException {
    org.apache.hadoop.fs.Path probe = new org.apache.hadoop.fs.Path("/tmp/.local-hdfs-ready");
    byte[] expected = "ready".getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = fs.create(probe, true)) {
      out.write(expected);
    }
    byte[] actual;
    try (InputStream in = fs.open(probe)) {
      actual = in.readAllBytes();
    }
    fs.delete(probe, false);
    if (!Arrays.equals(expected, actual)) {
      throw new IOException("HDFS read back other bytes than it was given");
    }
  }

  private static final String LOG4J =
      "log4j.rootLogger=WARN, file\n"
          + "log4j.appender.file=org.apache.log4j.FileAppender\n"
          + "log4j.appender.file.File=${hadoop.log.dir}/hdfs.log\n"
          + "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
          + "log4j.appender.file.layout.ConversionPattern=%d %p %c{1} (%t): %m%n\n"
          + "log4j.logger.org.apache.hadoop.hdfs.server.namenode.NameNode=INFO\n"
          + "log4j.logger.org.apache.hadoop.hdfs.server.datanode.DataNode=INFO\n"
          // Harmless on a single machine: no native library, no metrics file, no shared HTTP secret.
          + "log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR\n"
          + "log4j.logger.org.apache.hadoop.metrics2.impl.MetricsConfig=ERROR\n"
          + "log4j.logger.org.apache.hadoop.security.authentication.server.AuthenticationFilter=ERROR\n";

  /**
   * {@code start|stop|status --dir=DIR --port=PORT --httpPort=PORT --classpathFile=FILE}; start and
   * stop are idempotent.
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: LocalHdfs start|stop|status [--dir=..] [--port=..] [--httpPort=..]");
    }
    Args parsed = Args.parse(Arrays.copyOfRange(args, 1, args.length));
    Path dir = Path.of(parsed.get("dir", ".local/hdfs")).toAbsolutePath();
    int port = (int) parsed.getLong("port", 8020);
    int httpPort = (int) parsed.getLong("httpPort", 9870);
    Path classpathFile = Path.of(parsed.get("classpathFile", "hdfs/target/classpath.txt"));
    parsed.rejectUnused();
    Optional<ProcessHandle> nameNode = LocalServers.running(dir.resolve("namenode.pid"));
    Optional<ProcessHandle> dataNode = LocalServers.running(dir.resolve("datanode.pid"));
    switch (args[0]) {
      case "start" -> {
        if (nameNode.isPresent() && dataNode.isPresent()) {
          System.out.println("HDFS already running (NameNode pid " + nameNode.get().pid()
              + ", DataNode pid " + dataNode.get().pid() + ") at hdfs://127.0.0.1:" + port);
          return;
        }
        // Half of it left over from a crash: start both afresh.
        stopAll(dataNode, nameNode);
        LocalHdfs hdfs = create(dir, port, httpPort, classpathFile).start();
        System.out.println("HDFS ready at " + hdfs.uri() + ", web UI http://127.0.0.1:" + httpPort
            + " (data and log under " + dir + ")");
        System.exit(0); // leave the NameNode and DataNode running
      }
      case "stop" -> {
        if (nameNode.isPresent() || dataNode.isPresent()) {
          stopAll(dataNode, nameNode);
          System.out.println("HDFS stopped");
        } else {
          System.out.println("HDFS not running");
        }
        Files.deleteIfExists(dir.resolve("namenode.pid"));
        Files.deleteIfExists(dir.resolve("datanode.pid"));
      }
      case "status" -> {
        System.out.println("NameNode " + describe(nameNode) + ", DataNode " + describe(dataNode));
        System.exit(nameNode.isPresent() && dataNode.isPresent() ? 0 : 1);
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0] + ": start, stop or status");
    }
  }

  private static void stopAll(Optional<ProcessHandle> dataNode, Optional<ProcessHandle> nameNode)
      throws InterruptedException {
    if (dataNode.isPresent()) {
      LocalServers.stop(dataNode.get());
    }
    if (nameNode.isPresent()) {
      LocalServers.stop(nameNode.get());
    }
  }

  private static String describe(Optional<ProcessHandle> process) {
    return process.map(h -> "running (pid " + h.pid() + ")").orElse("not running");
  }
}
