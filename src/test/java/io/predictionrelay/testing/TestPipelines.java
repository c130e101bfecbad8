package io.predictionrelay.testing;

import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;

/** Beam 2.62 has no JUnit 5 extension: tests create their pipeline with this in {@code @BeforeEach}. */
public final class TestPipelines {
  private TestPipelines() {}

  /** A TestPipeline on the Direct runner that runs outside a JUnit 4 rule and checks its PAsserts. */
  public static TestPipeline create() {
    return TestPipeline.create().enableAbandonedNodeEnforcement(false);
  }

  /**
   * The same, on a run's own options: the runner registers file systems from them, so an input on
   * S3 is read with the run's endpoint and credentials.
   */
  public static TestPipeline create(PipelineOptions options) {
    return TestPipeline.fromOptions(options).enableAbandonedNodeEnforcement(false);
  }
}
