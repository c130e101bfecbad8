package io.predictionrelay.testing;

import io.predictionrelay.tools.LocalHdfs;
import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real HDFS (a NameNode and a DataNode) for one test class, on free loopback ports: started
 * before the first test, killed after the last, also when tests fail. A run reaches it with
 * {@code --input=}{@link #path}{@code (...)} alone: {@code FileSystemSetup} derives the rest.
 */
public final class HdfsExtension implements BeforeAllCallback, AfterAllCallback {
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
  public void beforeAll(ExtensionContext context) throws Exception {
    hdfs = LocalHdfs.createForTest().start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (hdfs != null) {
      hdfs.kill();
    }
  }
}
