package dev.ren.examples.spring;

import dev.ren.kv.KvStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page in two headless Chromium browsers (Debian's chromium and chromedriver; nothing downloaded): alice and
 * bob log in through Spring Security's form, alice's new todo appears in bob's list live, bob's is refused on his
 * page and stored nowhere. Runs with {@code -Pe2e}.
 */
@Tag("e2e")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TodoPageE2ETest {

  private static final Path CHROMIUM = Path.of(System.getProperty("ren.e2e.chromium", "/usr/bin/chromium"));
  private static final Path CHROMEDRIVER = Path.of(System.getProperty("ren.e2e.chromedriver",
      "/usr/bin/chromedriver"));
  private static final Duration WAIT = Duration.ofSeconds(15);

  @LocalServerPort
  int port;

  @Autowired
  KvStore kv;

  private final List<WebDriver> browsers = new ArrayList<>();

  @AfterEach
  void quit() {
    browsers.forEach(WebDriver::quit);
  }

  @Test
  void aliceAdds_bobSeesItLive_bobsAddRefused() throws Exception {
    WebDriver alice = login("alice", "wonderland");
    WebDriver bob = login("bob", "builder");
    waitFor(alice, d -> d.findElement(By.id("status")).getText().equals("signed in as alice"));
    waitFor(bob, d -> d.findElement(By.id("status")).getText().startsWith("signed in as bob (read only"));

    alice.findElement(By.id("title")).sendKeys("buy milk");
    alice.findElement(By.cssSelector("#add button")).click();
    waitFor(bob, d -> d.findElement(By.id("list")).getText().contains("buy milk"));

    bob.findElement(By.id("title")).sendKeys("bob's todo");
    bob.findElement(By.cssSelector("#add button")).click();
    waitFor(bob, d -> d.findElement(By.id("error")).getText().startsWith("403 forbidden"));
    assertThat(kv.namespace("demo").list("todo:", 100, null).keys()).hasSize(1);
    assertThat(alice.findElement(By.id("list")).getText()).doesNotContain("bob's todo");
  }

  private WebDriver login(String user, String password) throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      throw new AssertionError("the browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
          + " (apt-get install chromium chromium-driver)");
    }
    System.setProperty("SE_AVOID_STATS", "true");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--user-data-dir=" + Files.createTempDirectory("ren-spring-e2e"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    WebDriver d = new ChromeDriver(service, options);
    browsers.add(d);
    d.get("http://127.0.0.1:" + port + "/");                     // Spring Security sends the browser to /login
    waitFor(d, x -> x.getCurrentUrl().endsWith("/login"));
    d.findElement(By.id("username")).sendKeys(user);
    d.findElement(By.id("password")).sendKeys(password);
    d.findElement(By.cssSelector("button[type=submit]")).click();
    return d;
  }

  private static void waitFor(WebDriver d, java.util.function.Function<WebDriver, Boolean> condition) {
    new WebDriverWait(d, WAIT).until(condition::apply);
  }
}
