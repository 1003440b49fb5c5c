package dev.ren.servlet.storage;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.access.AccessRules;
import dev.ren.servlet.storage.SecureStorageFixture.Who;
import dev.ren.storage.PutOptions;
import dev.ren.testing.TestImages;
import dev.ren.transform.TransformRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, the authorization matrix: every storage and transform endpoint × {anonymous, reader, writer, a writer of
 * another tenant, admin} → the expected status; a refused request changes no tenant's objects and publishes no
 * event; another tenant's caller works in its own tenant only (the first tenant's objects never change, its events
 * carry its own tenant).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Issue16StorageAuthorizationMatrixTest {

  static final String ACME = "acme";
  static final String GLOBEX = "globex";
  static final Who ANON = Who.ANONYMOUS;
  static final Who READER = new Who("reader", "rita", Set.of("reader"), ACME);
  static final Who WRITER = new Who("writer", "walt", Set.of("writer"), ACME);
  static final Who OTHER = new Who("other tenant", "olga", Set.of("writer"), GLOBEX);
  static final Who ADMIN = new Who("admin", "ada", Set.of("admin"), ACME);

  static final AccessRules POLICY = AccessRules.builder()
      .read("storage", "*", "reader", "writer")
      .write("storage", "*", "writer")
      .read("transform", "*", "reader", "writer")
      .write("transform", "*", "writer")
      .admin("admin")
      .build();

  SecureStorageFixture f;
  String jobId;

  /** One endpoint: how to call it, and the status each caller gets. */
  record Endpoint(String name, Call call, int anon, int reader, int writer, int other, int admin) {
    int expected(Who who) {
      return who == ANON ? anon : who == READER ? reader : who == WRITER ? writer : who == OTHER ? other : admin;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  @FunctionalInterface
  interface Call {
    HttpResponse<String> send(Issue16StorageAuthorizationMatrixTest t, Who who) throws Exception;
  }

  static List<Endpoint> endpoints() {
    return List.of(
        new Endpoint("GET object", (t, w) -> t.f.get(w, "/api/storage/doc.txt"), 401, 200, 200, 404, 200),
        new Endpoint("HEAD object", (t, w) -> t.f.send(w, t.f.request("/api/storage/doc.txt")
            .method("HEAD", HttpRequest.BodyPublishers.noBody())), 401, 200, 200, 404, 200),
        new Endpoint("GET metadata", (t, w) -> t.f.get(w, "/api/storage/doc.txt/metadata"), 401, 200, 200, 404, 200),
        new Endpoint("GET list", (t, w) -> t.f.get(w, "/api/storage?prefix="), 401, 200, 200, 200, 200),
        new Endpoint("PUT new", (t, w) -> t.f.put(w, "/api/storage/new.txt", "new", "text/plain"),
            401, 403, 200, 200, 200),
        new Endpoint("PUT overwrite", (t, w) -> t.f.put(w, "/api/storage/doc.txt", "changed", "text/plain"),
            401, 403, 200, 200, 200),
        new Endpoint("POST upload?path=", (t, w) -> t.f.send(w, t.f.request("/api/storage/upload?path=new.txt")
            .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("new"))),
            401, 403, 200, 200, 200),
        new Endpoint("DELETE object", (t, w) -> t.f.delete(w, "/api/storage/doc.txt"), 401, 403, 200, 200, 200),
        new Endpoint("DELETE delete?path=", (t, w) -> t.f.delete(w, "/api/storage/delete?path=doc.txt"),
            401, 403, 200, 200, 200),
        new Endpoint("POST upload-url", (t, w) -> t.f.postJson(w, "/api/storage/upload-url",
            "{\"key\":\"up.txt\",\"content_type\":\"text/plain\",\"size_limit\":100}"), 401, 403, 200, 200, 200),
        new Endpoint("POST download-url", (t, w) -> t.f.postJson(w, "/api/storage/download-url",
            "{\"key\":\"doc.txt\"}"), 401, 200, 200, 404, 200),
        new Endpoint("POST confirm", (t, w) -> t.f.postJson(w, "/api/storage/confirm", "{\"key\":\"doc.txt\"}"),
            401, 403, 200, 404, 200),
        new Endpoint("POST transform", (t, w) -> t.f.postJson(w, "/api/media/transforms/thumbnail",
            "{\"srcKey\":\"img.png\",\"opts\":{\"size\":\"8\"}}"), 401, 403, 202, 404, 202),
        new Endpoint("GET transform job", (t, w) -> t.f.get(w, "/api/media/transforms/jobs/" + t.jobId),
            401, 200, 200, 404, 200));
  }

  static Stream<Arguments> matrix() {
    List<Arguments> cells = new ArrayList<>();
    for (Endpoint e : endpoints()) {
      for (Who w : List.of(ANON, READER, WRITER, OTHER, ADMIN)) {
        cells.add(Arguments.of(e, w));
      }
    }
    return cells.stream();
  }

  @BeforeAll
  void start(@TempDir Path classDir) throws Exception {
    f = new SecureStorageFixture(classDir, POLICY);
    f.store.tenant(ACME).put("img.png", new ByteArrayInputStream(TestImages.png(40, 20)),
        PutOptions.of("image/png").withOwner("walt"));
    jobId = f.transforms.submit(TransformRequest.of("thumbnail", "img.png", Map.of("size", "16"))
        .inTenant(ACME).byUser("walt")).id();
    f.recorder.await(e -> e.t().equals(EventTypes.TRANSFORM_COMPLETE) && jobId.equals(e.data().path("jobId").asText()));
  }

  @AfterAll
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  /** Every cell starts from the same objects: acme holds doc.txt (walt's) and img.png; nothing else anywhere. */
  @BeforeEach
  void reset() throws Exception {
    for (String t : new String[] {null, ACME, GLOBEX}) {
      for (String k : List.of("new.txt", "up.txt", "img.thumbnail-8.png")) {
        f.store.tenant(t).delete(k);
      }
      if (t != null && !t.equals(ACME)) {
        f.store.tenant(t).delete("doc.txt");
      }
    }
    f.store.tenant(ACME).put("doc.txt", new ByteArrayInputStream("hello".getBytes(StandardCharsets.UTF_8)),
        PutOptions.of("text/plain").withOwner("walt"));
    f.recorder.clear();
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("matrix")
  void endpoint_caller_expectedStatusAndNothingChangedWhenRefused(Endpoint endpoint, Who who) throws Exception {
    Map<String, String> defaultBefore = f.snapshot(null);
    Map<String, String> acmeBefore = f.snapshot(ACME);
    Map<String, String> globexBefore = f.snapshot(GLOBEX);

    HttpResponse<String> r = endpoint.call().send(this, who);
    int expected = endpoint.expected(who);
    assertEquals(expected, r.statusCode(), endpoint + " as " + who + ": " + r.body());

    if (r.statusCode() == 202) {
      String id = SecureStorageFixture.json(r).path("id").asText();
      f.recorder.await(e -> (e.t().equals(EventTypes.TRANSFORM_COMPLETE)
          || e.t().equals(EventTypes.TRANSFORM_FAILED)) && id.equals(e.data().path("jobId").asText()));
    }
    List<RenEvent> events = f.recorder.events();
    if (expected == 401 || expected == 403) {
      if (!endpoint.name().startsWith("HEAD")) {
        assertEquals(expected == 401 ? "unauthorized" : "forbidden",
            SecureStorageFixture.json(r).path("error").asText(), r.body());
      }
      assertEquals(defaultBefore, f.snapshot(null), "refused: the default tenant is unchanged");
      assertEquals(acmeBefore, f.snapshot(ACME), "refused: acme is unchanged");
      assertEquals(globexBefore, f.snapshot(GLOBEX), "refused: globex is unchanged");
      assertEquals(List.of(), events, "refused: no event");
      return;
    }
    assertEquals(defaultBefore, f.snapshot(null), "nobody here works in the default tenant");
    String tenant = who == OTHER ? GLOBEX : ACME;
    for (RenEvent e : events) {
      assertEquals(tenant, e.tenant(), "every event is the caller's tenant's: " + e);
    }
    if (who == OTHER) {
      assertEquals(acmeBefore, f.snapshot(ACME), "another tenant's caller never changes acme");
      if (endpoint.name().equals("GET list")) {
        assertFalse(r.body().contains("doc.txt"), "another tenant's listing shows nothing of acme: " + r.body());
      }
      if (endpoint.name().startsWith("DELETE")) {
        assertFalse(SecureStorageFixture.json(r).path("deleted").asBoolean(), r.body());
      }
      if (endpoint.name().startsWith("PUT") || endpoint.name().startsWith("POST upload?")) {
        assertTrue(f.snapshot(GLOBEX).size() == globexBefore.size() + 1, "stored in globex");
      }
    } else {
      assertEquals(globexBefore, f.snapshot(GLOBEX), "an acme caller never changes globex");
      if (endpoint.name().equals("GET list")) {
        assertTrue(r.body().contains("\"doc.txt\"") && r.body().contains("\"img.png\""), r.body());
      }
    }
  }
}
