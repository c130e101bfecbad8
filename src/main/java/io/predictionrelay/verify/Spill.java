package io.predictionrelay.verify;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;

/**
 * Records spilled to one file per hash partition of their id, so that each partition can be
 * reconciled on its own in bounded memory. A record is an id, a few doubles (or raw longs) and a tag.
 */
final class Spill implements AutoCloseable {
  interface Row {
    void accept(String id, double[] values, String extras, String tag);
  }

  interface KeyRow {
    void accept(String key, long hash1, long hash2);
  }

  private final Path dir;
  private final DataOutputStream[] outs;

  Spill(Path dir, int partitions) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.outs = new DataOutputStream[partitions];
    for (int p = 0; p < partitions; p++) {
      outs[p] = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file(p)), 1 << 16));
    }
  }

  int partitions() {
    return outs.length;
  }

  Path file(int partition) {
    return dir.resolve(Integer.toString(partition));
  }

  private DataOutputStream outFor(String id) {
    return outs[Math.floorMod(id.hashCode() * 0x9E3779B9, outs.length)];
  }

  /**
   * A prediction: its id, its values, its extra columns (as Jackson's canonical text of each, so
   * that a value written and one read back compare equal) followed by its decimal class values'
   * exact texts, and the key of the message it came in (or "").
   */
  void write(Prediction prediction, String tag) {
    String id = prediction.id();
    DataOutputStream out = outFor(id);
    try {
      writeId(out, id);
      for (double v : prediction.values()) {
        out.writeDouble(v);
      }
      StringBuilder extras = new StringBuilder();
      for (byte[] token : prediction.extras()) {
        extras.append(new String(PredictionJson.canonical(token), StandardCharsets.UTF_8)).append('\u0001');
      }
      for (byte[] decimal : prediction.decimals()) {
        extras.append(new String(decimal, StandardCharsets.US_ASCII)).append('\u0002');
      }
      writeLong(out, extras.toString());
      out.writeUTF(tag);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A message key and a 128-bit hash of the message's bytes. */
  void writeKey(String key, long hash1, long hash2) {
    DataOutputStream out = outFor(key);
    try {
      writeId(out, key);
      out.writeLong(hash1);
      out.writeLong(hash2);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeId(DataOutputStream out, String id) throws IOException {
    byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  static void read(Path file, int classes, Row row) throws IOException {
    try (DataInputStream in = open(file)) {
      for (String id; (id = readId(in)) != null; ) {
        double[] values = new double[classes];
        for (int i = 0; i < classes; i++) {
          values[i] = in.readDouble();
        }
        row.accept(id, values, readLong(in), in.readUTF());
      }
    }
  }

  static void readKeys(Path file, KeyRow row) throws IOException {
    try (DataInputStream in = open(file)) {
      for (String key; (key = readId(in)) != null; ) {
        row.accept(key, in.readLong(), in.readLong());
      }
    }
  }

  /** A string of any length (writeUTF stops at 64 KB). */
  private static void writeLong(DataOutputStream out, String text) throws IOException {
    writeId(out, text);
  }

  private static String readLong(DataInputStream in) throws IOException {
    return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
  }

  private static DataInputStream open(Path file) throws IOException {
    return new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
  }

  /** The next id, or null at the end of the file. */
  private static String readId(DataInputStream in) throws IOException {
    int length;
    try {
      length = in.readInt();
    } catch (EOFException end) {
      return null;
    }
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    for (DataOutputStream out : outs) {
      out.close();
    }
  }
}
