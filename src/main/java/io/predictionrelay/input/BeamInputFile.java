package io.predictionrelay.input;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} over any file system Beam knows, so that footers are read through the
 * same file systems ParquetIO reads the data through.
 */
final class BeamInputFile implements InputFile {
  private final ResourceId resource;
  private final long length;

  BeamInputFile(ResourceId resource, long length) {
    this.resource = resource;
    this.length = length;
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    if (!(FileSystems.open(resource) instanceof SeekableByteChannel channel)) {
      throw new IOException(resource + " cannot be read at random positions");
    }
    return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
      @Override
      public long getPos() throws IOException {
        return channel.position();
      }

      @Override
      public void seek(long newPos) throws IOException {
        channel.position(newPos);
      }

      @Override
      public int read(ByteBuffer buf) throws IOException {
        return channel.read(buf);
      }

      @Override
      public void readFully(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
          if (channel.read(buf) < 0) {
            throw new java.io.EOFException("unexpected end of " + resource);
          }
        }
      }
    };
  }

  @Override
  public String toString() {
    return resource.toString();
  }
}
