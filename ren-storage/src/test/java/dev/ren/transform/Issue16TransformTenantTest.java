package dev.ren.transform;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobStore;
import dev.ren.storage.PutOptions;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16: a transform works in its tenant, and its output and events belong to the source's owner. */
class Issue16TransformTenantTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  @TempDir Path dir;
  final RecordingPublisher publisher = new RecordingPublisher();
  BlobStore store;
  TransformService service;

  @BeforeEach
  void setUp() {
    store = BlobStore.fileSystem(dir, publisher);
    service = TransformService.builder(store, publisher).build();
  }

  @AfterEach
  void tearDown() {
    service.close();
  }

  void putImage(BlobStore s, String key, PutOptions options) throws Exception {
    s.put(key, new ByteArrayInputStream(TestImages.png(40, 20)), options);
  }

  RenEvent finished(String jobId) throws InterruptedException {
    return publisher.await(e -> (e.t().equals(EventTypes.TRANSFORM_COMPLETE)
        || e.t().equals(EventTypes.TRANSFORM_FAILED)) && jobId.equals(e.data().path("jobId").asText()), WAIT);
  }

  @Test
  void submit_inTenant_readsAndWritesThatTenantOnlyAndEventsCarryIt() throws Exception {
    BlobStore acme = store.tenant("acme");
    putImage(acme, "p.png", PutOptions.of("image/png").withOwner("alice"));
    TransformJob job = service.submit(TransformRequest.of("thumbnail", "p.png", Map.of("size", "8"))
        .inTenant("acme").byUser("admin"));
    assertEquals("acme", job.tenant());
    assertEquals("alice", job.owner(), "the output belongs to the source's owner");
    assertEquals(EventTypes.TRANSFORM_COMPLETE, finished(job.id()).t());

    BlobInfo out = acme.head(job.outputKey()).orElseThrow();
    assertEquals("alice", out.owner());
    assertTrue(store.head(job.outputKey()).isEmpty(), "nothing in the default tenant");
    assertTrue(store.tenant("globex").head(job.outputKey()).isEmpty());
    for (RenEvent e : publisher.events()) {
      assertEquals("acme", e.tenant(), e.toString());
      assertEquals("alice", e.uid(), e.toString());
    }
    List<RenEvent> transforms = publisher.events().stream().filter(e -> e.r().equals(EventTypes.TRANSFORM)).toList();
    assertTrue(transforms.stream().allMatch(e -> "default".equals(e.ns())), "transform events name their bucket");
  }

  @Test
  void submit_sourceOnlyInAnotherTenant_noSuchElementAndNothingQueued() throws Exception {
    putImage(store.tenant("acme"), "p.png", PutOptions.of("image/png"));
    int before = publisher.size();
    assertThrows(NoSuchElementException.class, () -> service.submit(
        TransformRequest.of("thumbnail", "p.png", Map.of()).inTenant("globex")));
    assertThrows(NoSuchElementException.class, () -> service.submit("thumbnail", "p.png", Map.of()));
    assertEquals(before, publisher.size());
  }

  @Test
  void job_lookedUpFromAnotherTenant_empty() throws Exception {
    putImage(store.tenant("acme"), "p.png", PutOptions.of("image/png"));
    TransformJob job = service.submit(TransformRequest.of("thumbnail", "p.png", Map.of()).inTenant("acme"));
    assertTrue(service.job("acme", job.id()).isPresent());
    assertTrue(service.job("globex", job.id()).isEmpty());
    assertTrue(service.job(job.id()).isEmpty(), "job(id) is the default tenant's");
    finished(job.id());
  }

  @Test
  void submit_ownerlessSource_outputOwnedBySubmitter() throws Exception {
    putImage(store, "p.png", PutOptions.of("image/png"));
    TransformJob job = service.submit(TransformRequest.of("thumbnail", "p.png", Map.of()).byUser("bob"));
    assertEquals("bob", job.owner());
    assertEquals(EventTypes.TRANSFORM_COMPLETE, finished(job.id()).t());
    assertEquals("bob", store.head(job.outputKey()).orElseThrow().owner());
  }

  @Test
  void submit_outputKeyOwnedByAnotherUser_jobFailsAndOutputUntouched() throws Exception {
    putImage(store, "p.png", PutOptions.of("image/png").withOwner("bob"));
    String output = "p.thumbnail-128.png";
    BlobInfo alices = store.put(output, new ByteArrayInputStream(new byte[] {1, 2, 3}),
        PutOptions.of("image/png").withOwner("alice"));
    TransformJob job = service.submit(TransformRequest.of("thumbnail", "p.png", Map.of()).byUser("bob"));
    assertEquals(output, job.outputKey());
    RenEvent end = finished(job.id());
    assertEquals(EventTypes.TRANSFORM_FAILED, end.t());
    assertEquals(alices, store.head(output).orElseThrow());
  }
}
