package io.predictionrelay.storage;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BufferedFSInputStream;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A read-only Hadoop {@code FileSystem} over Beam's {@link FileSystems}, so that Delta Kernel and
 * Iceberg, which read a table's log and metadata through Hadoop, read {@code s3://} and
 * {@code s3a://} tables with the same S3 client and options ({@code --endpoint},
 * {@code --s3PathStyleAccess}, credentials) as the data files. Hadoop's own S3A connector is not on
 * the classpath: it needs the whole AWS SDK v1 bundle. {@link FileSystemSetup#hadoopConfiguration()} registers it for those
 * schemes in its configuration only; Beam's file systems must be set up first
 * ({@code FileSystems.setDefaultPipelineOptions}).
 *
 * <p>An object store has no directories: a "directory" is a key prefix, exists when some object lies
 * beneath it, and is listed as the objects directly in it (the log and metadata directories hold
 * files only).
 */
public final class BeamHadoopFileSystem extends FileSystem {
  private URI uri;
  private Path workingDirectory;

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    setConf(conf);
    workingDirectory = new Path(name.getScheme(), name.getAuthority(), "/");
    uri = URI.create(name.getScheme() + (name.getAuthority() == null ? ":///" : "://" + name.getAuthority()));
  }

  @Override
  public String getScheme() {
    return uri.getScheme();
  }

  @Override
  public URI getUri() {
    return uri;
  }

  @Override
  public FSDataInputStream open(Path path, int bufferSize) throws IOException {
    MatchResult.Metadata file = FileSystems.matchSingleFileSpec(spec(path));
    ReadableByteChannel channel = FileSystems.open(file.resourceId());
    if (!(channel instanceof SeekableByteChannel seekable)) {
      channel.close();
      throw new IOException(path + ": Beam's file system for " + uri.getScheme() + " cannot seek");
    }
    return new FSDataInputStream(new BufferedFSInputStream(new ChannelInput(seekable, file.sizeBytes()), bufferSize));
  }

  @Override
  public FileStatus getFileStatus(Path path) throws IOException {
    String spec = spec(path);
    MatchResult file = FileSystems.match(spec, EmptyMatchTreatment.ALLOW);
    if (file.status() == MatchResult.Status.OK && !file.metadata().isEmpty()) {
      return status(file.metadata().get(0));
    }
    if (!match(spec + "/**").isEmpty()) {
      return new FileStatus(0, true, 1, 0, 0, qualify(path));
    }
    throw new FileNotFoundException(spec);
  }

  @Override
  public FileStatus[] listStatus(Path path) throws IOException {
    List<FileStatus> files = new ArrayList<>();
    for (MatchResult.Metadata file : match(spec(path) + "/*")) {
      files.add(status(file));
    }
    if (files.isEmpty()) {
      FileStatus status = getFileStatus(path); // FileNotFoundException when there is nothing
      return status.isDirectory() ? new FileStatus[0] : new FileStatus[] {status};
    }
    return files.toArray(FileStatus[]::new);
  }

  @Override
  public Path getWorkingDirectory() {
    return workingDirectory;
  }

  @Override
  public void setWorkingDirectory(Path dir) {
    workingDirectory = qualify(dir);
  }

  @Override
  public FSDataOutputStream create(Path path, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    throw readOnly(path);
  }

  @Override
  public FSDataOutputStream append(Path path, int bufferSize, Progressable progress) throws IOException {
    throw readOnly(path);
  }

  @Override
  public boolean rename(Path from, Path to) throws IOException {
    throw readOnly(from);
  }

  @Override
  public boolean delete(Path path, boolean recursive) throws IOException {
    throw readOnly(path);
  }

  @Override
  public boolean mkdirs(Path path, FsPermission permission) throws IOException {
    throw readOnly(path);
  }

  private IOException readOnly(Path path) {
    return new IOException(path + ": tables on " + uri.getScheme() + ":// are read, never written, here");
  }

  private Path qualify(Path path) {
    return path.makeQualified(uri, workingDirectory);
  }

  /** The path as Beam names it: absolute, with this file system's scheme and bucket, no trailing '/'. */
  private String spec(Path path) {
    String spec = qualify(path).toString();
    return spec.endsWith("/") ? spec.substring(0, spec.length() - 1) : spec;
  }

  private static FileStatus status(MatchResult.Metadata file) {
    boolean directory = file.resourceId().isDirectory(); // file systems that have directories
    return new FileStatus(directory ? 0 : file.sizeBytes(), directory, 1, 0, file.lastModifiedMillis(),
        new Path(file.resourceId().toString()));
  }

  private static List<MatchResult.Metadata> match(String glob) throws IOException {
    MatchResult result = FileSystems.match(glob, EmptyMatchTreatment.ALLOW);
    return result.status() == MatchResult.Status.OK ? result.metadata() : List.of();
  }

  /** A Beam channel as the seekable stream Hadoop's readers (Parquet footers, Avro manifests) expect. */
  private static final class ChannelInput extends FSInputStream {
    private final SeekableByteChannel channel;
    private final long size;
    private final ByteBuffer one = ByteBuffer.allocate(1);

    ChannelInput(SeekableByteChannel channel, long size) {
      this.channel = channel;
      this.size = size;
    }

    @Override
    public void seek(long position) throws IOException {
      if (position < 0 || position > size) {
        throw new EOFException("seek to " + position + " in a file of " + size + " bytes");
      }
      channel.position(position);
    }

    @Override
    public long getPos() throws IOException {
      return channel.position();
    }

    @Override
    public boolean seekToNewSource(long target) {
      return false;
    }

    @Override
    public int read() throws IOException {
      one.clear();
      int n = read(one);
      return n < 0 ? -1 : one.get(0) & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      return length == 0 ? 0 : read(ByteBuffer.wrap(bytes, offset, length));
    }

    private int read(ByteBuffer buffer) throws IOException {
      int n;
      do {
        n = channel.read(buffer);
      } while (n == 0 && buffer.hasRemaining());
      return n;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(Integer.MAX_VALUE, size - channel.position());
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
