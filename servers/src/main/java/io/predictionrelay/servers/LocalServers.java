package io.predictionrelay.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What the local server launchers (Kafka, HDFS, S3, Spark) share: free loopback ports and pid files. */
final class LocalServers {
  private LocalServers() {}

  /** A port that is free on 127.0.0.1 now (the server binds it a moment later). */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** A port p such that p to p + count - 1 are all free on 127.0.0.1 now. */
  static int freePorts(int count) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = first.getLocalPort();
        if (port + count - 1 <= 65535 && nextFree(port + 1, count - 1)) {
          return port;
        }
      }
    }
    throw new IOException("no " + count + " adjacent free ports on 127.0.0.1");
  }

  private static boolean nextFree(int port, int count) {
    if (count == 0) {
      return true;
    }
    try (ServerSocket next = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return nextFree(port + 1, count - 1);
    } catch (IOException taken) {
      return false;
    }
  }

  /** The live process whose pid {@code pidFile} holds, if any. */
  static Optional<ProcessHandle> running(Path pidFile) throws IOException {
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).filter(ProcessHandle::isAlive);
  }

  /** Asks a process to stop (SIGTERM, which Hadoop and Jetty handle), forcing it after 30 s. */
  static void stop(ProcessHandle handle) throws InterruptedException {
    stop(List.of(handle));
  }

  /**
   * Asks processes to stop all at once, forcing each after 30 s: the nodes of a quorum, of which the
   * last one stopped alone would wait for a quorum that has gone.
   */
  static void stop(List<ProcessHandle> handles) throws InterruptedException {
    handles.forEach(ProcessHandle::destroy);
    for (ProcessHandle handle : handles) {
      try {
        handle.onExit().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        handle.destroyForcibly();
      }
    }
  }

  /** The java binary of this JVM, so that servers run on the same JDK as the project. */
  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Reads a classpath file written by a sub-pom, naming the make target that writes it. */
  static String classpath(Path classpathFile, String makeTarget) throws IOException {
    if (!Files.isRegularFile(classpathFile)) {
      throw new IllegalStateException(
          "the classpath " + classpathFile + " is missing: run 'make " + makeTarget + "'");
    }
    return Files.readString(classpathFile).trim();
  }
}
