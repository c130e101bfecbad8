package io.predictionrelay.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Which columns of the table are published: the id, the class columns and any extra columns, and
 * which snapshot of a Delta or Iceberg table. The publisher and the verifier both take these
 * options, so the verifier reads what was published.
 */
public interface TableOptions extends PipelineOptions {

  @Description("The id column: a string, or an integer (written as a JSON number).")
  @Default.String("id_client")
  String getIdColumn();

  void setIdColumn(String value);

  @Description(
      "The class columns: a regular expression with one group of digits, matched against whole"
          + " column names; the columns are published in the order of that number.")
  @Default.String("class_(\\d+)")
  String getClassColumns();

  void setClassColumns(String value);

  @Description(
      "Further columns published in every prediction, after the id: file columns or Hive-style"
          + " partition columns (name=value directories), comma-separated, e.g. model_version,dt.")
  @Default.String("")
  String getExtraColumns();

  void setExtraColumns(String value);

  @Description(
      "The snapshot of a Delta or Iceberg --input to publish: a Delta table version, or an Iceberg"
          + " snapshot id (default: the latest).")
  Long getTableVersion();

  void setTableVersion(Long value);

  @Description(
      "The snapshot of a Delta or Iceberg --input that was current at this time: epoch milliseconds"
          + " or an ISO-8601 instant such as 2026-11-18T10:00:00Z (default: the latest).")
  String getTableTimestamp();

  void setTableTimestamp(String value);
}
