package dev.ren.examples.e2e;

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

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static dev.ren.examples.e2e.Browsers.awaitReady;
import static dev.ren.examples.e2e.Browsers.js;
import static dev.ren.examples.e2e.Browsers.todo;
import static dev.ren.examples.e2e.Browsers.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo page with {@code --users}, in three independent headless Chromium browsers: alice (tenant a, write),
 * bob (tenant b, write) and carol (tenant a, read). The login form, separate live todo lists per tenant, a reader
 * who sees changes and is shown the server's 403 when she tries one, streams that outlive their tokens, and logout.
 */
@Tag("e2e")
class DemoUsersE2ETest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  /** The shortest token RenSecurity allows: the page renews it every 8 s (2 s before it expires). */
  private static final int TOKEN_TTL = 10;

  @TempDir
  Path dir;

  DemoServer demo;
  final Browsers browsers = new Browsers();

  @BeforeEach
  void start() throws Exception {
    Browsers.requireChromium();
    Path users = Files.writeString(dir.resolve("users.txt"),
        "alice=alice-pw,a,write\nbob=bob-pw,b,write\ncarol=carol-pw,a,read\n");
    demo = new DemoServer(DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1",
        "--data", dir.resolve("data").toString(), "--users", users.toString(),
        "--token-ttl", String.valueOf(TOKEN_TTL))).start();
  }

  @AfterEach
  void stop(TestInfo info) throws Exception {
    try {
      browsers.close(getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName());
    } finally {
      demo.close();
    }
  }

  @Test
  void login_wrongThenRightPassword_showsTheRefusalThenTheApp() throws Exception {
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    until(w, WAIT, d -> d.findElement(By.id("login")).isDisplayed());
    assertFalse(w.findElement(By.id("app-main")).isDisplayed(), "the app waits for the login");
    logIn(w, "alice", "wrong");
    until(w, WAIT, d -> d.findElement(By.id("login-error")).isDisplayed());
    assertTrue(w.findElement(By.id("login-error")).getText().contains("wrong name or password"),
        w.findElement(By.id("login-error")).getText());
    logIn(w, "alice", "alice-pw");
    awaitReady(w);
    assertTrue(w.findElement(By.id("account-who")).getText().contains("alice"),
        w.findElement(By.id("account-who")).getText());

    w.findElement(By.id("logout")).click();
    until(w, WAIT, d -> d.findElement(By.id("login")).isDisplayed());
    assertFalse(w.findElement(By.id("app-main")).isDisplayed());
  }

  @Test
  void todos_twoTenantsAndAReader_seeTheirTenantsListOnly() throws Exception {
    WebDriver alice = loggedIn("alice", "alice-pw");
    WebDriver bob = loggedIn("bob", "bob-pw");
    WebDriver carol = loggedIn("carol", "carol-pw");

    add(alice, "alice's todo");
    until(carol, WAIT, d -> todo(d, "alice's todo") != null); // the reader of tenant a sees it live
    add(bob, "bob's todo");
    until(bob, WAIT, d -> todo(d, "bob's todo") != null);
    // tenant a's next change arrives after bob's would have: by then neither list shows the other tenant's todo
    add(alice, "alice's second");
    until(carol, WAIT, d -> todo(d, "alice's second") != null);
    assertNull(todo(alice, "bob's todo"), "tenant a sees tenant b's todo");
    assertNull(todo(carol, "bob's todo"), "tenant a sees tenant b's todo");
    assertNull(todo(bob, "alice's todo"), "tenant b sees tenant a's todo");
    assertEquals(1L, js(bob, "return document.querySelectorAll('#todo-list li').length"));

    // the reader tries: the server refuses with 403, the page says so and keeps nothing
    carol.findElement(By.id("todo-title")).sendKeys("carol's todo");
    carol.findElement(By.id("todo-add")).click();
    until(carol, WAIT, d -> d.findElement(By.cssSelector("#todo .notice")).getText().contains("403"));
    until(carol, WAIT, d -> todo(d, "carol's todo") == null);
    assertNull(todo(alice, "carol's todo"));
  }

  @Test
  void stream_pastItsTokensLifetime_staysLiveOnFreshTokens() throws Exception {
    WebDriver alice = loggedIn("alice", "alice-pw");
    WebDriver carol = loggedIn("carol", "carol-pw");
    // two renewals: each stream moved to a fresh token and resumed where it was
    until(carol, Duration.ofSeconds(3L * TOKEN_TTL), d -> ((Number) js(d, "return window.renDemo.tokensMinted()"))
        .intValue() >= 3);
    until(carol, WAIT, d -> "live".equals(Browsers.connState(d)));
    add(alice, "after renewal");
    until(carol, WAIT, d -> todo(d, "after renewal") != null);
  }

  @Test
  void realtimeSocket_pastItsTokensLifetime_renewedWithAuthNeverReconnects() throws Exception {
    WebDriver alice = loggedIn("alice", "alice-pw");
    until(alice, WAIT, d -> Boolean.TRUE.equals(js(d, "return window.renDemo.realtime.isConnected()")));
    js(alice, "window.rtStates = []; window.rtAuthed = 0;"
        + " window.renDemo.realtime.onStateChange((s) => window.rtStates.push(s));"
        + " window.renDemo.realtime.onAny((f) => { if (f.event === 'authed') window.rtAuthed++; });");
    // two renewals on the open socket: it outlives the token it was opened with, and the one after
    until(alice, Duration.ofSeconds(3L * TOKEN_TTL), d -> ((Number) js(d, "return window.rtAuthed")).intValue() >= 2);
    assertEquals(java.util.List.of(), js(alice, "return window.rtStates"), "the socket never closed");
    assertTrue(Boolean.TRUE.equals(js(alice, "return window.renDemo.realtime.isConnected()")));
  }

  @Test
  void upload_withUsers_thumbnailShownThroughTheCredentials() throws Exception {
    Path png = dir.resolve("dot.png");
    BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(0x1D4ED8));
    g.fillOval(80, 40, 160, 160);
    g.dispose();
    assertTrue(ImageIO.write(img, "png", png.toFile()));
    WebDriver alice = loggedIn("alice", "alice-pw");
    alice.findElement(By.id("file-input")).sendKeys(png.toAbsolutePath().toString());
    until(alice, WAIT, d -> d.findElement(By.id("upload-status")).getText().startsWith("uploaded"));
    // an <img> sends no Authorization: the page fetched the thumbnail with alice's credentials into a blob: URL
    WebElement thumb = until(alice, Duration.ofSeconds(20), d -> {
      for (WebElement i : d.findElements(By.cssSelector("#thumbs img.thumbnail"))) {
        if (Boolean.TRUE.equals(js(d, "return arguments[0].complete && arguments[0].naturalWidth > 0", i))) {
          return i;
        }
      }
      return null;
    });
    assertTrue(String.valueOf(thumb.getAttribute("src")).startsWith("blob:"), thumb.getAttribute("src"));

    WebDriver carol = loggedIn("carol", "carol-pw");
    until(carol, WAIT, d -> d.findElements(By.cssSelector("#file-list li")).stream()
        .anyMatch(li -> li.getText().contains("dot.png"))); // tenant a's reader lists it
    carol.findElement(By.id("file-input")).sendKeys(png.toAbsolutePath().toString());
    until(carol, WAIT, d -> d.findElement(By.id("upload-status")).getText().contains("failed: HTTP 403"));
  }

  private WebDriver loggedIn(String user, String password) throws Exception {
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    until(w, WAIT, d -> d.findElement(By.id("login")).isDisplayed());
    logIn(w, user, password);
    awaitReady(w);
    return w;
  }

  private static void logIn(WebDriver w, String user, String password) {
    w.findElement(By.id("login-name")).clear();
    w.findElement(By.id("login-name")).sendKeys(user);
    w.findElement(By.id("login-password")).clear();
    w.findElement(By.id("login-password")).sendKeys(password);
    w.findElement(By.id("login-submit")).click();
  }

  private static void add(WebDriver w, String title) {
    w.findElement(By.id("todo-title")).sendKeys(title);
    w.findElement(By.id("todo-add")).click();
    until(w, WAIT, d -> todo(d, title) != null);
  }
}
