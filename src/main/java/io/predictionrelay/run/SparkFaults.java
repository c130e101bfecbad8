package io.predictionrelay.run;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * What Spark re-ran during a run, as its scheduler tells the driver: task attempts that failed
 * (an exception, a lost executor, a shuffle output that could not be fetched), stages submitted
 * again (a map stage whose output was lost with an executor), tasks that succeeded on a retry or in a
 * re-run stage, and executors lost. Only reported: the run's counts do not depend on it.
 */
public final class SparkFaults extends SparkListener {
  private final AtomicInteger failedTasks = new AtomicInteger();
  private final AtomicInteger stagesRerun = new AtomicInteger();
  private final AtomicInteger tasksRerun = new AtomicInteger();
  private final AtomicInteger executorsLost = new AtomicInteger();

  /** Listens to {@code spark}'s scheduler from now on. */
  public static SparkFaults watch(JavaSparkContext spark) {
    SparkFaults faults = new SparkFaults();
    spark.sc().addSparkListener(faults);
    return faults;
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.reason() != Success$.MODULE$) {
      failedTasks.incrementAndGet();
    } else if (end.taskInfo().attemptNumber() > 0 || end.stageAttemptId() > 0) {
      tasksRerun.incrementAndGet();
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
    if (submitted.stageInfo().attemptNumber() > 0) {
      stagesRerun.incrementAndGet();
    }
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
    // An executor that ends with the application is not removed before the application ends.
    executorsLost.incrementAndGet();
  }

  /** The figures so far; read once the Spark context stopped, when every event was delivered. */
  public Counts counts() {
    return new Counts(failedTasks.get(), stagesRerun.get(), tasksRerun.get(), executorsLost.get());
  }

  /** Task attempts that failed, stage attempts after the first, tasks that succeeded again, executors lost. */
  public record Counts(int failedTasks, int stagesRerun, int tasksRerun, int executorsLost) {}
}
