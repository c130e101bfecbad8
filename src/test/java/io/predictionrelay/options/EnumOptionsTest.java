package io.predictionrelay.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.model.MessageFormat.Layout;
import io.predictionrelay.model.OptionValues;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.common.ReflectHelpers;
import org.junit.jupiter.api.Test;

/** {@code --sink}, {@code --grouping} and {@code --layout}: Beam options of enum type, written in lowercase. */
class EnumOptionsTest {
  private static PublishOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(PublishOptions.class);
  }

  @Test
  void defaultsAreKafkaBucketAndObjects() {
    PublishOptions options = options("--input=x");
    assertEquals(Sink.KAFKA, options.getSink());
    assertEquals(Grouping.BUCKET, options.getGrouping());
    assertEquals(Layout.OBJECTS, options.getLayout());
  }

  @Test
  void valuesAreReadInLowercaseOrAnyCase() {
    PublishOptions options = options("--input=x", "--sink=files", "--grouping=bundle", "--layout=compact");
    assertEquals(Sink.FILES, options.getSink());
    assertEquals(Grouping.BUNDLE, options.getGrouping());
    assertEquals(Layout.COMPACT, options.getLayout());
    assertEquals(Layout.COMPACT, options("--input=x", "--layout=Compact").getLayout());
    assertEquals(Grouping.BUNDLE, options("--input=x", "--grouping=BUNDLE").getGrouping());
  }

  @Test
  void aBadValueIsOneLineNamingTheOptionAndTheAllowedValues() {
    assertEquals("--sink=s3: expected 'kafka' or 'files'", rejection("--sink=s3"));
    assertEquals("--grouping=split: expected 'bucket' or 'bundle'", rejection("--grouping=split"));
    assertEquals("--layout=columns: expected 'objects' or 'compact'", rejection("--layout=columns"));
    assertEquals("--numBuckets=many: expected a whole number", rejection("--numBuckets=many"));
  }

  private static String rejection(String arg) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> options("--input=x", arg));
    return OptionValues.describe(e, new String[] {"--input=x", arg});
  }

  /** Workers get the options as Beam's JSON: the values go in lowercase and come back the same. */
  @Test
  void theOptionsSurviveBeamsSerialization() throws Exception {
    ObjectMapper mapper = new ObjectMapper().registerModules(ObjectMapper.findModules(ReflectHelpers.findClassLoader()));
    String json = mapper.writeValueAsString(
        options("--input=x", "--sink=files", "--grouping=bundle", "--layout=compact"));
    for (String value : new String[] {"\"sink\":\"files\"", "\"grouping\":\"bundle\"", "\"layout\":\"compact\""}) {
      assertTrue(json.contains(value), json);
    }
    PublishOptions back = mapper.readValue(json, org.apache.beam.sdk.options.PipelineOptions.class).as(PublishOptions.class);
    assertEquals(Sink.FILES, back.getSink());
    assertEquals(Grouping.BUNDLE, back.getGrouping());
    assertEquals(Layout.COMPACT, back.getLayout());
  }
}
