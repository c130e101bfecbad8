package io.predictionrelay.input;

import io.delta.kernel.Table;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.DeltaLogActionUtils.DeltaAction;
import io.delta.kernel.internal.SnapshotImpl;
import io.delta.kernel.internal.TableImpl;
import io.delta.kernel.internal.actions.DeletionVectorDescriptor;
import io.delta.kernel.internal.actions.Metadata;
import io.delta.kernel.internal.deletionvectors.DeletionVectorUtils;
import io.delta.kernel.internal.fs.Path;
import io.delta.kernel.internal.util.VectorUtils;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;
import io.predictionrelay.input.ChangeFeed.Source;
import io.predictionrelay.input.FoundFiles.TableFile;
import io.predictionrelay.storage.FileSystemSetup;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;

/**
 * The commits of a Delta table after a version, read with Delta Kernel ({@code TableImpl.getChanges},
 * its reader of commit actions), as the protocol's change data readers read them: a commit with
 * {@code cdc} actions changed exactly the rows of its change data files; a commit without them
 * inserted the live rows of its {@code add} files and deleted those of its {@code remove} files
 * (with dataChange=true; a deletion vector is part of the file it names); a commit whose files all
 * have dataChange=false (OPTIMIZE, compaction) changed nothing. Usable only when every commit of the
 * range was written with {@code delta.enableChangeDataFeed=true} and the schema did not change:
 * otherwise {@link Commits#unavailable} says why, and the run compares files by id instead.
 */
final class DeltaChangeFeed {
  private DeltaChangeFeed() {}

  static final String ENABLE = "delta.enableChangeDataFeed";

  /** A file a commit of the feed names, and what its rows are. */
  record ChangeFile(long version, Source source, TableFile file) {}

  /**
   * The files of the commits after {@code base} up to {@code now}, in commit order, or why they
   * cannot tell the changes ({@code unavailable}, one phrase; null when they can).
   *
   * @param commitsWithoutDataChange commits whose files all have dataChange=false: not read
   * @param filesNotRead add and remove actions not read: those of commits with change data files,
   *     and those with dataChange=false
   */
  record Commits(List<ChangeFile> files, int commitsWithoutDataChange, int filesNotRead, String unavailable) {
    static Commits unavailable(String why) {
      return new Commits(List.of(), 0, 0, why);
    }
  }

  /**
   * Reads the commits {@code base + 1 .. now} of the table at {@code spec} (its log only: no data
   * file is opened), with the partition columns in the table's order and their physical names.
   */
  static Commits read(String spec, long base, long now, List<String> partitionColumns, TableSchema schema) {
    Engine engine = DefaultEngine.create(FileSystemSetup.hadoopConfiguration());
    TableImpl table = (TableImpl) Table.forPath(engine, spec);
    String tablePath = table.getPath(engine);
    Metadata metadata;
    try {
      metadata = ((SnapshotImpl) table.getSnapshotAsOfVersion(engine, base)).getMetadata();
    } catch (RuntimeException e) {
      return Commits.unavailable("the log of version " + base + " cannot be read: " + FoundFiles.firstLine(e));
    }
    String schemaAtBase = metadata.getSchemaString();
    List<Commit> commits = new ArrayList<>();
    try (CloseableIterator<ColumnarBatch> batches = table.getChanges(engine, base + 1, now,
        EnumSet.of(DeltaAction.ADD, DeltaAction.REMOVE, DeltaAction.CDC, DeltaAction.METADATA))) {
      while (batches.hasNext()) {
        ColumnarBatch batch = batches.next(); // one commit's actions, or part of them
        StructType columns = batch.getSchema();
        ColumnVector versions = batch.getColumnVector(columns.indexOf("version"));
        ColumnVector metadatas = batch.getColumnVector(columns.indexOf(DeltaAction.METADATA.colName));
        for (int row = 0; row < batch.getSize(); row++) {
          long version = versions.getLong(row);
          if (commits.isEmpty() || commits.get(commits.size() - 1).version != version) {
            commits.add(new Commit(version, metadata));
          }
          Commit commit = commits.get(commits.size() - 1);
          if (!metadatas.isNullAt(row)) {
            commit.metadata = Metadata.fromColumnVector(metadatas, row);
            metadata = commit.metadata;
          }
          for (DeltaAction action : List.of(DeltaAction.ADD, DeltaAction.REMOVE, DeltaAction.CDC)) {
            ColumnVector actions = batch.getColumnVector(columns.indexOf(action.colName));
            if (!actions.isNullAt(row)) {
              commit.add(action, actions, row, engine, tablePath, spec, partitionColumns, schema);
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return Commits.unavailable("the commits after version " + base + " cannot be read: " + FoundFiles.firstLine(e));
    }
    List<ChangeFile> files = new ArrayList<>();
    int withoutDataChange = 0;
    int notRead = 0;
    for (Commit commit : commits) {
      // The metadata in effect after a commit applies to that commit, as Delta's own change data reader has it.
      if (!"true".equalsIgnoreCase(commit.metadata.getConfiguration().get(ENABLE))) {
        return Commits.unavailable("the change data feed (" + ENABLE + ") is off at version " + commit.version);
      }
      if (!commit.metadata.getSchemaString().equals(schemaAtBase)) {
        return Commits.unavailable("the table's schema changed at version " + commit.version);
      }
      try {
        notRead += commit.addTo(files);
      } catch (RuntimeException e) {
        return Commits.unavailable("the deletion vectors of version " + commit.version + " cannot be read: "
            + FoundFiles.firstLine(e));
      }
      withoutDataChange += commit.changesData() ? 0 : 1;
    }
    return new Commits(files, withoutDataChange, notRead, null);
  }

  /** The file actions of one commit, gathered before it is known whether it has change data files. */
  private static final class Commit {
    final long version;
    /** The table's metadata in effect after this commit. */
    Metadata metadata;
    final List<TableFile> cdc = new ArrayList<>();
    final List<FileAction> added = new ArrayList<>();
    final List<FileAction> removed = new ArrayList<>();
    int withoutDataChange;

    Commit(long version, Metadata metadata) {
      this.version = version;
      this.metadata = metadata;
    }

    void add(DeltaAction action, ColumnVector actions, int row, Engine engine, String tablePath, String spec,
        List<String> partitionColumns, TableSchema schema) throws IOException {
      StructType fields = action.schema;
      if (action != DeltaAction.CDC && !actions.getChild(fields.indexOf("dataChange")).getBoolean(row)) {
        withoutDataChange++;
        return;
      }
      String path = FoundFiles.asGiven(spec, new Path(new Path(URI.create(tablePath)),
          new Path(URI.create(actions.getChild(fields.indexOf("path")).getString(row)))).toString());
      ColumnVector sizes = actions.getChild(fields.indexOf("size"));
      long size = sizes.isNullAt(row) ? FileSystems.matchSingleFileSpec(path).sizeBytes() : sizes.getLong(row);
      ColumnVector values = actions.getChild(fields.indexOf("partitionValues"));
      Map<String, String> byPhysicalName = values.isNullAt(row) ? Map.of() : VectorUtils.toJavaMap(values.getMap(row));
      List<String> partitionValues = new ArrayList<>();
      for (String column : partitionColumns) {
        partitionValues.add(byPhysicalName.get(schema.physicalName(column)));
      }
      TableFile file = new TableFile(path, size, partitionValues, -1, 0);
      if (action == DeltaAction.CDC) {
        cdc.add(file);
        return;
      }
      int dvAt = fields.indexOf("deletionVector");
      DeletionVectorDescriptor dv = actions.getChild(dvAt).isNullAt(row) ? null
          : DeletionVectorDescriptor.fromColumnVector(actions.getChild(dvAt), row);
      (action == DeltaAction.ADD ? added : removed).add(new FileAction(file, dv, engine, tablePath));
    }

    /** Whether any of its files changes data. */
    boolean changesData() {
      return !cdc.isEmpty() || !added.isEmpty() || !removed.isEmpty();
    }

    /**
     * Adds the files its changes are read from, each kind in path order; returns the file actions
     * not read. A file both removed and added again with another deletion vector (a DELETE, UPDATE
     * or MERGE on a table with deletion vectors, when it writes no change data files) is read only
     * at the rows whose state changed: those the new vector deletes and the old did not are deleted,
     * those the old deleted and the new does not are inserted. Reading both whole would delete and
     * insert again every row it keeps, the same outcome at the cost of the whole file twice (and
     * every kept row published again); Delta's own change data reader does the same.
     */
    int addTo(List<ChangeFile> files) {
      Comparator<TableFile> byPath = Comparator.comparing(TableFile::path);
      if (!cdc.isEmpty()) {
        cdc.stream().sorted(byPath).forEach(f -> files.add(new ChangeFile(version, Source.CHANGE_DATA, f)));
        return withoutDataChange + added.size() + removed.size();
      }
      Map<String, TableFile> removedByPath = new java.util.HashMap<>();
      removed.forEach(f -> removedByPath.put(f.file.path(), f.withDeletes()));
      List<TableFile> inserted = new ArrayList<>();
      List<TableFile> deleted = new ArrayList<>();
      int notRead = withoutDataChange;
      for (FileAction action : added) {
        TableFile add = action.withDeletes();
        TableFile remove = removedByPath.remove(add.path());
        if (remove == null) {
          inserted.add(add);
          continue;
        }
        long[] newlyDeleted = minus(add.deleted(), remove.deleted());
        long[] restored = minus(remove.deleted(), add.deleted());
        if (newlyDeleted.length > 0) {
          deleted.add(remove.selecting(newlyDeleted));
        }
        if (restored.length > 0) {
          inserted.add(add.selecting(restored));
        }
        notRead += (newlyDeleted.length > 0 ? 0 : 1) + (restored.length > 0 ? 0 : 1);
      }
      deleted.addAll(removedByPath.values());
      inserted.stream().sorted(byPath).forEach(f -> files.add(new ChangeFile(version, Source.ADDED, f)));
      deleted.stream().sorted(byPath).forEach(f -> files.add(new ChangeFile(version, Source.REMOVED, f)));
      return notRead;
    }

    /** An add or remove action's file and its deletion vector, read only when the file is (commits without change data files). */
    private record FileAction(TableFile file, DeletionVectorDescriptor dv, Engine engine, String tablePath) {
      TableFile withDeletes() {
        if (dv == null) {
          return file;
        }
        long[] deleted = DeletionVectorUtils.loadNewDvAndBitmap(engine, tablePath, dv)._2.toArray();
        return new TableFile(file.path(), file.size(), file.partitionValues(), -1, 0, deleted);
      }
    }

    /** The positions in {@code a} and not in {@code b}, both ascending. */
    private static long[] minus(long[] a, long[] b) {
      return java.util.Arrays.stream(a).filter(p -> java.util.Arrays.binarySearch(b, p) < 0).toArray();
    }
  }
}
