package dev.ren.examples.e2e;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.ren.examples.e2e.Browsers.awaitReady;
import static dev.ren.examples.e2e.Browsers.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The chat panel and the event inspector: two tabs see each other in the presence list and exchange messages; a
 * closed tab leaves the list by itself; the inspector shows events as they arrive for the filter typed in its box,
 * holds them while paused and shows them on resume.
 */
@Tag("e2e")
class ChatInspectorE2ETest extends DemoE2ETest {

  @Test
  void twoTabs_chatAndPresence_followEachOther() throws Exception {
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitReady(w);
    String a = w.getWindowHandle();
    w.findElement(By.id("chat-name")).clear();
    w.findElement(By.id("chat-name")).sendKeys("alice");
    w.switchTo().newWindow(WindowType.WINDOW);
    w.get(demo.uri().resolve("/").toString());
    awaitReady(w);
    String b = w.getWindowHandle();
    until(w, Duration.ofSeconds(5), d -> d.findElements(By.cssSelector("#presence-list li")).size() == 2);

    w.findElement(By.id("chat-text")).sendKeys("hello from b\n");
    w.switchTo().window(a);
    until(w, Duration.ofSeconds(5), d -> d.findElement(By.id("chat-log")).getText().contains("hello from b"));
    until(w, Duration.ofSeconds(5), d -> d.findElements(By.cssSelector("#presence-list li")).size() == 2);

    // closing tab b closes its realtime socket (after its pagehide leave): its presence entry leaves on its own
    w.switchTo().window(b);
    w.close();
    w.switchTo().window(a);
    until(w, Duration.ofSeconds(20), d -> d.findElements(By.cssSelector("#presence-list li")).size() == 1);
  }

  @Test
  void inspector_filterAndPause_showsMatchingEventsAndHoldsThemWhilePaused() throws Exception {
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitReady(w);
    w.findElement(By.id("insp-filter")).clear();
    w.findElement(By.id("insp-filter")).sendKeys("realtime:news\n");
    until(w, Duration.ofSeconds(10), d -> "live".equals(d.findElement(By.id("insp-conn")).getAttribute("data-state"))
        && logText(d).contains("ren.meta"));

    publish("news", "first");
    publish("chat", "not for the inspector");
    until(w, Duration.ofSeconds(5), d -> logText(d).contains("\"first\""));

    w.findElement(By.id("insp-pause")).click();
    publish("news", "second");
    until(w, Duration.ofSeconds(5), d -> d.findElement(By.id("insp-count")).getText().contains("1 waiting"));
    assertFalse(logText(w).contains("\"second\""), "a paused inspector shows nothing new");

    w.findElement(By.id("insp-pause")).click();
    until(w, Duration.ofSeconds(5), d -> logText(d).contains("\"second\""));
    assertFalse(logText(w).contains("not for the inspector"), "the filter box narrows the stream");
    assertEquals(3, w.findElements(By.cssSelector("#insp-log li")).size(),
        "the new filter's ren.meta and the two news messages");
  }

  private static String logText(WebDriver w) {
    return w.findElement(By.id("insp-log")).getText();
  }

  private void publish(String channel, String text) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            demo.uri().resolve("/api/realtime/publish"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"channel\":\"" + channel + "\",\"data\":{\"text\":\"" + text + "\"},\"userId\":\"test\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }
}
