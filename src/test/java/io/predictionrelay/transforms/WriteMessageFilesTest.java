package io.predictionrelay.transforms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.model.EncodedMessage;
import org.junit.jupiter.api.Test;

class WriteMessageFilesTest {
  @Test
  void aMessageIsOneLineWithItsKeyCountAndValueAsPublished() {
    EncodedMessage message = new EncodedMessage("s3-\"0\"\\ü\n", 2,
        "[{\"id_client\":\"é\",\"class_0\":0.5},{\"id_client\":\"b\",\"class_0\":1.0}]".getBytes(UTF_8));
    assertEquals("{\"key\":\"s3-\\\"0\\\"\\\\ü\\n\",\"predictions\":2,"
            + "\"value\":[{\"id_client\":\"é\",\"class_0\":0.5},{\"id_client\":\"b\",\"class_0\":1.0}]}",
        WriteMessageFiles.toLine(message));
  }
}
