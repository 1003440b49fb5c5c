package dev.ren.transform;

import dev.ren.storage.BlobInfo;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The built-in image operations, on JPEG and PNG through the JDK's ImageIO (anything else fails with
 * "unsupported format").
 * <ul>
 *   <li>{@code resize}: options {@code width} and/or {@code height} (1–10000; one alone keeps the aspect
 *       ratio), {@code fit} = {@code contain} (default: fit inside the box, keep the aspect ratio) or
 *       {@code fill} (exactly the box), optional {@code format} = {@code jpeg|png}.</li>
 *   <li>{@code thumbnail}: option {@code size} (1–1024, default 128): a centred square crop scaled to
 *       size×size; optional {@code format}.</li>
 * </ul>
 * Decompression bombs: the declared dimensions are read from the header and an image over the pixel limit is
 * rejected before any pixel is decoded.
 *
 * <pre>{@code
 * TransformService.builder(store, hub).register(ImageTransformer.resize(20_000_000)).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable and thread-safe.
 */
public final class ImageTransformer implements Transformer {

  /** Default pixel limit: 40 megapixels (a 160 MiB ARGB raster). */
  public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
  private static final Set<String> FORMATS = Set.of("jpeg", "png");
  private static final int MAX_DIMENSION = 10_000;
  private static final String DEFAULT_THUMBNAIL = "128";

  private final String name;
  private final long maxPixels;

  private ImageTransformer(String name, long maxPixels) {
    if (maxPixels < 1) {
      throw new IllegalArgumentException("pixel limit must be >= 1, was " + maxPixels);
    }
    this.name = name;
    this.maxPixels = maxPixels;
  }

  /** {@code resize}, refusing images over {@code maxPixels} declared pixels. */
  public static ImageTransformer resize(long maxPixels) {
    return new ImageTransformer("resize", maxPixels);
  }

  /** {@code thumbnail}, refusing images over {@code maxPixels} declared pixels. */
  public static ImageTransformer thumbnail(long maxPixels) {
    return new ImageTransformer("thumbnail", maxPixels);
  }

  @Override
  public String name() {
    return name;
  }

  public long maxPixels() {
    return maxPixels;
  }

  @Override
  public Map<String, String> normalize(Map<String, String> options) {
    Map<String, String> out = new LinkedHashMap<>();
    Set<String> allowed = name.equals("resize") ? Set.of("width", "height", "fit", "format")
        : Set.of("size", "format");
    for (String k : options.keySet()) {
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException(name + " does not take option '" + k + "'; it takes " + allowed);
      }
    }
    if (name.equals("resize")) {
      String w = options.get("width");
      String h = options.get("height");
      if (w == null && h == null) {
        throw new IllegalArgumentException("resize needs width and/or height");
      }
      if (w != null) {
        out.put("width", Integer.toString(dimension("width", w, MAX_DIMENSION)));
      }
      if (h != null) {
        out.put("height", Integer.toString(dimension("height", h, MAX_DIMENSION)));
      }
      String fit = options.getOrDefault("fit", "contain");
      if (!fit.equals("contain") && !fit.equals("fill")) {
        throw new IllegalArgumentException("fit must be 'contain' or 'fill', was '" + fit + "'");
      }
      out.put("fit", fit);
    } else {
      out.put("size", Integer.toString(dimension("size", options.getOrDefault("size", DEFAULT_THUMBNAIL), 1024)));
    }
    String format = options.get("format");
    if (format != null) {
      String f = format.toLowerCase(Locale.ROOT).equals("jpg") ? "jpeg" : format.toLowerCase(Locale.ROOT);
      if (!FORMATS.contains(f)) {
        throw new IllegalArgumentException("format must be 'jpeg' or 'png', was '" + format + "'");
      }
      out.put("format", f);
    }
    return out;
  }

  private static int dimension(String option, String value, int max) {
    try {
      int v = Integer.parseInt(value.trim());
      if (v >= 1 && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(option + " must be an integer 1-" + max + ", was '" + value + "'");
  }

  @Override
  public String outputKey(String srcKey, Map<String, String> o) {
    String tag;
    if (name.equals("resize")) {
      String w = o.get("width");
      String h = o.get("height");
      tag = "resize-" + (w != null ? "w" + w : "") + (w != null && h != null ? "-" : "")
          + (h != null ? "h" + h : "") + (fill(o) ? "-fill" : "");
    } else {
      tag = "thumbnail-" + o.getOrDefault("size", DEFAULT_THUMBNAIL);
    }
    String format = o.get("format");
    if (format == null) {
      return Transformer.insertBeforeExtension(srcKey, "." + tag);
    }
    int slash = srcKey.lastIndexOf('/');
    int dot = srcKey.lastIndexOf('.');
    String stem = dot > slash + 1 ? srcKey.substring(0, dot) : srcKey;
    return stem + "." + tag + "." + (format.equals("jpeg") ? "jpg" : "png");
  }

  @Override
  public TransformOutput apply(BlobInfo source, InputStream content, Map<String, String> o, Progress progress)
      throws IOException {
    progress.report(10, "inspect");
    BufferedImage image;
    String sourceFormat;
    try (ImageInputStream iis = new MemoryCacheImageInputStream(content)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
      if (!readers.hasNext()) {
        throw new TransformException("unsupported format: '" + source.key() + "' is not a JPEG or PNG image");
      }
      ImageReader reader = readers.next();
      try {
        sourceFormat = reader.getFormatName().toLowerCase(Locale.ROOT);
        if (sourceFormat.equals("jpg")) {
          sourceFormat = "jpeg";
        }
        if (!FORMATS.contains(sourceFormat)) {
          throw new TransformException("unsupported format: '" + source.key() + "' is " + sourceFormat
              + "; only JPEG and PNG images can be transformed");
        }
        reader.setInput(iis, true, true);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w * h > maxPixels) {
          throw new TransformException("image '" + source.key() + "' declares " + w + "x" + h + " = " + (w * h)
              + " pixels; the limit is " + maxPixels + " (refused before decoding)");
        }
        progress.report(30, "decode");
        image = reader.read(0);
      } catch (IIOException e) {
        throw new TransformException("image '" + source.key() + "' could not be decoded: " + e.getMessage(), e);
      } finally {
        reader.dispose();
      }
    }
    progress.report(60, name);
    BufferedImage result = name.equals("resize") ? resized(image, o) : thumbnail(image, o);
    String format = o.getOrDefault("format", sourceFormat);
    progress.report(80, "encode");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BufferedImage encodable = format.equals("jpeg") ? withoutAlpha(result) : result;
    if (!ImageIO.write(encodable, format, out)) {
      throw new TransformException("no ImageIO writer for " + format);
    }
    return new TransformOutput(out.toByteArray(), format.equals("jpeg") ? "image/jpeg" : "image/png");
  }

  private static BufferedImage resized(BufferedImage src, Map<String, String> o) {
    int sw = src.getWidth();
    int sh = src.getHeight();
    String width = o.get("width");
    String height = o.get("height");
    Integer w = width != null ? Integer.valueOf(width) : null;
    Integer h = height != null ? Integer.valueOf(height) : null;
    int tw;
    int th;
    if (w != null && h != null && fill(o)) {
      tw = w;
      th = h;
    } else {
      double scale = Math.min(w == null ? Double.MAX_VALUE : (double) w / sw,
          h == null ? Double.MAX_VALUE : (double) h / sh);
      tw = Math.max(1, (int) Math.round(sw * scale));
      th = Math.max(1, (int) Math.round(sh * scale));
    }
    return draw(src, 0, 0, sw, sh, tw, th);
  }

  private static BufferedImage thumbnail(BufferedImage src, Map<String, String> o) {
    int size = Integer.parseInt(o.getOrDefault("size", DEFAULT_THUMBNAIL));
    int side = Math.min(src.getWidth(), src.getHeight());
    int x = (src.getWidth() - side) / 2;
    int y = (src.getHeight() - side) / 2;
    return draw(src, x, y, side, side, size, size);
  }

  /** Whether {@code fit} is {@code fill}; normalised options always name it, and {@code contain} is the default. */
  private static boolean fill(Map<String, String> o) {
    return "fill".equals(o.get("fit"));
  }

  private static BufferedImage draw(BufferedImage src, int sx, int sy, int sw, int sh, int tw, int th) {
    BufferedImage out = new BufferedImage(tw, th, src.getColorModel().hasAlpha()
        ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(src, 0, 0, tw, th, sx, sy, sx + sw, sy + sh, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static BufferedImage withoutAlpha(BufferedImage img) {
    if (!img.getColorModel().hasAlpha()) {
      return img;
    }
    BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rgb.createGraphics();
    try {
      g.drawImage(img, 0, 0, java.awt.Color.WHITE, null);
    } finally {
      g.dispose();
    }
    return rgb;
  }
}
