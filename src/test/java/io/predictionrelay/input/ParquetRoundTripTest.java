package io.predictionrelay.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.testing.ParquetFixtures;
import io.predictionrelay.testing.TestPipelines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.parquet.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ParquetIO still writes and reads with the parquet raised past CVE-2025-30065. */
class ParquetRoundTripTest {
  @TempDir Path dir;

  @Test
  void parquetIsPatched() {
    String[] version = Version.VERSION_NUMBER.split("\\.");
    int minor = Integer.parseInt(version[1]);
    int patch = Integer.parseInt(version[2].replaceAll("\\D.*", ""));
    assertEquals(1, Integer.parseInt(version[0]));
    assertEquals(true, minor > 15 || (minor == 15 && patch >= 1), Version.VERSION_NUMBER);
  }

  @Test
  void parquetIoWritesAndReadsBack() {
    Schema schema = ParquetFixtures.predictionSchema(3);
    List<GenericRecord> records = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      GenericRecord r = new GenericData.Record(schema);
      r.put("id_client", "id-" + i);
      r.put("class_0", i * 0.5);
      r.put("class_1", -i * 0.25);
      r.put("class_2", 1.0 / (i + 1));
      records.add(r);
    }
    TestPipeline write = TestPipelines.create();
    write
        .apply(Create.of(records).withCoder(AvroCoder.of(GenericRecord.class, schema)))
        .apply(FileIO.<GenericRecord>write().via(ParquetIO.sink(schema)).to(dir.toString()).withSuffix(".parquet"));
    write.run().waitUntilFinish();

    TestPipeline read = TestPipelines.create();
    PAssert.that(read.apply(ParquetIO.read(schema).from(dir + "/*.parquet"))).containsInAnyOrder(records);
    read.run().waitUntilFinish();
  }
}
