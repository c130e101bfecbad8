package io.predictionrelay.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What the local server launchers (HDFS, S3) share: free loopback ports and pid files. */
final class LocalServers {
  private LocalServers() {}

  /** A port that is free on 127.0.0.1 now (the server binds it a moment later). */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
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
    handle.destroy();
    try {
      handle.onExit().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      handle.destroyForcibly();
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
