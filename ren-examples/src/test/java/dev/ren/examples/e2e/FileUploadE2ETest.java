package dev.ren.examples.e2e;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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
import static dev.ren.examples.e2e.Browsers.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An image uploaded through the page's file panel lands in storage (upload progress reaches 100 %, the file list
 * shows it) and the thumbnail the transform job makes is shown once {@code transform.complete} arrives: a real
 * image no larger than 128 x 128, decoded by the browser.
 */
@Tag("e2e")
class FileUploadE2ETest extends DemoE2ETest {

  @TempDir
  Path files;

  @Test
  void uploadImage_thumbnailJobCompletes_thumbnailShown() throws Exception {
    Path png = files.resolve("sunset.png");
    BufferedImage img = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(0xF97316));
    g.fillRect(0, 0, 640, 480);
    g.setColor(new Color(0x1D4ED8));
    g.fillOval(160, 80, 320, 320);
    g.dispose();
    assertTrue(ImageIO.write(img, "png", png.toFile()));
    assertTrue(Files.size(png) > 0);

    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitReady(w);
    w.findElement(By.id("file-input")).sendKeys(png.toAbsolutePath().toString());

    until(w, Duration.ofSeconds(10), d -> d.findElement(By.id("upload-status")).getText().startsWith("uploaded"));
    assertEquals("100", w.findElement(By.id("upload-progress")).getAttribute("value"));
    until(w, Duration.ofSeconds(10), d -> d.findElements(By.cssSelector("#file-list li")).stream()
        .anyMatch(li -> li.getText().contains("sunset.png")));

    WebElement thumb = until(w, Duration.ofSeconds(20), d -> {
      for (WebElement i : d.findElements(By.cssSelector("#thumbs img.thumbnail"))) {
        if (Boolean.TRUE.equals(js(d, "return arguments[0].complete && arguments[0].naturalWidth > 0", i))) {
          return i;
        }
      }
      return null;
    });
    long width = ((Number) js(w, "return arguments[0].naturalWidth", thumb)).longValue();
    long height = ((Number) js(w, "return arguments[0].naturalHeight", thumb)).longValue();
    assertTrue(width > 0 && width <= 128 && height > 0 && height <= 128, width + "x" + height);
    assertEquals("complete", w.findElement(By.cssSelector("#thumbs .thumb")).getAttribute("data-status"));
  }
}
