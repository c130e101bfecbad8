package io.predictionrelay.testing;

import io.predictionrelay.servers.LocalKafkaBroker;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real KRaft broker for one test class, on free loopback ports: started before the first test,
 * stopped after the last, also when tests fail.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {
  private final Map<String, String> overrides;
  private LocalKafkaBroker broker;

  public KafkaBrokerExtension() {
    this(Map.of());
  }

  public KafkaBrokerExtension(Map<String, String> overrides) {
    this.overrides = overrides;
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public LocalKafkaBroker broker() {
    return broker;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    broker = LocalKafkaBroker.createForTest(overrides).start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (broker != null) {
      broker.kill();
    }
  }
}
