package dev.ren.transform;

import dev.ren.EventLogUnavailableException;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobRead;
import dev.ren.storage.BlobStore;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformServiceTest {

  static final Duration WAIT = Duration.ofSeconds(20);
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

  static byte[] image(String format, int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, w / 2, h);
    g.setColor(Color.BLUE);
    g.fillRect(w / 2, 0, w - w / 2, h);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out));
    return out.toByteArray();
  }

  /** A PNG whose header declares huge dimensions: decoding it would need gigabytes. */
  static byte[] pngBomb(int w, int h) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(out);
    d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream i = new DataOutputStream(ihdr);
    i.writeInt(w);
    i.writeInt(h);
    i.write(new byte[] {8, 2, 0, 0, 0});
    chunk(d, "IHDR", ihdr.toByteArray());
    chunk(d, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(d, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(DataOutputStream d, String type, byte[] data) throws IOException {
    d.writeInt(data.length);
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    d.write(t);
    d.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }

  static boolean terminal(RenEvent e) {
    return e.t().equals(EventTypes.TRANSFORM_COMPLETE) || e.t().equals(EventTypes.TRANSFORM_FAILED);
  }

  /** The events recorded since the last drain, up to and including the first terminal one (waited for). */
  List<RenEvent> untilFinished() throws InterruptedException {
    publisher.await(TransformServiceTest::terminal, WAIT);
    List<RenEvent> out = new ArrayList<>();
    for (RenEvent e : publisher.events()) {
      out.add(e);
      if (terminal(e)) {
        return out;
      }
    }
    throw new AssertionError("unreachable: await returned a terminal event");
  }

  TransformJob awaitFinished(String id) {
    Waits.atMost(WAIT).until(() -> service.job(id).orElseThrow().status().isFinished());
    return service.job(id).orElseThrow();
  }

  @Test
  void submit_resizePng_storesOutputAndEmitsStepsInOrder() throws Exception {
    service = TransformService.builder(store, publisher).build();
    store.put("img/cat.png", new ByteArrayInputStream(image("png", 200, 100)), "image/png", Map.of());
    publisher.drain();
    TransformJob job = service.submit("resize", "img/cat.png", Map.of("width", "50"));
    assertEquals("img/cat.resize-w50.png", job.outputKey());
    List<RenEvent> seen = untilFinished();
    List<String> types = seen.stream().map(RenEvent::t).toList();
    assertEquals(EventTypes.TRANSFORM_QUEUED, types.get(0));
    assertEquals(EventTypes.TRANSFORM_STARTED, types.get(1));
    assertEquals(EventTypes.TRANSFORM_COMPLETE, types.get(types.size() - 1));
    int putAt = types.indexOf(EventTypes.STORAGE_OBJECT_CREATED);
    assertTrue(putAt > 1 && putAt < types.size() - 1, "storage.put before complete: " + types);
    List<RenEvent> progress = seen.stream().filter(e -> e.t().equals(EventTypes.TRANSFORM_PROGRESS)).toList();
    assertFalse(progress.isEmpty());
    int last = -1;
    for (RenEvent p : progress) {
      int pct = p.data().get("percent").asInt();
      assertTrue(pct >= last && pct <= 100, "percent " + pct);
      assertTrue(p.data().hasNonNull("stage"));
      last = pct;
    }
    for (RenEvent e : seen) {
      if (e.r().equals(EventTypes.TRANSFORM)) {
        assertEquals("img/cat.resize-w50.png", e.k());
        assertEquals(job.id(), e.data().get("jobId").asText());
        assertEquals("img/cat.png", e.data().get("srcKey").asText());
        assertEquals("resize", e.data().get("op").asText());
      }
    }
    assertEquals(JobStatus.COMPLETE, service.job(job.id()).orElseThrow().status());
    try (BlobRead r = store.get(job.outputKey()).orElseThrow()) {
      assertEquals("image/png", r.info().contentType());
      BufferedImage out = ImageIO.read(r.stream());
      assertEquals(50, out.getWidth());
      assertEquals(25, out.getHeight());
    }
  }

  @Test
  void submit_thumbnailJpeg_squareOutputInRequestedFormat() throws Exception {
    service = TransformService.builder(store, publisher).build();
    store.put("p.jpg", new ByteArrayInputStream(image("jpeg", 300, 120)), "image/jpeg", Map.of());
    TransformJob job = service.submit("thumbnail", "p.jpg", Map.of("size", "64", "format", "png"));
    assertEquals("p.thumbnail-64.png", job.outputKey());
    assertEquals(JobStatus.COMPLETE, awaitFinished(job.id()).status());
    BlobInfo info = store.head("p.thumbnail-64.png").orElseThrow();
    assertEquals("image/png", info.contentType());
    try (BlobRead r = store.get(job.outputKey()).orElseThrow()) {
      BufferedImage out = ImageIO.read(r.stream());
      assertEquals(64, out.getWidth());
      assertEquals(64, out.getHeight());
    }
  }

  @Test
  void submit_unsupportedFormat_failsWithReasonWithoutRetry() throws Exception {
    service = TransformService.builder(store, publisher).build();
    store.put("a.gif", new ByteArrayInputStream(image("gif", 10, 10)), "image/gif", Map.of());
    store.put("a.txt", new ByteArrayInputStream("hello".getBytes()), "text/plain", Map.of());
    publisher.drain();
    TransformJob gif = service.submit("resize", "a.gif", Map.of("width", "5"));
    List<RenEvent> seen = untilFinished();
    RenEvent failed = seen.get(seen.size() - 1);
    assertEquals(EventTypes.TRANSFORM_FAILED, failed.t());
    assertTrue(failed.data().get("error").asText().contains("unsupported format"), failed.data().toString());
    assertEquals(1, seen.stream().filter(e -> e.t().equals(EventTypes.TRANSFORM_STARTED)).count());
    TransformJob status = service.job(gif.id()).orElseThrow();
    assertEquals(JobStatus.FAILED, status.status());
    assertTrue(status.error().contains("unsupported format"));
    assertTrue(store.head(gif.outputKey()).isEmpty());
    TransformJob txt = service.submit("thumbnail", "a.txt", Map.of());
    TransformJob done = awaitFinished(txt.id());
    assertEquals(JobStatus.FAILED, done.status());
    assertTrue(done.error().contains("unsupported format"), done.error());
  }

  @Test
  void submit_declaredDimensionsOverLimit_rejectedBeforeDecoding() throws Exception {
    service = TransformService.builder(store, publisher).build();
    store.put("bomb.png", new ByteArrayInputStream(pngBomb(60_000, 60_000)), "image/png", Map.of());
    TransformJob job = service.submit("resize", "bomb.png", Map.of("width", "10"));
    TransformJob done = awaitFinished(job.id());
    assertEquals(JobStatus.FAILED, done.status());
    assertTrue(done.error().contains("60000x60000") && done.error().contains("before decoding"), done.error());
  }

  @Test
  void submit_configuredPixelLimit_appliesToBuiltins() throws Exception {
    service = TransformService.builder(store, publisher).maxPixels(100).build();
    store.put("small.png", new ByteArrayInputStream(image("png", 20, 20)), "image/png", Map.of());
    TransformJob done = awaitFinished(service.submit("thumbnail", "small.png", Map.of()).id());
    assertEquals(JobStatus.FAILED, done.status());
    assertTrue(done.error().contains("limit is 100"), done.error());
  }

  @Test
  void submit_transientFailures_retriedUntilSuccess() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    service = TransformService.builder(store, publisher).retryBackoff(Duration.ofMillis(1))
        .register(new Echo("flaky", in -> {
          if (calls.incrementAndGet() < 3) {
            throw new IOException("disk hiccup");
          }
          return in;
        })).build();
    store.put("f.txt", new ByteArrayInputStream("data".getBytes()), "text/plain", Map.of());
    TransformJob job = service.submit("flaky", "f.txt", Map.of());
    assertEquals("f.flaky.txt", job.outputKey());
    assertEquals(JobStatus.COMPLETE, awaitFinished(job.id()).status());
    assertEquals(3, calls.get());
    try (BlobRead r = store.get("f.flaky.txt").orElseThrow()) {
      assertEquals("data", new String(r.stream().readAllBytes()));
    }
  }

  @Test
  void submit_transientFailuresExhausted_failedWithReason() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    service = TransformService.builder(store, publisher).retryBackoff(Duration.ofMillis(1)).maxAttempts(2)
        .register(new Echo("broken", in -> {
          calls.incrementAndGet();
          throw new IOException("backend down");
        })).build();
    store.put("f.txt", new ByteArrayInputStream("data".getBytes()), "text/plain", Map.of());
    publisher.drain();
    service.submit("broken", "f.txt", Map.of());
    List<RenEvent> seen = untilFinished();
    RenEvent failed = seen.get(seen.size() - 1);
    assertEquals(EventTypes.TRANSFORM_FAILED, failed.t());
    assertEquals("failed after 2 attempts: backend down", failed.data().get("error").asText());
    assertEquals(2, calls.get());
  }

  @Test
  void submit_queueFull_rejectedWithoutEvents() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    service = TransformService.builder(store, publisher).threads(1).queueCapacity(1)
        .register(new Echo("slow", in -> {
          running.countDown();
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return in;
        })).build();
    store.put("s.txt", new ByteArrayInputStream("x".getBytes()), "text/plain", Map.of());
    TransformJob first = service.submit("slow", "s.txt", Map.of());
    assertTrue(running.await(20, TimeUnit.SECONDS));
    TransformJob second = service.submit("slow", "s.txt", Map.of());
    assertEquals(JobStatus.PENDING, service.job(second.id()).orElseThrow().status());
    publisher.drain();
    TransformRejectedException e = assertThrows(TransformRejectedException.class,
        () -> service.submit("slow", "s.txt", Map.of()));
    assertTrue(e.getMessage().contains("queue is full"), e.getMessage());
    assertEquals(List.of(), publisher.events(), "a rejected job emitted events");
    assertEquals(JobStatus.RUNNING, service.job(first.id()).orElseThrow().status());
    release.countDown();
    assertEquals(JobStatus.COMPLETE, awaitFinished(first.id()).status());
    assertEquals(JobStatus.COMPLETE, awaitFinished(second.id()).status());
  }

  @Test
  void submit_badInput_failsAtOnceAndQueuesNothing() throws Exception {
    service = TransformService.builder(store, publisher).build();
    store.put("a.png", new ByteArrayInputStream(image("png", 4, 4)), "image/png", Map.of());
    publisher.drain();
    assertThrows(IllegalArgumentException.class, () -> service.submit("explode", "a.png", Map.of()));
    assertThrows(IllegalArgumentException.class, () -> service.submit("resize", "a.png", Map.of()));
    assertThrows(IllegalArgumentException.class, () -> service.submit("resize", "a.png", Map.of("width", "0")));
    assertThrows(IllegalArgumentException.class, () -> service.submit("resize", "a.png", Map.of("width", "x")));
    assertThrows(IllegalArgumentException.class, () -> service.submit("resize", "a.png", Map.of("depth", "1")));
    assertThrows(IllegalArgumentException.class,
        () -> service.submit("resize", "a.png", Map.of("width", "5", "format", "webp")));
    assertThrows(IllegalArgumentException.class, () -> service.submit("resize", "../a.png", Map.of("width", "5")));
    assertThrows(NoSuchElementException.class, () -> service.submit("resize", "none.png", Map.of("width", "5")));
    assertEquals(List.of(), publisher.events());
    assertTrue(service.job("no-such-id").isEmpty());
  }

  @Test
  void builder_duplicateOrBadName_rejected() {
    TransformService.Builder b = TransformService.builder(store, publisher).register(new Echo("x", in -> in));
    assertThrows(IllegalStateException.class, () -> b.register(new Echo("x", in -> in)));
    assertThrows(IllegalArgumentException.class, () -> b.register(new Echo("Bad Name", in -> in)));
    assertThrows(IllegalArgumentException.class, () -> b.threads(0));
    assertThrows(IllegalArgumentException.class, () -> b.queueCapacity(0));
  }

  @Test
  void close_ownPoolFinishesQueuedJobsAndIsIdempotent() throws Exception {
    service = TransformService.builder(store, publisher).build();
    store.put("a.png", new ByteArrayInputStream(image("png", 8, 8)), "image/png", Map.of());
    TransformJob job = service.submit("thumbnail", "a.png", Map.of("size", "4"));
    service.close();
    service.close();
    assertEquals(JobStatus.COMPLETE, service.job(job.id()).orElseThrow().status());
    assertThrows(TransformRejectedException.class, () -> service.submit("thumbnail", "a.png", Map.of()));
  }

  @Test
  void complete_publisherDown_jobCompleteWithNotPublishedErrorAndOutputStored() throws Exception {
    service = TransformService.builder(store, publisher).register(new Echo("copy", in -> in)).build();
    store.put("n.txt", new ByteArrayInputStream("data".getBytes()), "text/plain", Map.of());
    publisher.failWith(new EventLogUnavailableException("log down"));
    TransformJob job = service.submit("copy", "n.txt", Map.of());
    TransformJob done = awaitFinished(job.id());
    assertEquals(JobStatus.COMPLETE, done.status());
    assertNotNull(done.error(), "the lost announcement is recorded on the job");
    assertTrue(done.error().contains("applied but its storage.object.created event could not be published"), done.error());
    try (BlobRead r = store.get("n.copy.txt").orElseThrow()) {
      assertEquals("data", new String(r.stream().readAllBytes()));
    }
  }

  @Test
  void complete_onlyCompleteEventLost_jobCompleteWithNotPublishedError() throws Exception {
    RecordingPublisher transformEvents = new RecordingPublisher();
    service = TransformService.builder(store, transformEvents).register(new Echo("copy", in -> in)).build();
    store.put("m.txt", new ByteArrayInputStream("data".getBytes()), "text/plain", Map.of());
    publisher.drain();
    transformEvents.failWith(new EventLogUnavailableException("log down"));
    TransformJob done = awaitFinished(service.submit("copy", "m.txt", Map.of()).id());
    assertEquals(JobStatus.COMPLETE, done.status());
    assertTrue(done.error().contains("transform.complete"), done.error());
    assertEquals(List.of(EventTypes.STORAGE_OBJECT_CREATED), publisher.drain().stream().map(RenEvent::t).toList());
  }

  @Test
  void close_jobWaitingToRetry_retriesAtOnceAndWorkerThreadEnds() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<Thread> worker = new AtomicReference<>();
    CountDownLatch failedOnce = new CountDownLatch(1);
    service = TransformService.builder(store, publisher).retryBackoff(Duration.ofHours(1)).maxAttempts(2)
        .register(new Echo("flaky", in -> {
          worker.set(Thread.currentThread());
          if (calls.incrementAndGet() == 1) {
            failedOnce.countDown();
            throw new IOException("disk hiccup");
          }
          return in;
        })).build();
    store.put("r.txt", new ByteArrayInputStream("data".getBytes()), "text/plain", Map.of());
    TransformJob job = service.submit("flaky", "r.txt", Map.of());
    assertTrue(failedOnce.await(20, TimeUnit.SECONDS));
    service.close(); // would take the 30 s grace and then interrupt the retry if the hour-long pause were kept
    assertEquals(JobStatus.COMPLETE, service.job(job.id()).orElseThrow().status());
    assertEquals(2, calls.get());
    worker.get().join(10_000);
    assertFalse(worker.get().isAlive(), "a worker of the closed service is still running");
    service.close();
  }

  @Test
  void close_injectedExecutor_leftRunning() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      service = TransformService.builder(store, publisher).executor(executor).build();
      store.put("a.png", new ByteArrayInputStream(image("png", 8, 8)), "image/png", Map.of());
      TransformJob job = service.submit("thumbnail", "a.png", Map.of("size", "4"));
      assertEquals(JobStatus.COMPLETE, awaitFinished(job.id()).status());
      service.close();
      assertFalse(executor.isShutdown());
      assertThrows(TransformRejectedException.class, () -> service.submit("thumbnail", "a.png", Map.of()));
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void builder_settingGivenTwice_refusedNamingTheOldValue() {
    TransformService.Builder b = TransformService.builder(store, publisher).threads(3).queueCapacity(5)
        .maxAttempts(4).retryBackoff(Duration.ofMillis(50)).maxPixels(1000).retainFinished(7).withoutBuiltins();
    assertEquals("threads was already set to 3",
        assertThrows(IllegalStateException.class, () -> b.threads(4)).getMessage());
    assertEquals("queueCapacity was already set to 5",
        assertThrows(IllegalStateException.class, () -> b.queueCapacity(6)).getMessage());
    assertEquals("maxAttempts was already set to 4",
        assertThrows(IllegalStateException.class, () -> b.maxAttempts(5)).getMessage());
    assertEquals("retryBackoff was already set to PT0.05S",
        assertThrows(IllegalStateException.class, () -> b.retryBackoff(Duration.ofMillis(60))).getMessage());
    assertEquals("maxPixels was already set to 1000",
        assertThrows(IllegalStateException.class, () -> b.maxPixels(2000)).getMessage());
    assertEquals("retainFinished was already set to 7",
        assertThrows(IllegalStateException.class, () -> b.retainFinished(8)).getMessage());
    assertEquals("withoutBuiltins was already set to true",
        assertThrows(IllegalStateException.class, b::withoutBuiltins).getMessage());
    assertTrue(b.register(new Echo("x", in -> in)).build().operations().contains("x"));
  }

  @Test
  void builder_executorTwiceOrBesidePoolSettings_refused() {
    Runnable noop = () -> { };
    java.util.concurrent.Executor direct = Runnable::run;
    TransformService.Builder b = TransformService.builder(store, publisher).executor(direct);
    assertTrue(assertThrows(IllegalStateException.class, () -> b.executor(r -> noop.run())).getMessage()
        .startsWith("executor was already set to "));
    assertTrue(assertThrows(IllegalStateException.class, () -> b.threads(2)).getMessage()
        .startsWith("threads cannot be combined with executor"));
    assertTrue(assertThrows(IllegalStateException.class, () -> b.queueCapacity(2)).getMessage()
        .startsWith("queueCapacity cannot be combined with executor"));
    TransformService.Builder pooled = TransformService.builder(store, publisher).threads(2);
    assertThrows(IllegalStateException.class, () -> pooled.executor(direct));
    assertThrows(IllegalArgumentException.class,
        () -> TransformService.builder(store, publisher).retryBackoff(Duration.ZERO));
  }

  /** A test transformer that copies its input through a function. */
  record Echo(String name, IoFunction fn) implements Transformer {
    @Override
    public Map<String, String> normalize(Map<String, String> options) {
      return options;
    }

    @Override
    public TransformOutput apply(BlobInfo source, InputStream content, Map<String, String> options,
                                 Progress progress) throws IOException {
      progress.report(50, "copy");
      return new TransformOutput(fn.apply(content.readAllBytes()), source.contentType());
    }
  }

  @FunctionalInterface
  interface IoFunction {
    byte[] apply(byte[] in) throws IOException;
  }
}
