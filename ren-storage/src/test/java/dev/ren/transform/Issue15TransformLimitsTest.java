package dev.ren.transform;

import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobStore;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15, findings 5 and 10: transforms are bounded by the memory they really take and by a client's share. */
class Issue15TransformLimitsTest {

  @TempDir Path dir;
  final RecordingPublisher publisher = new RecordingPublisher();
  BlobStore store;
  TransformService service;

  @BeforeEach
  void setUp() {
    store = BlobStore.fileSystem(dir, publisher);
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      service.close();
    }
  }

  static byte[] png(BufferedImage image) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, "png", out));
    return out.toByteArray();
  }

  /** A 16-bit-per-channel RGBA image: 8 bytes per decoded pixel. */
  static BufferedImage rgba16(int w, int h) {
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), true, false,
        Transparency.TRANSLUCENT, DataBuffer.TYPE_USHORT);
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_USHORT, w, h, 4, null);
    return new BufferedImage(cm, raster, false, null);
  }

  static BlobInfo info(String key, byte[] content) {
    return new BlobInfo(key, content.length, "image/png", "0".repeat(64), Instant.EPOCH, Map.of());
  }

  static ImageTransformer resize(long maxOutputPixels, long rasterBytes) {
    return ImageTransformer.builtin("resize", ImageTransformer.DEFAULT_MAX_PIXELS, maxOutputPixels,
        new RasterBudget(rasterBytes));
  }

  @Test
  void normalize_resizeBoxOverOutputLimit_refusedAtSubmit() {
    ImageTransformer t = resize(16_000_000, 1L << 30);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> t.normalize(Map.of("width", "10000", "height", "10000")));
    assertTrue(e.getMessage().contains("output limit"), e.getMessage());
  }

  @Test
  void submit_onePixelPngTo10000Square_rejectedBeforeQueueing() throws Exception {
    service = TransformService.builder(store, publisher).build();
    store.put("tiny.png", new ByteArrayInputStream(png(new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB))),
        "image/png", Map.of());
    assertThrows(IllegalArgumentException.class,
        () -> service.submit("resize", "tiny.png", Map.of("width", "10000", "height", "10000", "fit", "fill")));
  }

  @Test
  void apply_onePixelPngToWidth10000_outputRefusedBeforeDecoding() throws Exception {
    byte[] tiny = png(new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB));
    ImageTransformer t = resize(16_000_000, 1L << 30);
    Map<String, String> o = t.normalize(Map.of("width", "10000"));
    TransformException e = assertThrows(TransformException.class,
        () -> t.apply(info("tiny.png", tiny), new ByteArrayInputStream(tiny), o, (p, s) -> { }));
    assertTrue(e.getMessage().contains("10000x10000"), e.getMessage());
    assertTrue(e.getMessage().contains("refused before decoding"), e.getMessage());
  }

  @Test
  void apply_sixteenBitRgbaPng_countsEightBytesPerPixel() throws Exception {
    byte[] deep = png(rgba16(1000, 1000));
    byte[] shallow = png(new BufferedImage(1000, 1000, BufferedImage.TYPE_INT_ARGB));
    // 6 MB: room for 1000x1000 at 4 bytes a pixel, not at the 8 a 16-bit RGBA pixel really takes
    ImageTransformer t = resize(16_000_000, 6_000_000);
    Map<String, String> o = t.normalize(Map.of("width", "10"));
    TransformException e = assertThrows(TransformException.class,
        () -> t.apply(info("deep.png", deep), new ByteArrayInputStream(deep), o, (p, s) -> { }));
    assertTrue(e.getMessage().contains("8 bytes per pixel"), e.getMessage());
    TransformOutput out = t.apply(info("shallow.png", shallow), new ByteArrayInputStream(shallow), o, (p, s) -> { });
    assertEquals(10, ImageIO.read(new ByteArrayInputStream(out.content())).getWidth());
  }

  @Test
  void apply_budgetSharedByJobs_secondWaitsUntilFirstReturnsIt() throws Exception {
    RasterBudget budget = new RasterBudget(10_000);
    int first = budget.acquire(8_000);
    CountDownLatch got = new CountDownLatch(1);
    Thread second = new Thread(() -> {
      try {
        budget.release(budget.acquire(8_000));
        got.countDown();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    second.start();
    Waits.until(() -> second.getState() == Thread.State.WAITING);
    assertEquals(1, got.getCount());
    budget.release(first);
    assertTrue(got.await(10, TimeUnit.SECONDS));
    assertThrows(IllegalArgumentException.class, () -> budget.acquire(10_001));
  }

  @Test
  void submit_clientPastItsShare_rejectedOthersAccepted() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Transformer slow = new Transformer() {
      @Override
      public String name() {
        return "slow";
      }

      @Override
      public Map<String, String> normalize(Map<String, String> options) {
        return options;
      }

      @Override
      public TransformOutput apply(BlobInfo source, InputStream content, Map<String, String> options,
                                   Progress progress) throws java.io.IOException {
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return new TransformOutput(content.readAllBytes(), source.contentType());
      }
    };
    service = TransformService.builder(store, publisher).threads(1).queueCapacity(10).queueSharePerClient(2)
        .register(slow).build();
    store.put("s.txt", new ByteArrayInputStream(new byte[] {1}), "text/plain", Map.of());
    TransformJob a1 = service.submit("a", "slow", "s.txt", Map.of());
    service.submit("a", "slow", "s.txt", Map.of());
    TransformRejectedException e = assertThrows(TransformRejectedException.class,
        () -> service.submit("a", "slow", "s.txt", Map.of()));
    assertEquals(TransformRejectedException.Reason.CLIENT_SHARE, e.reason());
    service.submit("b", "slow", "s.txt", Map.of());
    release.countDown();
    Waits.atMost(Duration.ofSeconds(20)).until(() -> service.job(a1.id()).orElseThrow().status() == JobStatus.COMPLETE);
    Waits.atMost(Duration.ofSeconds(20)).until(() -> {
      try {
        service.submit("a", "slow", "s.txt", Map.of());
        return true;
      } catch (TransformRejectedException stillBusy) {
        return false;
      }
    });
  }

  /**
   * A valid PNG header declaring {@code w}x{@code h} 16-bit RGBA (8 bytes a decoded pixel) and one empty image
   * chunk: the reader allocates the whole raster before it reads a pixel.
   */
  static byte[] declaredRgba16Png(int w, int h) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(w).putInt(h)
        .put((byte) 16).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
    try (java.util.zip.DeflaterOutputStream d = new java.util.zip.DeflaterOutputStream(z)) {
      d.write(new byte[1024]);
    }
    chunk(out, "IDAT", z.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws Exception {
    java.io.DataOutputStream d = new java.io.DataOutputStream(out);
    d.writeInt(data.length);
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    d.write(t);
    d.write(data);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }

  @Test
  void submit_rasterLargerThanTheHeap_jobFailsRetryablyAndServiceKeepsWorking() throws Exception {
    // The budget is set far above the heap, as if the application held the rest: a 20000x20000 16-bit RGBA
    // source is a 3.2 GB raster, which a 1 GiB test JVM cannot allocate.
    com.sun.management.HotSpotDiagnosticMXBean vm =
        java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
    String dump = vm.getVMOption("HeapDumpOnOutOfMemoryError").getValue();
    vm.setVMOption("HeapDumpOnOutOfMemoryError", "false");
    try {
      service = TransformService.builder(store, publisher).threads(1).maxAttempts(2)
          .retryBackoff(Duration.ofMillis(10)).maxPixels(400_000_000).maxRasterBytes(1L << 34).build();
      store.put("huge.png", new ByteArrayInputStream(declaredRgba16Png(20_000, 20_000)), "image/png", Map.of());
      TransformJob huge = service.submit("resize", "huge.png", Map.of("width", "10"));
      Waits.atMost(Duration.ofSeconds(60)).until(() -> service.job(huge.id()).orElseThrow().status() == JobStatus.FAILED);
      String error = service.job(huge.id()).orElseThrow().error();
      assertTrue(error != null && error.contains("failed after 2 attempts") && error.contains("not enough free heap"),
          String.valueOf(error));

      store.put("small.png", new ByteArrayInputStream(png(new BufferedImage(40, 40, BufferedImage.TYPE_INT_ARGB))),
          "image/png", Map.of());
      TransformJob small = service.submit("resize", "small.png", Map.of("width", "10"));
      Waits.atMost(Duration.ofSeconds(20)).until(() -> service.job(small.id()).orElseThrow().status() == JobStatus.COMPLETE);
    } finally {
      vm.setVMOption("HeapDumpOnOutOfMemoryError", dump);
    }
  }

  @Test
  void builder_newLimitsGivenTwice_refused() {
    TransformService.Builder b = TransformService.builder(store, publisher).maxOutputPixels(10).maxRasterBytes(4096)
        .queueSharePerClient(3);
    assertTrue(assertThrows(IllegalStateException.class, () -> b.maxOutputPixels(11)).getMessage()
        .contains("maxOutputPixels"));
    assertTrue(assertThrows(IllegalStateException.class, () -> b.maxRasterBytes(8192)).getMessage()
        .contains("maxRasterBytes"));
    assertTrue(assertThrows(IllegalStateException.class, () -> b.queueSharePerClient(4)).getMessage()
        .contains("queueSharePerClient"));
  }
}
