package io.predictionrelay.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How a run behaves towards a shared broker and its consumers: resuming, throttling, run records. */
public interface OperationOptions extends PipelineOptions {

  @Description(
      "Resume the run with this id: messages that run already delivered (whole buckets or splits, found"
          + " on the topic by their run_id header) are not sent again. Refused if the input changed.")
  String getResume();

  void setResume(String value);

  @Description(
      "With --resume: resume even though the run's lease is fresh (a heartbeat on the runs topic less"
          + " than 30 s old), for an operator who knows its driver is dead. Both would write otherwise.")
  @Default.Boolean(false)
  boolean getTakeOver();

  void setTakeOver(boolean value);

  @Description(
      "Publish only what changed since the snapshot or files this run published (a run id, or 'last':"
          + " the latest completed run of the same input to the same topic): rows added or changed;"
          + " ids deleted are listed under --reportDir, never published. See the README's incremental runs.")
  String getChangesSince();

  void setChangesSince(String value);

  @Description("Most messages per second for the whole run, shared by all writers; 0 (default) is no limit.")
  @Default.Double(0)
  double getMaxMessagesPerSecond();

  void setMaxMessagesPerSecond(double value);

  @Description("Most message bytes per second for the whole run, shared by all writers; 0 (default) is no limit.")
  @Default.Double(0)
  double getMaxBytesPerSecond();

  void setMaxBytesPerSecond(double value);

  @Description(
      "Writers that can publish at once, among which the rate limits are shared out. 0 (default)"
          + " derives it: the cores of a local Spark, Spark's spark.cores.max or executors x cores on a"
          + " cluster, else the Spark partitions; the Direct runner's target parallelism; else the cores.")
  @Default.Integer(0)
  int getPublishers();

  void setPublishers(int value);

  @Description(
      "The control topic that gets one record when a run starts and one when it ends (completed or"
          + " failed), keyed by run id; empty (default) means <topic>.runs.")
  @Default.String("")
  String getRunsTopic();

  void setRunsTopic(String value);
}
