package dev.ren.examples.e2e;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Headless Chromium windows for the browser tests, driven through the Debian {@code chromium} and
 * {@code chromium-driver} packages at fixed paths, so Selenium Manager never downloads a browser or a driver.
 * Every window is screenshotted into {@code target/e2e-screenshots} and quit by {@link #close(String)}.
 *
 * <p>Thread-safety: one instance per test, used from the test thread.
 */
final class Browsers {

  static final Path CHROMIUM = Path.of(System.getProperty("ren.e2e.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getProperty("ren.e2e.chromedriver", "/usr/bin/chromedriver"));
  static final Path SCREENSHOTS = Path.of("target", "e2e-screenshots");

  static {
    // explicit paths keep Selenium Manager out of it; make sure it would not phone home either
    System.setProperty("SE_AVOID_STATS", "true");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
  }

  private final List<WebDriver> windows = new ArrayList<>();
  private final List<Path> profiles = new ArrayList<>();

  /** Fails (not skips) with the command that fixes it when the browser is not installed. */
  static void requireChromium() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      throw new AssertionError("the browser tests need headless Chromium: " + CHROMIUM + " and " + CHROMEDRIVER
          + " must exist (apt-get install chromium chromium-driver), or point -Dren.e2e.chromium / "
          + "-Dren.e2e.chromedriver at them");
    }
  }

  /** Opens a new, independent browser (own profile, so own localStorage) at {@code uri}. */
  WebDriver open(URI uri) throws IOException {
    requireChromium();
    Path profile = Files.createTempDirectory("ren-e2e-chromium");
    profiles.add(profile);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions",
        // two windows of one browser both stay foreground-fast (no timer throttling of the hidden one)
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows", "--window-size=1280,1000", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    windows.add(driver);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    driver.get(uri.toString());
    return driver;
  }

  /** Waits until the app finished its first load and its stream is live. */
  static void awaitReady(WebDriver w) {
    until(w, Duration.ofSeconds(15), d -> "true".equals(js(d, "return document.body.dataset.ready || ''"))
        && "live".equals(connState(d)));
  }

  static String connState(WebDriver w) {
    return w.findElement(By.id("conn")).getAttribute("data-state");
  }

  static Object js(WebDriver w, String script, Object... args) {
    return ((JavascriptExecutor) w).executeScript(script, args);
  }

  static <T> T until(WebDriver w, Duration timeout, Function<WebDriver, T> condition) {
    WebDriverWait wait = new WebDriverWait(w, timeout, Duration.ofMillis(20));
    wait.ignoring(StaleElementReferenceException.class); // a row re-rendered between find and read: look again
    return wait.until(condition);
  }

  /** The todo row whose title is {@code title}, or null. */
  static WebElement todo(WebDriver w, String title) {
    for (WebElement li : w.findElements(By.cssSelector("#todo-list li"))) {
      if (title.equals(li.findElement(By.className("title")).getText())) {
        return li;
      }
    }
    return null;
  }

  /** Screenshots every open window as {@code <name>-<n>.png}, then quits them and removes their profiles. */
  void close(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    try {
      int n = 0;
      for (WebDriver w : windows) {
        List<String> handles;
        try {
          handles = new ArrayList<>(w.getWindowHandles());
        } catch (RuntimeException e) {
          continue; // the browser is gone
        }
        for (String handle : handles) {
          n++;
          try {
            w.switchTo().window(handle);
            File png = ((TakesScreenshot) w).getScreenshotAs(OutputType.FILE);
            Files.copy(png.toPath(), SCREENSHOTS.resolve(name + "-" + n + ".png"),
                StandardCopyOption.REPLACE_EXISTING);
          } catch (RuntimeException e) {
            System.getLogger(Browsers.class.getName()).log(System.Logger.Level.WARNING,
                "screenshot of window " + n + " failed", e);
          }
        }
      }
    } finally {
      for (WebDriver w : windows) {
        try {
          w.quit();
        } catch (RuntimeException e) {
          System.getLogger(Browsers.class.getName()).log(System.Logger.Level.WARNING, "quit failed", e);
        }
      }
      windows.clear();
      for (Path p : profiles) {
        deleteTree(p);
      }
      profiles.clear();
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp profile is harmless
    }
  }
}
