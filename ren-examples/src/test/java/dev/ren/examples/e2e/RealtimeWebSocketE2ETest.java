package dev.ren.examples.e2e;

import dev.ren.examples.DemoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import dev.ren.testing.SseTestClient;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.LongStream;

import static dev.ren.examples.e2e.Browsers.awaitReady;
import static dev.ren.examples.e2e.Browsers.js;
import static dev.ren.examples.e2e.Browsers.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's chat over ren.js's RealtimeClient, on the WebSocket at {@code /_rt/ws}, in headless Chromium: two
 * pages chat and see each other's presence, and closing one page makes the other see {@code presence:leave} within
 * 2 s (the socket's close, and before it the page's {@code pagehide} leave); a page whose socket the server cuts
 * reconnects by itself and catches up by sequence number, every message exactly once and in order, also across a
 * server restart that numbers the channel from 1 again; and presence
 * joined over HTTP, held by a page's SSE stream, leaves as the page goes away ({@code leaveOnPageHide}).
 */
@Tag("e2e")
class RealtimeWebSocketE2ETest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  private DemoServer demo;
  private final Browsers browsers = new Browsers();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void requireBrowser() {
    Browsers.requireChromium();
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

  private void start(String... extra) throws Exception {
    startOn("0", extra);
  }

  /** A demo on {@code port} (0: any) with its data in the test's directory, and {@code extra} options. */
  private void startOn(String port, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--port", port, "--host", "127.0.0.1", "--data",
        dir.resolve("data").toString()));
    args.addAll(List.of(extra));
    demo = new DemoServer(DemoServer.Options.parse(args.toArray(String[]::new))).start();
  }

  @Test
  void twoPages_chatAndPresenceOverWebSocket_closedPageLeavesWithinTwoSeconds() throws Exception {
    start();
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitChatLive(w);
    String a = w.getWindowHandle();
    String aId = (String) js(w, "return window.renDemo.clientId");
    assertTrue(((String) js(w, "return window.renDemo.realtime.url")).startsWith("ws://"),
        "the chat runs over the WebSocket");
    // every presence frame page a receives, with the time it arrived
    js(w, "window.rtLog = []; window.renDemo.realtime.onAny((f) => {"
        + " if (f.event.startsWith('presence:')) window.rtLog.push({ e: f.event, u: f.userId, at: Date.now() }); });");

    w.switchTo().newWindow(WindowType.WINDOW);
    w.get(demo.uri().resolve("/").toString());
    awaitChatLive(w);
    String b = w.getWindowHandle();
    String bId = (String) js(w, "return window.renDemo.clientId");
    until(w, WAIT, d -> people(d).equals(List.of(aId, bId)) || people(d).equals(List.of(bId, aId)));
    w.findElement(By.id("chat-text")).sendKeys("hello from b\n");

    w.switchTo().window(a);
    until(w, WAIT, d -> people(d).size() == 2 && people(d).contains(bId));
    until(w, WAIT, d -> d.findElement(By.id("chat-log")).getText().contains("hello from b"));
    w.findElement(By.id("chat-text")).sendKeys("hi from a\n");
    w.switchTo().window(b);
    until(w, WAIT, d -> d.findElement(By.id("chat-log")).getText().contains("hi from a"));

    long closedAt = System.currentTimeMillis();
    w.close(); // page b goes away: its pagehide leave and its socket's close reach the server
    w.switchTo().window(a);
    Number leftAt = until(w, WAIT, d -> (Number) js(d, "const l = window.rtLog.find((x) => x.e === 'presence:leave'"
        + " && x.u === arguments[0]); return l ? l.at : null;", bId));
    long afterClose = leftAt.longValue() - closedAt;
    System.getLogger(getClass().getName()).log(System.Logger.Level.INFO,
        "page a saw presence:leave of the closed page b after " + afterClose + " ms");
    assertTrue(afterClose <= 2_000, "page a saw presence:leave of b " + afterClose + " ms after b was closed");
    until(w, WAIT, d -> people(d).equals(List.of(aId)));
  }

  @Test
  void serverCutsTheSocket_pageReconnectsAndCatchesUpBySequence_noGapNoDuplicate() throws Exception {
    Path users = Files.writeString(dir.resolve("users.txt"), "alice=alice-pw,a,write\nbob=bob-pw,a,write\n");
    start("--users", users.toString());
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    until(w, WAIT, d -> d.findElement(By.id("login")).isDisplayed());
    w.findElement(By.id("login-name")).sendKeys("alice");
    w.findElement(By.id("login-password")).sendKeys("alice-pw");
    w.findElement(By.id("login-submit")).click();
    awaitChatLive(w);
    // the sequence number of every chat message the page's client hands to its listeners
    js(w, "window.rtSeqs = []; window.renDemo.realtime.subscribe('chat', (f) => {"
        + " if (f.event === 'message') window.rtSeqs.push(f.seq); });");

    for (int i = 1; i <= 5; i++) {
      publishAsBob("m" + i);
    }
    until(w, WAIT, d -> seqs(d).size() == 5);

    demo.security().revoke("alice"); // the server cuts alice's socket (and her streams) at once
    for (int i = 6; i <= 10; i++) {
      publishAsBob("m" + i); // while the page is away
    }
    until(w, WAIT, d -> seqs(d).size() >= 10);
    awaitChatLive(w);
    for (int i = 11; i <= 12; i++) {
      publishAsBob("m" + i);
    }
    until(w, WAIT, d -> seqs(d).size() >= 12);

    assertEquals(LongStream.rangeClosed(1, 12).boxed().toList(), seqs(w), "every message once, in order");
    List<String> log = new ArrayList<>();
    for (WebElement li : w.findElements(By.cssSelector("#chat-log li"))) {
      log.add(li.getText());
    }
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      expected.add("bob: m" + i);
    }
    assertEquals(expected, log, "the chat shows each message once, in order");
    @SuppressWarnings("unchecked")
    List<String> states = (List<String>) js(w, "return window.renDemo.chatStates");
    int reconnecting = states.indexOf("reconnecting");
    assertTrue(reconnecting > 0 && states.subList(reconnecting, states.size()).contains("live"),
        "the chat's socket was cut and came back: " + states);
  }

  @Test
  void serverRestart_pageReconnects_followsTheChannelsNewSequence() throws Exception {
    start();
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitChatLive(w);
    js(w, "window.rtSeqs = []; window.renDemo.realtime.subscribe('chat', (f) => {"
        + " if (f.event === 'message') window.rtSeqs.push(f.seq); });");
    for (int i = 1; i <= 3; i++) {
      publish(null, "before " + i);
    }
    until(w, WAIT, d -> seqs(d).size() == 3);

    int port = demo.port();
    demo.close(); // realtime lives in memory: the restarted server numbers the channel from 1 again
    demo = null;
    until(w, WAIT, d -> "reconnecting".equals(d.findElement(By.id("chat-conn")).getAttribute("data-state")));
    startOn(String.valueOf(port));
    publish(null, "after 1"); // before or after the page is back: either way it reaches the page
    awaitChatLive(w);
    until(w, WAIT, d -> seqs(d).size() == 4);
    publish(null, "after 2");
    until(w, WAIT, d -> seqs(d).size() >= 5);

    assertEquals(List.of(1L, 2L, 3L, 1L, 2L), seqs(w), "the old sequence, then the new one from 1");
    List<String> log = new ArrayList<>();
    for (WebElement li : w.findElements(By.cssSelector("#chat-log li"))) {
      log.add(li.getText());
    }
    assertEquals(List.of("bob: before 1", "bob: before 2", "bob: before 3", "bob: after 1", "bob: after 2"), log);
  }

  @Test
  void presenceHeldBySseStream_pageGoesAway_leaveOnPageHideLeavesAtOnce() throws Exception {
    start();
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitReady(w);
    try (SseTestClient observer = SseTestClient.open(demo.uri().resolve("/api/maravilla/ren?s=presence:sse-room"))) {
      observer.next("ren.meta", WAIT);
      // a page that holds presence the HTTP way: its SSE stream holds the member it joined with its client id
      Object status = ((JavascriptExecutor) w).executeAsyncScript("const done = arguments[arguments.length - 1];"
          + "import('/api/maravilla/ren/client.js').then(async (m) => {"
          + "  const ren = new m.RenClient({ clientId: 'sse-holder', subscriptions: ['presence:sse-room'] });"
          + "  await new Promise((r) => ren.onStateChange((s) => { if (s === 'open') r(); }));"
          + "  const res = await fetch('/api/realtime/presence/sse-room/join', { method: 'POST', headers: {"
          + "    'Content-Type': 'application/json', 'X-Ren-Client': 'sse-holder' },"
          + "    body: JSON.stringify({ userId: 'sse-user' }) });"
          + "  m.leaveOnPageHide('sse-room', 'sse-user', { clientId: 'sse-holder' });"
          + "  done(res.status);"
          + "}).catch((e) => done(String(e)));");
      assertEquals(200L, status);
      assertEquals("sse-user", observer.next("presence.join", WAIT).json().get("uid").asText());

      long leftPage = System.currentTimeMillis();
      w.get("about:blank"); // pagehide: the keepalive leave goes out as the page is torn down
      SseTestClient.Event leave = observer.next("presence.leave", WAIT);
      long afterLeaving = System.currentTimeMillis() - leftPage;
      System.getLogger(getClass().getName()).log(System.Logger.Level.INFO,
          "presence held by the SSE stream left " + afterLeaving + " ms after the page went away");
      assertEquals("sse-user", leave.json().get("uid").asText());
      // an expiry (the stream's close noticed, then the 10 s grace) is system-caused and has no src
      assertEquals("sse-holder", leave.json().path("src").asText(), "the page's own leave: " + leave.data());
      assertTrue(afterLeaving < 10_000, "left " + afterLeaving + " ms after the page went away");
    }
  }

  private static void awaitChatLive(WebDriver w) {
    awaitReady(w);
    until(w, WAIT, d -> "live".equals(d.findElement(By.id("chat-conn")).getAttribute("data-state")));
  }

  private static List<String> people(WebDriver w) {
    List<String> uids = new ArrayList<>();
    for (WebElement li : w.findElements(By.cssSelector("#presence-list li"))) {
      uids.add(li.getAttribute("data-uid"));
    }
    return uids;
  }

  @SuppressWarnings("unchecked")
  private static List<Long> seqs(WebDriver w) {
    List<Long> out = new ArrayList<>();
    for (Object o : (List<Object>) js(w, "return window.rtSeqs")) {
      out.add(((Number) o).longValue());
    }
    return out;
  }

  private void publishAsBob(String text) throws Exception {
    publish("Basic " + Base64.getEncoder().encodeToString("bob:bob-pw".getBytes(StandardCharsets.UTF_8)), text);
  }

  /** Publishes a chat message named "bob" over HTTP, with {@code authorization} when not null. */
  private void publish(String authorization, String text) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(demo.uri().resolve("/api/realtime/publish"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"channel\":\"chat\",\"data\":{\"text\":\"" + text + "\",\"name\":\"bob\"}}"));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }
}
