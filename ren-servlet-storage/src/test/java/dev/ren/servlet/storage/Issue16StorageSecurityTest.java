package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventTypes;
import dev.ren.access.AccessRules;
import dev.ren.servlet.storage.SecureStorageFixture.Who;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.PutOptions;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.ren.servlet.storage.SecureStorageFixture.json;
import static dev.ren.servlet.storage.SecureStorageFixture.untilMarker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 for storage and transforms: presigned URLs do their one operation on their one key of their one tenant
 * and nothing else; tenants are separate objects, listings and streams (live and replayed); owned objects are their
 * owner's alone, in every route, listing and event.
 */
class Issue16StorageSecurityTest {

  static final String ACME = "acme";
  static final String GLOBEX = "globex";
  static final Who READER = new Who("reader", "rita", Set.of("reader"), ACME);
  static final Who WRITER = new Who("writer", "walt", Set.of("writer"), ACME);
  static final Who OTHER = new Who("other tenant", "olga", Set.of("writer"), GLOBEX);
  static final Who ALICE = new Who("alice", "alice", Set.of(), ACME);
  static final Who BOB = new Who("bob", "bob", Set.of(), ACME);
  static final Who ADMIN = new Who("admin", "ada", Set.of("admin"), ACME);

  /** Readers read, writers write, every tenant alike. */
  static final AccessRules ROLES = AccessRules.builder()
      .read("storage", "*", "reader", "writer")
      .write("storage", "*", "writer")
      .readWrite("transform", "*", "writer")
      .read("transform", "*", "reader")
      .read("test", "*", AccessRules.AUTHENTICATED)
      .admin("admin")
      .build();

  /** Every authenticated user reads and writes, but an object is its owner's alone. */
  static final AccessRules OWNED = AccessRules.builder()
      .readWrite("storage", "*", AccessRules.AUTHENTICATED)
      .owned("storage", "*")
      .readWrite("transform", "*", AccessRules.AUTHENTICATED)
      .read("test", "*", AccessRules.AUTHENTICATED)
      .admin("admin")
      .build();

  @TempDir Path dir;
  SecureStorageFixture f;

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  void put(String tenant, String key, String content, String owner) throws Exception {
    f.store.tenant(tenant).put(key, new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)),
        PutOptions.of("text/plain").withOwner(owner));
  }

  String read(String tenant, String key) throws Exception {
    try (var r = f.store.tenant(tenant).get(key).orElseThrow()) {
      return new String(r.stream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Everything each tenant holds, to show a refused request changed none of it. */
  List<Map<String, String>> everything() throws Exception {
    return List.of(f.snapshot(null), f.snapshot(ACME), f.snapshot(GLOBEX));
  }

  // ------------------------------------------------------------------------------------------------ presigned

  @Test
  void presignedUpload_withoutCredentials_storesItsOneKeyInItsTenantAsItsOwner() throws Exception {
    f = new SecureStorageFixture(dir, ROLES);
    HttpResponse<String> minted = f.postJson(WRITER, "/api/storage/upload-url",
        "{\"key\":\"up.txt\",\"content_type\":\"text/plain\",\"size_limit\":100}");
    assertEquals(200, minted.statusCode(), minted.body());
    String url = json(minted).path("url").asText();
    f.recorder.clear();

    // no credentials, or another tenant's: the signature decides, and it says acme, as walt
    HttpResponse<String> r = f.put(OTHER, url, "uploaded", "text/plain");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("uploaded", read(ACME, "up.txt"));
    BlobInfo info = f.store.tenant(ACME).head("up.txt").orElseThrow();
    assertEquals("walt", info.owner());
    assertTrue(f.store.tenant(GLOBEX).head("up.txt").isEmpty());
    assertTrue(f.store.head("up.txt").isEmpty());
    assertEquals(List.of(), f.recorder.events(), "a signed upload stores silently");

    HttpResponse<String> again = f.put(Who.ANONYMOUS, url, "again", "text/plain");
    assertEquals(403, again.statusCode());
    assertEquals("signature_used", json(again).path("error").asText());
    assertEquals("uploaded", read(ACME, "up.txt"));
  }

  @Test
  void presignedUpload_usedForAnotherMethodKeyTenantOrOwner_refusedAndNothingChanged() throws Exception {
    f = new SecureStorageFixture(dir, ROLES);
    put(ACME, "doc.txt", "hello", "walt");
    String url = json(f.postJson(WRITER, "/api/storage/upload-url",
        "{\"key\":\"doc.txt\",\"content_type\":\"text/plain\",\"size_limit\":100}")).path("url").asText();
    String query = url.substring(url.indexOf('?'));
    assertTrue(query.contains("X-Ren-Tenant=acme") && query.contains("X-Ren-Owner=walt"), query);
    List<Map<String, String>> before = everything();
    f.recorder.clear();

    Who anon = Who.ANONYMOUS;
    assertEquals(403, f.get(anon, url).statusCode(), "an upload URL does not read");
    assertEquals(401, f.delete(anon, url).statusCode(), "an upload URL does not delete");
    assertEquals(401, f.send(anon, f.request("/api/storage/upload?path=doc.txt&" + query.substring(1))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode());
    assertEquals(403, f.put(anon, "/api/storage/other.txt" + query, "x", "text/plain").statusCode(),
        "another key");
    assertEquals(403, f.put(anon, "/api/storage/doc.txt" + query.replace("X-Ren-Tenant=acme",
        "X-Ren-Tenant=globex"), "x", "text/plain").statusCode(), "another tenant");
    assertEquals(403, f.put(anon, "/api/storage/doc.txt" + query.replace("&X-Ren-Tenant=acme", ""), "x",
        "text/plain").statusCode(), "the tenant removed");
    assertEquals(403, f.put(anon, "/api/storage/doc.txt" + query.replace("X-Ren-Owner=walt",
        "X-Ren-Owner=mallory"), "x", "text/plain").statusCode(), "another owner");
    assertEquals(403, f.put(anon, "/api/storage/doc.txt" + query.replace("X-Ren-Size-Limit=100",
        "X-Ren-Size-Limit=100000"), "x", "text/plain").statusCode(), "another size limit");
    assertEquals(415, f.put(anon, url, "x", "text/html").statusCode(), "another content type");

    assertEquals(before, everything());
    assertEquals(List.of(), f.recorder.events());
    // after all that, the URL still does its one job once
    assertEquals(200, f.put(anon, url, "replaced", "text/plain").statusCode());
    assertEquals("replaced", read(ACME, "doc.txt"));
  }

  @Test
  void presignedDownload_withoutCredentials_servesItsOneObjectAndNothingElse() throws Exception {
    f = new SecureStorageFixture(dir, ROLES);
    put(ACME, "doc.txt", "hello", "walt");
    put(ACME, "other.txt", "secret", "walt");
    put(GLOBEX, "doc.txt", "globex's", "olga");
    HttpResponse<String> minted = f.postJson(READER, "/api/storage/download-url",
        "{\"key\":\"doc.txt\",\"expires_in\":60}");
    assertEquals(200, minted.statusCode(), minted.body());
    String url = json(minted).path("url").asText();
    String query = url.substring(url.indexOf('?'));
    List<Map<String, String>> before = everything();
    f.recorder.clear();

    Who anon = Who.ANONYMOUS;
    HttpResponse<String> got = f.get(anon, url);
    assertEquals(200, got.statusCode(), got.body());
    assertEquals("hello", got.body());
    assertEquals("hello", f.get(OTHER, url).body(), "acme's object whoever holds the URL");
    assertEquals(200, f.send(anon, f.request(url).method("HEAD", HttpRequest.BodyPublishers.noBody()))
        .statusCode());

    assertEquals(403, f.put(anon, url, "x", "text/plain").statusCode(), "a download URL does not write");
    assertEquals(401, f.delete(anon, url).statusCode(), "a download URL does not delete");
    assertEquals(403, f.get(anon, "/api/storage/other.txt" + query).statusCode(), "another key");
    assertEquals(403, f.get(anon, "/api/storage/doc.txt/metadata" + query).statusCode(), "the metadata route");
    assertEquals(400, f.get(anon, "/api/storage" + query).statusCode(), "the listing");
    assertEquals(403, f.get(anon, "/api/storage/doc.txt" + query.replace("X-Ren-Tenant=acme",
        "X-Ren-Tenant=globex")).statusCode(), "another tenant");
    assertEquals(403, f.get(anon, "/api/storage/doc.txt" + query.replace("&X-Ren-Tenant=acme", ""))
        .statusCode(), "the tenant removed");
    f.clock.advance(Duration.ofSeconds(61));
    HttpResponse<String> expired = f.get(anon, url);
    assertEquals(403, expired.statusCode());
    assertEquals("signature_expired", json(expired).path("error").asText());

    assertEquals(before, everything());
    assertEquals(List.of(), f.recorder.events());
  }

  // ------------------------------------------------------------------------------------------------ tenants

  @Test
  void tenants_sameKey_twoObjectsListingsAndStreamsLiveAndReplayed() throws Exception {
    f = new SecureStorageFixture(dir, ROLES);
    String start = f.marker(null, "start");
    SseTestClient acmeLive = f.stream(WRITER, "storage.put,storage.delete,test", null);
    SseTestClient globexLive = f.stream(OTHER, "storage.put,storage.delete,test", null);

    assertEquals(200, f.put(WRITER, "/api/storage/k.txt", "acme's", "text/plain").statusCode());
    assertEquals(200, f.put(OTHER, "/api/storage/k.txt", "globex's", "text/plain").statusCode());
    assertEquals(200, f.put(OTHER, "/api/storage/only-globex.txt", "g", "text/plain").statusCode());
    assertEquals(200, f.delete(OTHER, "/api/storage/k.txt").statusCode());

    assertEquals("acme's", f.get(READER, "/api/storage/k.txt").body());
    assertEquals(404, f.get(OTHER, "/api/storage/k.txt").statusCode(), "globex deleted its own k.txt only");
    JsonNode acmeList = json(f.get(READER, "/api/storage"));
    assertEquals(1, acmeList.size(), acmeList.toString());
    assertEquals("k.txt", acmeList.get(0).path("key").asText());
    JsonNode globexList = json(f.get(OTHER, "/api/storage"));
    assertEquals(1, globexList.size(), globexList.toString());
    assertEquals("only-globex.txt", globexList.get(0).path("key").asText());

    f.marker(ACME, "end");
    f.marker(GLOBEX, "end");
    List<String> acmeSeen = summary(untilMarker(acmeLive, "end"));
    List<String> globexSeen = summary(untilMarker(globexLive, "end"));
    assertEquals(List.of("storage.put k.txt"), acmeSeen);
    assertEquals(List.of("storage.put k.txt", "storage.put only-globex.txt", "storage.delete k.txt"), globexSeen);

    // resuming from before it all replays each tenant's own events, and no other's
    SseTestClient acmeReplay = f.stream(WRITER, "storage.put,storage.delete,test", start);
    SseTestClient globexReplay = f.stream(OTHER, "storage.put,storage.delete,test", start);
    assertEquals(acmeSeen, summary(untilMarker(acmeReplay, "end")));
    assertEquals(globexSeen, summary(untilMarker(globexReplay, "end")));
  }

  static List<String> summary(List<SseTestClient.Event> events) {
    List<String> out = new ArrayList<>();
    for (SseTestClient.Event e : events) {
      assertFalse(e.data().contains("\"tn\""), "the tenant is not shown to clients: " + e.data());
      out.add(e.type() + " " + e.json().path("k").asText());
    }
    return out;
  }

  @Test
  void transform_inTenant_outputAndEventsStayThereAndOthersSeeNoJob() throws Exception {
    f = new SecureStorageFixture(dir, ROLES);
    f.store.tenant(ACME).put("img.png", new ByteArrayInputStream(TestImages.png(40, 20)),
        PutOptions.of("image/png"));
    SseTestClient acme = f.stream(WRITER, "transform,storage.put,storage.delete,test", null);
    SseTestClient globex = f.stream(OTHER, "transform,storage.put,storage.delete,test", null);

    HttpResponse<String> r = f.postJson(WRITER, "/api/media/transforms/thumbnail",
        "{\"srcKey\":\"img.png\",\"opts\":{\"size\":\"8\"}}");
    assertEquals(202, r.statusCode(), r.body());
    String id = json(r).path("id").asText();
    SseTestClient.Event done = acme.next(e -> e.type().equals("transform.complete"), SecureStorageFixture.WAIT);
    assertEquals("default", done.json().path("ns").asText(), "a transform event names its bucket");
    assertEquals("walt", done.json().path("uid").asText(), "and the output's owner");
    assertTrue(f.store.tenant(ACME).head("img.thumbnail-8.png").isPresent());
    assertTrue(f.store.tenant(GLOBEX).head("img.thumbnail-8.png").isEmpty());
    assertTrue(f.store.head("img.thumbnail-8.png").isEmpty());

    assertEquals(200, f.get(READER, "/api/media/transforms/jobs/" + id).statusCode());
    assertEquals(404, f.get(OTHER, "/api/media/transforms/jobs/" + id).statusCode());
    assertEquals(401, f.get(Who.ANONYMOUS, "/api/media/transforms/jobs/" + id).statusCode());
    assertEquals(401, f.get(Who.ANONYMOUS, "/api/media/transforms/jobs/unknown").statusCode(),
        "an unknown id tells a refused caller nothing more");
    assertEquals(404, f.postJson(OTHER, "/api/media/transforms/thumbnail", "{\"srcKey\":\"img.png\"}")
        .statusCode(), "globex has no img.png");

    f.marker(GLOBEX, "end");
    assertEquals(List.of(), summary(untilMarker(globex, "end")), "globex's stream saw nothing of acme's job");
  }

  // ------------------------------------------------------------------------------------------------ owners

  @Test
  void owned_objectOfAlice_everyRouteRefusedToBobAllowedToAliceAndAdmin() throws Exception {
    f = new SecureStorageFixture(dir, OWNED);
    HttpResponse<String> created = f.send(ALICE, f.request("/api/storage/a.txt").header("Content-Type", "text/plain")
        .header("X-Metadata", "{\"owner\":\"bob\"}").PUT(HttpRequest.BodyPublishers.ofString("alice's")));
    assertEquals(200, created.statusCode(), created.body());
    assertEquals("alice", json(created).path("owner").asText(), "the caller owns it, whatever the client says");
    assertEquals("bob", json(created).path("metadata").path("owner").asText(), "that was only metadata");
    f.store.tenant(ACME).put("img.png", new ByteArrayInputStream(TestImages.png(20, 20)),
        PutOptions.of("image/png").withOwner("alice"));
    List<Map<String, String>> before = everything();
    f.recorder.clear();

    List<HttpResponse<String>> bobs = List.of(
        f.get(BOB, "/api/storage/a.txt"),
        f.send(BOB, f.request("/api/storage/a.txt").method("HEAD", HttpRequest.BodyPublishers.noBody())),
        f.get(BOB, "/api/storage/a.txt/metadata"),
        f.put(BOB, "/api/storage/a.txt", "bob's", "text/plain"),
        f.send(BOB, f.request("/api/storage/upload?path=a.txt").header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("bob's"))),
        f.delete(BOB, "/api/storage/a.txt"),
        f.delete(BOB, "/api/storage/delete?path=a.txt"),
        f.postJson(BOB, "/api/storage/upload-url", "{\"key\":\"a.txt\",\"content_type\":\"text/plain\"}"),
        f.postJson(BOB, "/api/storage/download-url", "{\"key\":\"a.txt\"}"),
        f.postJson(BOB, "/api/storage/confirm", "{\"key\":\"a.txt\"}"),
        f.postJson(BOB, "/api/media/transforms/thumbnail", "{\"srcKey\":\"img.png\"}"));
    for (HttpResponse<String> r : bobs) {
      assertEquals(403, r.statusCode(), r.request().method() + " " + r.uri() + ": " + r.body());
    }
    assertEquals(before, everything(), "bob changed nothing");
    assertEquals(List.of(), f.recorder.events(), "and caused no event");

    assertEquals("alice's", f.get(ALICE, "/api/storage/a.txt").body());
    assertEquals("alice's", f.get(ADMIN, "/api/storage/a.txt").body());
    HttpResponse<String> byAdmin = f.put(ADMIN, "/api/storage/a.txt", "edited", "text/plain");
    assertEquals(200, byAdmin.statusCode(), byAdmin.body());
    assertEquals("alice", json(byAdmin).path("owner").asText(), "an overwrite keeps the owner");
    assertEquals(403, f.get(BOB, "/api/storage/a.txt").statusCode());
    HttpResponse<String> job = f.postJson(ALICE, "/api/media/transforms/thumbnail",
        "{\"srcKey\":\"img.png\",\"opts\":{\"size\":\"8\"}}");
    assertEquals(202, job.statusCode(), job.body());
    String id = json(job).path("id").asText();
    assertEquals(403, f.get(BOB, "/api/media/transforms/jobs/" + id).statusCode(), "bob may not watch it either");
    assertEquals(200, f.get(ALICE, "/api/media/transforms/jobs/" + id).statusCode());
    f.recorder.await(e -> e.t().equals(EventTypes.TRANSFORM_COMPLETE));
    assertEquals("alice", f.store.tenant(ACME).head("img.thumbnail-8.png").orElseThrow().owner());
    assertEquals(403, f.get(BOB, "/api/storage/img.thumbnail-8.png").statusCode());
    assertEquals(200, f.delete(ALICE, "/api/storage/a.txt").statusCode());
    assertTrue(f.store.tenant(ACME).head("a.txt").isEmpty());
  }

  @Test
  void owned_listing_showsOnlyTheCallersObjectsAndNeverNamesOthers() throws Exception {
    f = new SecureStorageFixture(dir, OWNED);
    for (String k : List.of("a1", "a2", "a3", "a4")) {
      put(ACME, "docs/" + k, k, "alice");
    }
    put(ACME, "docs/b1", "b1", "bob");
    put(ACME, "docs/z9", "z9", "bob");

    assertEquals(List.of("docs/b1", "docs/z9"), listAll(BOB, "docs/"));
    assertEquals(List.of("docs/a1", "docs/a2", "docs/a3", "docs/a4"), listAll(ALICE, "docs/"));
    assertEquals(6, listAll(ADMIN, "").size());
  }

  /** Every page of a listing with limit 1, checking that no body or cursor names another owner's object. */
  List<String> listAll(Who who, String prefix) throws Exception {
    List<String> keys = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 20; pages++) {
      HttpResponse<String> r = f.get(who, "/api/storage?limit=1&prefix=" + prefix
          + (cursor == null ? "" : "&cursor=" + java.net.URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
      assertEquals(200, r.statusCode(), r.body());
      for (JsonNode i : json(r)) {
        assertEquals(who == ADMIN ? i.path("owner").asText() : who.user(), i.path("owner").asText());
        keys.add(i.path("key").asText());
      }
      cursor = r.headers().firstValue("X-Next-Cursor").orElse(null);
      if (cursor == null) {
        return keys;
      }
      if (who == BOB) {
        assertFalse(cursor.contains("/a"), "a cursor naming alice's object: " + cursor);
      }
    }
    throw new AssertionError("the listing did not end");
  }

  @Test
  void owned_events_reachOnlyTheOwnerAndAdmin() throws Exception {
    f = new SecureStorageFixture(dir, OWNED);
    SseTestClient alices = f.stream(ALICE, "storage.put,storage.delete,test", null);
    SseTestClient bobs = f.stream(BOB, "storage.put,storage.delete,test", null);
    SseTestClient admins = f.stream(ADMIN, "storage.put,storage.delete,test", null);

    assertEquals(200, f.put(ALICE, "/api/storage/a.txt", "1", "text/plain").statusCode());
    assertEquals(200, f.put(BOB, "/api/storage/b.txt", "2", "text/plain").statusCode());
    assertEquals(200, f.put(ADMIN, "/api/storage/a.txt", "3", "text/plain").statusCode());
    // a presigned upload minted by bob stores bob's object, and confirming it tells bob alone
    String url = json(f.postJson(BOB, "/api/storage/upload-url",
        "{\"key\":\"c.txt\",\"content_type\":\"text/plain\"}")).path("url").asText();
    assertEquals(200, f.put(Who.ANONYMOUS, url, "4", "text/plain").statusCode());
    assertEquals(200, f.postJson(BOB, "/api/storage/confirm", "{\"key\":\"c.txt\"}").statusCode());
    assertEquals(403, f.get(ALICE, "/api/storage/c.txt").statusCode());
    assertEquals(200, f.delete(ALICE, "/api/storage/a.txt").statusCode());

    f.marker(ACME, "end");
    assertEquals(List.of("storage.put a.txt", "storage.put a.txt", "storage.delete a.txt"),
        summary(untilMarker(alices, "end")));
    assertEquals(List.of("storage.put b.txt", "storage.put c.txt"), summary(untilMarker(bobs, "end")));
    assertEquals(List.of("storage.put a.txt", "storage.put b.txt", "storage.put a.txt", "storage.put c.txt",
        "storage.delete a.txt"), summary(untilMarker(admins, "end")));
  }

  @Test
  void openMode_anonymousWritesOwnNothingAndAuthenticatedOnesAreRecorded() throws Exception {
    f = new SecureStorageFixture(dir, dev.ren.access.AccessPolicy.open());
    HttpResponse<String> anonymous = f.put(Who.ANONYMOUS, "/api/storage/x.txt", "x", "text/plain");
    assertEquals(200, anonymous.statusCode(), anonymous.body());
    assertTrue(json(anonymous).path("owner").isMissingNode());
    assertNull(f.store.head("x.txt").orElseThrow().owner());
    HttpResponse<String> walt = f.put(WRITER, "/api/storage/x.txt", "y", "text/plain");
    assertEquals("walt", json(walt).path("owner").asText());
    assertEquals("walt", f.store.tenant(ACME).head("x.txt").orElseThrow().owner());
    assertNull(f.store.head("x.txt").orElseThrow().owner(), "walt wrote in acme, not in the default tenant");
  }
}
