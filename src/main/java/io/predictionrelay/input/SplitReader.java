package io.predictionrelay.input;

import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import java.io.IOException;
import java.io.Serializable;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * Reads the rows of one {@link InputSplit} in file order with parquet-avro, through Beam's file
 * systems, leaves out those the table deletes, and turns each other into a {@link Prediction} or a
 * dead letter ({@link RecordConverter}). Rows read and dead letters are counted here, once per split
 * ({@link SplitTally}); dead letters are written per bundle ({@link DeadLetterFiles}). Not ParquetIO: its reader hides which file and row a record came from,
 * and message ids and partition values need exactly that.
 *
 * <p>One per DoFn: the DoFn keeps it as a field and calls {@link #setup()}, then per bundle
 * {@link #startBundle()}, {@link #read}, {@link #finishBundle()}, and {@link #teardown()}.
 */
public final class SplitReader implements Serializable {
  private final MessageFormat format;
  private final java.util.List<ExtraColumn> extras;
  private final int maxMessageBytes;
  private final String deadLetterDir;
  private transient SplitTally tally;
  private transient RecordConverter converter;
  private transient Configuration readConf;
  private transient DeadLetterFiles files;

  public SplitReader(MessageFormat format, java.util.List<ExtraColumn> extras, int maxMessageBytes,
      String deadLetterDir) {
    this.format = format;
    this.extras = java.util.List.copyOf(extras);
    this.maxMessageBytes = maxMessageBytes;
    this.deadLetterDir = deadLetterDir;
  }

  public void setup() {
    readConf = ParquetInput.readConfiguration();
    converter = new RecordConverter(format, extras, maxMessageBytes);
    tally = new SplitTally();
  }

  public void startBundle() {
    files = new DeadLetterFiles(deadLetterDir);
  }

  /** Reads every row of {@code split}, in order, handing its predictions to {@code out}. */
  public void read(InputSplit split, Consumer<Prediction> out) throws IOException {
    readChanges(split, (prediction, changeType) -> out.accept(prediction));
  }

  /**
   * {@link #read}, handing each prediction over with its row's {@code _change_type} (a Delta change
   * data file's: {@code insert}, {@code update_preimage}, {@code update_postimage}, {@code delete});
   * null where the split's columns do not read one ({@link FileColumns#withChangeType}).
   */
  public void readChanges(InputSplit split, BiConsumer<Prediction, String> out) throws IOException {
    GenericRecord[] current = new GenericRecord[1];
    RecordConverter.Receiver receiver = new RecordConverter.Receiver() {
      @Override
      public void prediction(Prediction prediction) {
        out.accept(prediction, split.columns().changeType(current[0]));
      }

      @Override
      public void deadLetter(DeadLetter deadLetter) {
        tally.deadLetter(deadLetter.reason());
        try {
          files.write(deadLetter);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("writing a dead letter under " + deadLetterDir, e);
        }
      }
    };
    tally.start();
    long rows = 0;
    long[] deleted = split.deleted();
    int nextDeleted = 0;
    long[] selected = split.selected();
    int nextSelected = 0;
    try (ParquetReader<GenericRecord> reader = open(split)) {
      for (GenericRecord record; (record = reader.read()) != null; rows++) {
        if (nextDeleted < deleted.length && deleted[nextDeleted] == split.firstRow() + rows) {
          nextDeleted++; // deleted by the table: not one of its rows
          continue;
        }
        if (selected != null) {
          if (nextSelected == selected.length || selected[nextSelected] != split.firstRow() + rows) {
            continue; // not one of the rows read
          }
          nextSelected++;
        }
        current[0] = record;
        converter.convert(record, split.columns(), split.partitionValues(), receiver);
      }
    }
    if (rows != split.rows()) {
      // The file changed since its footer was read at launch: its rows cannot be accounted for.
      throw new IOException(split + ": read " + rows + " rows, its footer said " + split.rows());
    }
    tally.finish(split.index(), split.liveRows());
  }

  private ParquetReader<GenericRecord> open(InputSplit split) throws IOException {
    return split.columns().reader(new BeamInputFile(FileSystems.matchNewResource(split.file(), false),
        split.fileSize()), readConf, split.start(), split.end());
  }

  public void finishBundle() throws IOException {
    files.commit();
  }

  public void teardown() throws IOException {
    if (files != null) {
      files.abort();
    }
  }
}
