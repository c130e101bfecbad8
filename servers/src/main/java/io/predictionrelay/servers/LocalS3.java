package io.predictionrelay.servers;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * A real S3-compatible server on 127.0.0.1: S3Proxy, from Maven Central ({@code s3/pom.xml}), in a
 * JVM of its own, storing objects as files under its directory. It checks AWS signatures (V2 and
 * V4) against one fixed test identity, {@link #ACCESS_KEY} / {@link #SECRET_KEY}, so clients go
 * through the same credential chain and signing as against AWS. The Makefile starts and stops it
 * through {@link #main}; integration tests use the same class directly.
 */
public final class LocalS3 implements AutoCloseable {
  /** The access key id the server accepts: not a secret, it only guards a loopback test server. */
  public static final String ACCESS_KEY = "local-identity";
  /** The secret access key the server accepts. */
  public static final String SECRET_KEY = "local-credential";
  /** The region clients sign for; S3Proxy accepts any. */
  public static final Region REGION = Region.US_EAST_1;

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final int port;
  private final String classpath;
  private Process process;

  private LocalS3(Path dir, int port, String classpath) {
    this.dir = dir.toAbsolutePath();
    this.port = port;
    this.classpath = classpath;
  }

  /** A server whose objects ({@code data/<bucket>/<key>}) and log live under {@code dir}. */
  public static LocalS3 create(Path dir, int port, Path classpathFile) throws IOException {
    return new LocalS3(dir, port, LocalServers.classpath(classpathFile, "s3-classpath"));
  }

  /** A server on a free port in a new temporary directory, for tests. */
  public static LocalS3 createForTest() throws IOException {
    Path classpathFile = Path.of(System.getProperty("s3.classpath.file", "s3/target/classpath.txt"));
    return create(Files.createTempDirectory("s3"), LocalServers.freePort(), classpathFile);
  }

  /** The endpoint clients are given, e.g. {@code http://127.0.0.1:9000}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public Path logFile() {
    return dir.resolve("s3proxy.log");
  }

  /** Starts the server and waits until it answers HTTP. */
  public LocalS3 start() throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("data"));
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(properties, properties());
    Files.writeString(dir.resolve("logback.xml"), LOGBACK);
    List<String> command = new ArrayList<>();
    command.add(LocalServers.javaBinary());
    command.add("-Xmx256m");
    // Without a configuration of its own, logback logs everything at DEBUG.
    command.add("-Dlogback.configurationFile=" + dir.resolve("logback.xml"));
    command.add("-cp");
    command.add(classpath);
    command.add("org.gaul.s3proxy.Main");
    command.add("--properties");
    command.add(properties.toString());
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
        .start();
    Files.writeString(dir.resolve("s3proxy.pid"), Long.toString(process.pid()));
    awaitReady();
    return this;
  }

  /**
   * Creates {@code bucket} if it does not exist yet, through the S3 API (a bucket is a directory
   * under {@code data/}).
   */
  public void createBucket(String bucket) {
    try (S3Client s3 = client(endpoint())) {
      s3.createBucket(b -> b.bucket(bucket));
    } catch (BucketAlreadyOwnedByYouException exists) {
      // idempotent
    }
  }

  /** An AWS SDK client for a server at {@code endpoint} with the test identity, path-style. */
  public static S3Client client(URI endpoint) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(REGION)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .forcePathStyle(true)
        .build();
  }

  /** Stops the server; its objects stay, and it can be started again. */
  public void stop() throws InterruptedException {
    if (process != null) {
      LocalServers.stop(process.toHandle());
      process = null;
    }
  }

  /** Kills the server at once, as a crash would. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      process = null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private String properties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("s3proxy.endpoint", endpoint().toString());
    p.put("s3proxy.authorization", "aws-v2-or-v4");
    p.put("s3proxy.identity", ACCESS_KEY);
    p.put("s3proxy.credential", SECRET_KEY);
    // Beam's S3 writer always sends x-amz-server-side-encryption-bucket-key-enabled (false by
    // default), which S3Proxy would refuse as unknown: 501 NotImplemented.
    p.put("s3proxy.ignore-unknown-headers", "true");
    // S3Proxy's own NIO.2 file system store (jclouds' older "filesystem" one is deprecated there).
    p.put("jclouds.provider", "filesystem-nio2");
    p.put("jclouds.identity", ACCESS_KEY);
    p.put("jclouds.credential", SECRET_KEY);
    p.put("jclouds.filesystem.basedir", dir.resolve("data").toString());
    StringBuilder out = new StringBuilder();
    p.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
    return out.toString();
  }

  private static final String LOGBACK =
      "<configuration>\n"
          + "  <appender name=\"out\" class=\"ch.qos.logback.core.ConsoleAppender\">\n"
          + "    <encoder><pattern>%d %-5level %logger{0}: %msg%n</pattern></encoder>\n"
          + "  </appender>\n"
          + "  <logger name=\"org.gaul.s3proxy.Main\" level=\"INFO\"/>\n"
          + "  <root level=\"WARN\"><appender-ref ref=\"out\"/></root>\n"
          + "</configuration>\n";

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(endpoint()).timeout(Duration.ofSeconds(2)).GET().build();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("S3Proxy exited with " + process.exitValue() + "; see " + logFile());
      }
      try {
        // Any S3 answer will do (an unsigned request is refused with 403): the server is up.
        http.send(request, HttpResponse.BodyHandlers.discarding());
        return;
      } catch (ConnectException | java.net.http.HttpTimeoutException notYet) {
        // not listening yet: poll again
      }
      Thread.sleep(200);
    }
    throw new IOException("S3Proxy did not answer within " + READY_TIMEOUT.toSeconds() + " s; see " + logFile());
  }

  /**
   * {@code start|stop|status --dir=DIR --port=PORT --bucket=NAME --classpathFile=FILE}; start
   * (which also creates the bucket) and stop are idempotent.
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: LocalS3 start|stop|status [--dir=..] [--port=..] [--bucket=..]");
    }
    Args parsed = Args.parse(Arrays.copyOfRange(args, 1, args.length));
    Path dir = Path.of(parsed.get("dir", ".local/s3")).toAbsolutePath();
    int port = (int) parsed.getLong("port", 9000);
    String bucket = parsed.get("bucket", "");
    Path classpathFile = Path.of(parsed.get("classpathFile", "s3/target/classpath.txt"));
    parsed.rejectUnused();
    Optional<ProcessHandle> running = LocalServers.running(dir.resolve("s3proxy.pid"));
    switch (args[0]) {
      case "start" -> {
        LocalS3 s3 = create(dir, port, classpathFile);
        if (running.isPresent()) {
          System.out.println("S3 already running (pid " + running.get().pid() + ") at " + s3.endpoint());
        } else {
          s3.start();
          System.out.println("S3 ready at " + s3.endpoint() + " (access key " + ACCESS_KEY
              + ", secret key " + SECRET_KEY + "; data and log under " + dir + ")");
        }
        if (!bucket.isEmpty()) {
          s3.createBucket(bucket);
          System.out.println("bucket s3://" + bucket + "/ ready");
        }
        System.exit(0); // leave the server running
      }
      case "stop" -> {
        if (running.isPresent()) {
          LocalServers.stop(running.get());
          System.out.println("S3 stopped");
        } else {
          System.out.println("S3 not running");
        }
        Files.deleteIfExists(dir.resolve("s3proxy.pid"));
      }
      case "status" -> {
        System.out.println(running.map(h -> "running (pid " + h.pid() + ")").orElse("not running"));
        System.exit(running.isPresent() ? 0 : 1);
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0] + ": start, stop or status");
    }
  }
}
