package dev.ren.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Small real images for storage and transform tests, encoded by the JDK's ImageIO.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class TestImages {

  private TestImages() {}

  /** A black {@code w}×{@code h} RGB image as PNG bytes. */
  public static byte[] png(int w, int h) {
    return encode(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png");
  }

  /** {@code image} encoded in {@code format} ({@code png}, {@code jpeg}, ...). */
  public static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalArgumentException("ImageIO has no writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
