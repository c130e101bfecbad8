package io.predictionrelay.testing;

import io.predictionrelay.servers.LocalKafkaBroker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real secured KRaft broker for one test class (SASL_SSL, SCRAM-SHA-512, ACLs; see
 * {@link LocalKafkaBroker#createSecured}), on free loopback ports with new passwords: started before
 * the first test, stopped after the last, also when tests fail.
 */
public final class SecuredKafkaExtension implements BeforeAllCallback, AfterAllCallback {
  private final Map<String, String> overrides;
  private LocalKafkaBroker broker;

  public SecuredKafkaExtension() {
    this(Map.of());
  }

  public SecuredKafkaExtension(Map<String, String> overrides) {
    this.overrides = overrides;
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public LocalKafkaBroker broker() {
    return broker;
  }

  /** The client properties file of {@code user}, one of {@link LocalKafkaBroker#USERS}. */
  public Path clientProperties(String user) throws IOException {
    return broker.clientProperties(user);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    broker = LocalKafkaBroker.createSecuredForTest(overrides).start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (broker != null) {
      broker.kill();
    }
  }
}
