package io.predictionrelay.testing;

import io.predictionrelay.servers.LocalHdfs;
import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real HDFS (a NameNode and a DataNode) on free loopback ports, started before the first test
 * class that needs it and killed when the test JVM's last test is done, also when tests fail: one
 * start for every class (each keeps to paths of its own). A run reaches it with
 * {@code --input=}{@link #path}{@code (...)} alone: {@code FileSystemSetup} derives the rest.
 */
public final class HdfsExtension implements BeforeAllCallback {
  private LocalHdfs hdfs;

  /** The file system's root, {@code hdfs://127.0.0.1:PORT}. */
  public URI uri() {
    return hdfs.uri();
  }

  /** {@code hdfs://127.0.0.1:PORT/<path>}; a path ending in '/' names a directory. */
  public String path(String path) {
    return hdfs.uri() + "/" + (path.startsWith("/") ? path.substring(1) : path);
  }

  /** A Hadoop client of this HDFS, to put or inspect files independently of Beam; close it. */
  public FileSystem client() throws IOException {
    return FileSystem.newInstance(hdfs.uri(), new Configuration(false));
  }

  public LocalHdfs hdfs() {
    return hdfs;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    hdfs = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Shared.class, key -> Shared.start(), Shared.class).hdfs;
  }

  /** The one HDFS of the test JVM; JUnit closes it after the last test. */
  private static final class Shared implements ExtensionContext.Store.CloseableResource {
    final LocalHdfs hdfs;

    private Shared(LocalHdfs hdfs) {
      this.hdfs = hdfs;
    }

    static Shared start() {
      try {
        return new Shared(LocalHdfs.createForTest().start());
      } catch (Exception e) {
        throw new IllegalStateException("the test HDFS did not start", e);
      }
    }

    @Override
    public void close() throws Exception {
      hdfs.kill();
    }
  }
}
