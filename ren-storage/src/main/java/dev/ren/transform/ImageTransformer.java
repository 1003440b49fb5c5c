package dev.ren.transform;

import dev.ren.storage.BlobInfo;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.SampleModel;
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
import javax.imageio.ImageTypeSpecifier;
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
 * Memory is bounded before any pixel is decoded, from the image header alone: the declared pixels (at most
 * {@code maxPixels}), the output pixels the options would make of them (at most {@code maxOutputPixels}; a
 * {@code width×height} box over it is a bad option at submit), and the heap the job needs — the decoded source at
 * its real bytes per pixel (a 16-bit RGBA PNG takes 8) plus the output rasters — which must fit the
 * {@link RasterBudget} all jobs of the service share, and is reserved from it until the job ends. If the heap
 * still cannot hold a raster (the rest of the application fills it), the attempt fails with an
 * {@link IOException} that the service retries, and the job fails after its last attempt; nothing else is lost.
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
  /** Default output limit: 16 megapixels (a 64 MiB ARGB raster, e.g. 4000x4000). */
  public static final long DEFAULT_MAX_OUTPUT_PIXELS = 16_000_000L;
  private static final Set<String> FORMATS = Set.of("jpeg", "png");
  private static final int MAX_DIMENSION = 10_000;
  private static final String DEFAULT_THUMBNAIL = "128";

  private final String name;
  private final long maxPixels;
  private final long maxOutputPixels;
  private final RasterBudget budget;

  private ImageTransformer(String name, long maxPixels, long maxOutputPixels, RasterBudget budget) {
    if (maxPixels < 1) {
      throw new IllegalArgumentException("pixel limit must be >= 1, was " + maxPixels);
    }
    if (maxOutputPixels < 1) {
      throw new IllegalArgumentException("output pixel limit must be >= 1, was " + maxOutputPixels);
    }
    this.name = name;
    this.maxPixels = maxPixels;
    this.maxOutputPixels = maxOutputPixels;
    this.budget = budget;
  }

  /**
   * {@code resize}, refusing images over {@code maxPixels} declared pixels, outputs over
   * {@value #DEFAULT_MAX_OUTPUT_PIXELS} pixels, and jobs over a quarter of the heap (its own budget).
   */
  public static ImageTransformer resize(long maxPixels) {
    return new ImageTransformer("resize", maxPixels, DEFAULT_MAX_OUTPUT_PIXELS,
        new RasterBudget(RasterBudget.defaultBytes()));
  }

  /** {@code thumbnail}, with the limits of {@link #resize(long)}. */
  public static ImageTransformer thumbnail(long maxPixels) {
    return new ImageTransformer("thumbnail", maxPixels, DEFAULT_MAX_OUTPUT_PIXELS,
        new RasterBudget(RasterBudget.defaultBytes()));
  }

  /** One of the built-in operations, sharing {@code budget} with the service's other image operations. */
  static ImageTransformer builtin(String name, long maxPixels, long maxOutputPixels, RasterBudget budget) {
    return new ImageTransformer(name, maxPixels, maxOutputPixels, budget);
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
      if (w != null && h != null && (long) Integer.parseInt(out.get("width")) * Integer.parseInt(out.get("height"))
          > maxOutputPixels) {
        throw new IllegalArgumentException("resize to " + w + "x" + h + " could make up to "
            + (long) Integer.parseInt(out.get("width")) * Integer.parseInt(out.get("height"))
            + " pixels; the output limit is " + maxOutputPixels);
      }
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
    int reserved = 0;
    long need = 0;
    try {
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
          long[] target = name.equals("resize") ? resizedSize(w, h, o) : thumbnailSize(o);
          long outPixels = target[0] * target[1];
          if (outPixels > maxOutputPixels) {
            throw new TransformException("transforming '" + source.key() + "' (" + w + "x" + h + ") would make "
                + target[0] + "x" + target[1] + " = " + outPixels + " pixels; the output limit is " + maxOutputPixels
                + " (refused before decoding)");
          }
          int bpp = bytesPerPixel(reader);
          // decoded source + output raster + its encoding (+ the alpha-free copy a JPEG needs)
          String format = o.getOrDefault("format", sourceFormat);
          need = w * h * bpp + outPixels * 4 * (format.equals("jpeg") ? 3 : 2);
          if (need > budget.total()) {
            throw new TransformException("transforming '" + source.key() + "' (" + w + "x" + h + " at " + bpp
                + " bytes per pixel) needs about " + need + " bytes of heap; the limit is " + budget.total()
                + " (refused before decoding)");
          }
          try {
            reserved = budget.acquire(need);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransformException("interrupted while waiting for memory to decode '" + source.key() + "'");
          }
          progress.report(30, "decode");
          image = reader.read(0);
        } catch (IIOException e) {
          if (e.getCause() instanceof OutOfMemoryError oom) {
            throw oom; // the PNG reader wraps every Throwable; a raster the heap could not hold is not a bad image
          }
          throw new TransformException("image '" + source.key() + "' could not be decoded: " + e.getMessage(), e);
        } finally {
          reader.dispose();
        }
      }
      return render(image, sourceFormat, o, progress);
    } catch (OutOfMemoryError e) {
      // The budget bounds what transforms take, not what the rest of the application holds: under load the heap
      // can be full when a raster is allocated, and on G1 before JDK 22 an allocation fails after two retries
      // while another thread's native codec holds the GC locker. The failed allocation is this job's; its
      // rasters are unreachable once this returns, so the attempt fails retryably and the service stays whole.
      throw new IOException("not enough free heap to transform '" + source.key() + "' now (it needs about "
          + need + " bytes): " + e, e);
    } finally {
      if (reserved > 0) {
        budget.release(reserved);
      }
    }
  }

  private TransformOutput render(BufferedImage image, String sourceFormat, Map<String, String> o,
      Progress progress) throws IOException {
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

  /**
   * The bytes one decoded pixel takes in the raster the reader makes: the data elements of its sample model
   * times their size (8 for 16-bit RGBA, 4 for packed ARGB, 1 for a palette), from the header alone.
   */
  private static int bytesPerPixel(ImageReader reader) throws IOException {
    ImageTypeSpecifier type = reader.getRawImageType(0);
    if (type == null) {
      Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
      if (!types.hasNext()) {
        throw new TransformException("the image declares no pixel type");
      }
      type = types.next();
    }
    SampleModel sm = type.getSampleModel(1, 1);
    int elementBytes = Math.max(1, DataBuffer.getDataTypeSize(sm.getDataType()) / 8);
    return Math.max(1, elementBytes * sm.getNumDataElements());
  }

  /** The size {@code resize} makes of a {@code sw}x{@code sh} image. */
  private static long[] resizedSize(long sw, long sh, Map<String, String> o) {
    String width = o.get("width");
    String height = o.get("height");
    Integer w = width != null ? Integer.valueOf(width) : null;
    Integer h = height != null ? Integer.valueOf(height) : null;
    if (w != null && h != null && fill(o)) {
      return new long[] {w, h};
    }
    double scale = Math.min(w == null ? Double.MAX_VALUE : (double) w / sw,
        h == null ? Double.MAX_VALUE : (double) h / sh);
    return new long[] {Math.max(1, Math.round(sw * scale)), Math.max(1, Math.round(sh * scale))};
  }

  private static long[] thumbnailSize(Map<String, String> o) {
    long size = Integer.parseInt(o.getOrDefault("size", DEFAULT_THUMBNAIL));
    return new long[] {size, size};
  }

  private static BufferedImage resized(BufferedImage src, Map<String, String> o) {
    long[] t = resizedSize(src.getWidth(), src.getHeight(), o);
    return draw(src, 0, 0, src.getWidth(), src.getHeight(), (int) t[0], (int) t[1]);
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
