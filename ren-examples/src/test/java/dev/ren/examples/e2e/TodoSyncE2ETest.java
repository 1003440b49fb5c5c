package dev.ren.examples.e2e;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;

import java.time.Duration;
import java.util.List;

import static dev.ren.examples.e2e.Browsers.awaitReady;
import static dev.ren.examples.e2e.Browsers.js;
import static dev.ren.examples.e2e.Browsers.todo;
import static dev.ren.examples.e2e.Browsers.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Two windows of one headless Chromium (so they share localStorage, as two tabs do) on the demo's todo list: what
 * one window adds, completes and deletes shows in the other within one second, measured from the click, and each
 * window's own writes are not doubled by their echo.
 */
@Tag("e2e")
class TodoSyncE2ETest extends DemoE2ETest {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  @Test
  void twoWindows_addCompleteDelete_otherWindowFollowsWithinOneSecond() throws Exception {
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitReady(w);
    String a = w.getWindowHandle();
    w.switchTo().newWindow(WindowType.WINDOW);
    w.get(demo.uri().resolve("/").toString());
    awaitReady(w);
    String b = w.getWindowHandle();
    assertNotEquals(js(w, "return window.renDemo.clientId"), clientIdOf(w, a),
        "each tab must have its own client id, or echo skipping hides the other tab's writes");

    // add in A
    w.switchTo().window(a);
    w.findElement(By.id("todo-title")).sendKeys("buy milk");
    long clicked = System.nanoTime();
    w.findElement(By.id("todo-add")).click();
    w.switchTo().window(b);
    until(w, remaining(clicked), d -> todo(d, "buy milk") != null);

    // complete in A
    w.switchTo().window(a);
    until(w, Duration.ofSeconds(5), d -> todo(d, "buy milk") != null);
    clicked = System.nanoTime();
    todo(w, "buy milk").findElement(By.className("toggle")).click();
    w.switchTo().window(b);
    until(w, remaining(clicked), d -> {
      WebElement li = todo(d, "buy milk");
      return li != null && li.getAttribute("class").contains("done")
          && li.findElement(By.className("toggle")).isSelected();
    });

    // B writes too, and A sees it: both tabs' echoes are skipped only by their own id
    w.findElement(By.id("todo-title")).sendKeys("walk the dog");
    clicked = System.nanoTime();
    w.findElement(By.id("todo-add")).click();
    w.switchTo().window(a);
    until(w, remaining(clicked), d -> todo(d, "walk the dog") != null);

    // delete in A
    clicked = System.nanoTime();
    todo(w, "buy milk").findElement(By.className("delete")).click();
    w.switchTo().window(b);
    until(w, remaining(clicked), d -> todo(d, "buy milk") == null);

    // no window shows an echo twice, and both agree with each other
    for (String h : List.of(a, b)) {
      w.switchTo().window(h);
      List<WebElement> rows = w.findElements(By.cssSelector("#todo-list li"));
      assertEquals(1, rows.size(), "window " + h + " shows " + rows.size() + " rows");
      WebElement dog = todo(w, "walk the dog");
      assertNotNull(dog);
      assertEquals(false, dog.findElement(By.className("toggle")).isSelected());
      assertEquals("1", w.findElement(By.id("todo-count")).getText());
    }
  }

  private static Object clientIdOf(WebDriver w, String handle) {
    String current = w.getWindowHandle();
    w.switchTo().window(handle);
    Object id = js(w, "return window.renDemo.clientId");
    w.switchTo().window(current);
    return id;
  }

  /** What is left of one second since {@code clickedNanos}; at zero the wait still checks once. */
  private static Duration remaining(long clickedNanos) {
    Duration left = ONE_SECOND.minusNanos(System.nanoTime() - clickedNanos);
    return left.isNegative() ? Duration.ZERO : left;
  }
}
