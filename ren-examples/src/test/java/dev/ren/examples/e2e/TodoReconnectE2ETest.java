package dev.ren.examples.e2e;

import dev.ren.testing.TestJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.examples.DemoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static dev.ren.examples.e2e.Browsers.awaitReady;
import static dev.ren.examples.e2e.Browsers.connState;
import static dev.ren.examples.e2e.Browsers.js;
import static dev.ren.examples.e2e.Browsers.todo;
import static dev.ren.examples.e2e.Browsers.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo server is stopped and restarted (same port, same data directory) under an open page: the page shows
 * "reconnecting", comes back "live" by itself, refetches its list on the {@code ren.meta} reset of the new hub
 * (so it matches the server's state, including a todo written while it was away), and follows live writes again.
 */
@Tag("e2e")
class TodoReconnectE2ETest {

  @TempDir
  Path data;

  private DemoServer demo;
  private final Browsers browsers = new Browsers();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    Browsers.requireChromium();
    demo = server("0");
  }

  @AfterEach
  void stop(TestInfo info) throws Exception {
    try {
      browsers.close(getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName());
    } finally {
      if (demo != null) {
        demo.close();
      }
    }
  }

  private DemoServer server(String port) throws Exception {
    return new DemoServer(DemoServer.Options.parse("--port", port, "--host", "127.0.0.1", "--data", data.toString()))
        .start();
  }

  @Test
  void serverRestart_pageReconnectsAndCatchesUp() throws Exception {
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitReady(w);
    w.findElement(By.id("todo-title")).sendKeys("before restart");
    w.findElement(By.id("todo-add")).click();
    until(w, Duration.ofSeconds(5), d -> todo(d, "before restart") != null);
    assertEquals(Set.of("before restart"), serverTitles());

    int port = demo.port();
    demo.close();
    demo = null;
    until(w, Duration.ofSeconds(10), d -> "reconnecting".equals(connState(d)));

    demo = server(String.valueOf(port));
    put("todo:away", "{\"title\":\"written while away\",\"done\":false,\"createdAt\":1}");
    until(w, Duration.ofSeconds(20), d -> "live".equals(connState(d)));

    // caught up: the page shows exactly what the restarted server holds (the reset made it refetch)
    Set<String> expected = serverTitles();
    assertTrue(expected.contains("written while away"), expected.toString());
    until(w, Duration.ofSeconds(5), d -> expected.equals(pageTitles(d)));

    // and live again
    put("todo:after", "{\"title\":\"after reconnect\",\"done\":false,\"createdAt\":2}");
    until(w, Duration.ofSeconds(5), d -> todo(d, "after reconnect") != null);

    @SuppressWarnings("unchecked")
    List<String> states = (List<String>) js(w, "return window.renDemo.states");
    int reconnecting = states.indexOf("reconnecting");
    assertTrue(reconnecting > 0 && states.subList(reconnecting, states.size()).contains("live"),
        "state indicator went " + states);
  }

  private static Set<String> pageTitles(WebDriver w) {
    Set<String> titles = new TreeSet<>();
    for (WebElement li : w.findElements(By.cssSelector("#todo-list li"))) {
      titles.add(li.findElement(By.className("title")).getText());
    }
    return titles;
  }

  private void put(String key, String json) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(kv(key))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() / 100 == 2, "PUT " + key + " -> " + r.statusCode() + " " + r.body());
  }

  private URI kv(String key) {
    return demo.uri().resolve("/api/kv/demo/" + URLEncoder.encode(key, StandardCharsets.UTF_8));
  }

  /** The titles of every todo the server holds, through the same HTTP routes the page uses. */
  private Set<String> serverTitles() throws Exception {
    Set<String> titles = new TreeSet<>();
    String cursor = null;
    do {
      String body = cursor == null ? "{\"prefix\":\"todo:\"}"
          : "{\"prefix\":\"todo:\",\"cursor\":" + TestJson.write(cursor) + "}";
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(demo.uri().resolve("/api/kv/demo"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode page = TestJson.parse(r.body());
      for (JsonNode n : page.get("result")) {
        HttpResponse<String> v = http.send(HttpRequest.newBuilder(kv(n.get("name").asText())).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, v.statusCode(), v.body());
        titles.add(TestJson.parse(v.body()).get("title").asText());
      }
      JsonNode c = page.path("result_info").path("cursor");
      cursor = c.isTextual() && !c.asText().isEmpty() ? c.asText() : null;
    } while (cursor != null);
    return titles;
  }
}
