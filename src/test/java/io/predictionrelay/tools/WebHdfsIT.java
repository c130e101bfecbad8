package io.predictionrelay.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.testing.HdfsExtension;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The local HDFS's REST API (WebHDFS, which the NameNode web UI's file browser uses), called with
 * plain HTTP: on Java 17 it answered 500 until the NameNode had a JAXB that works there
 * ({@code hdfs/pom.xml}). A file is written with Hadoop's client, then listed, described and read
 * back over HTTP; reading follows the NameNode's redirect to the DataNode.
 */
class WebHdfsIT {
  @RegisterExtension static final HdfsExtension HDFS = new HdfsExtension();

  private static final String DIR = "/webhdfs-it";
  private static final String NAME = "predictions 2026-11-18.txt";
  private static final String CONTENTS = "id_client,class_0\na1,0.25\n";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void writeAFile() throws Exception {
    try (FileSystem fs = HDFS.client(); OutputStream out = fs.create(new Path(DIR, NAME), true)) {
      out.write(CONTENTS.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static HttpResponse<String> get(String path, String op) throws Exception {
    URI uri = new URI("http", null, "127.0.0.1", HDFS.hdfs().httpPort(), "/webhdfs/v1" + path, "op=" + op, null);
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void listStatusNamesTheFile() throws Exception {
    HttpResponse<String> response = get(DIR, "LISTSTATUS");
    assertEquals(200, response.statusCode(), response.body());
    JsonNode statuses = MAPPER.readTree(response.body()).path("FileStatuses").path("FileStatus");
    assertEquals(1, statuses.size(), response.body());
    assertEquals(NAME, statuses.get(0).path("pathSuffix").asText());
    assertEquals("FILE", statuses.get(0).path("type").asText());
    assertEquals(CONTENTS.length(), statuses.get(0).path("length").asLong());
  }

  @Test
  void getFileStatusDescribesTheFileAndItsDirectory() throws Exception {
    HttpResponse<String> file = get(DIR + "/" + NAME, "GETFILESTATUS");
    assertEquals(200, file.statusCode(), file.body());
    JsonNode status = MAPPER.readTree(file.body()).path("FileStatus");
    assertEquals("FILE", status.path("type").asText());
    assertEquals(CONTENTS.length(), status.path("length").asLong());

    HttpResponse<String> dir = get(DIR, "GETFILESTATUS");
    assertEquals(200, dir.statusCode(), dir.body());
    assertEquals("DIRECTORY", MAPPER.readTree(dir.body()).path("FileStatus").path("type").asText());
    assertEquals(1, MAPPER.readTree(dir.body()).path("FileStatus").path("childrenNum").asInt());
  }

  @Test
  void openReadsTheFileThroughTheDataNode() throws Exception {
    HttpResponse<String> response = get(DIR + "/" + NAME, "OPEN");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(CONTENTS, response.body());
    assertTrue(response.previousResponse().isPresent(), "the NameNode redirects a read to the DataNode");
    assertEquals(307, response.previousResponse().get().statusCode());
  }

  @Test
  void aMissingFileIsA404WithHadoopsException() throws Exception {
    HttpResponse<String> response = get(DIR + "/missing.txt", "GETFILESTATUS");
    assertEquals(404, response.statusCode(), response.body());
    assertEquals("FileNotFoundException",
        MAPPER.readTree(response.body()).path("RemoteException").path("exception").asText(), response.body());
  }
}
