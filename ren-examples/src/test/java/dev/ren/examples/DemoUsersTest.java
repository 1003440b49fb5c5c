package dev.ren.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static dev.ren.examples.DemoUsersServer.basic;
import static dev.ren.examples.DemoUsersServer.enc;
import static dev.ren.examples.DemoUsersServer.json;
import static dev.ren.examples.DemoUsersServer.send;
import static dev.ren.examples.DemoUsersServer.status;
import static dev.ren.examples.DemoUsersServer.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo with {@code --users}: HTTP Basic for API calls, stream tokens for the page, one tenant per user line,
 * roles read / write / admin, on the KV binding the todo list uses. One demo for the class; every test its own keys.
 */
class DemoUsersTest {

  private static final int TOKEN_TTL = 120;

  @TempDir
  static Path dir;

  private static DemoUsersServer s;

  @BeforeAll
  static void start() throws Exception {
    s = DemoUsersServer.start(dir, TOKEN_TTL);
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
  }

  // ------------------------------------------------------------------------------------------ authentication

  @Test
  void basic_wrongPassword_is401JsonWithoutBrowserDialog() throws Exception {
    HttpResponse<String> r = send(s.get(kv(key())).header("Authorization", basic("alice", "nope")));
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers()::toString);
    assertEquals("invalid_credentials", TestJson.parse(r.body()).get("error").asText(), r.body());
    assertFalse(r.body().contains("nope"), "the answer never repeats the password: " + r.body());
    assertTrue(r.headers().firstValue("WWW-Authenticate").isEmpty(),
        "no WWW-Authenticate, so a browser shows the page's form, not its own dialog");
  }

  @Test
  void basic_unknownUser_isTheSame401AsAWrongPassword() throws Exception {
    HttpResponse<String> unknown = send(s.get("/demo/me").header("Authorization", basic("mallory", "alice-pw")));
    HttpResponse<String> wrong = send(s.get("/demo/me").header("Authorization", basic("alice", "alice-pw2")));
    assertEquals(401, unknown.statusCode(), unknown.body());
    assertEquals(wrong.body(), unknown.body(), "the answer does not tell which names exist");
  }

  @Test
  void basic_notBase64_is401() throws Exception {
    HttpResponse<String> r = send(s.get("/demo/me").header("Authorization", "Basic %%%"));
    assertEquals(401, r.statusCode(), r.body());
    assertEquals("invalid_credentials", TestJson.parse(r.body()).get("error").asText(), r.body());
  }

  @Test
  void me_rightPassword_isTheUserOfItsLine() throws Exception {
    JsonNode me = json(send(s.get("/demo/me").header("Authorization", basic("carol"))), 200);
    assertEquals("carol", me.get("user").asText(), me.toString());
    assertEquals("a", me.get("tenant").asText(), me.toString());
    assertEquals("[\"read\"]", me.get("roles").toString(), "fields are trimmed");
  }

  @Test
  void me_anonymous_is401() throws Exception {
    assertEquals(401, send(s.get("/demo/me")).statusCode());
  }

  @Test
  void config_withUsers_saysUsersAndTheTokenLifetime() throws Exception {
    JsonNode c = json(send(s.get("/demo/config")), 200);
    assertEquals("users", c.get("mode").asText(), c.toString());
    assertEquals(TOKEN_TTL, c.get("tokenTtl").asInt(), c.toString());
  }

  // ------------------------------------------------------------------------------------------ KV by role

  @Test
  void kvPut_anonymous_is401AndStoresNothing() throws Exception {
    String key = key();
    HttpResponse<String> r = send(s.json("PUT", kv(key), "{\"title\":\"anon\"}"));
    assertEquals(401, r.statusCode(), r.body());
    assertEquals("unauthorized", TestJson.parse(r.body()).get("error").asText(), r.body());
    assertEquals(404, status(s.get(kv(key)), "alice"));
  }

  @Test
  void kvPut_readOnlyUser_is403AndLeavesTheValue() throws Exception {
    String key = key();
    assertEquals(200, status(s.json("PUT", kv(key), "{\"title\":\"alice's\"}"), "alice"));
    HttpResponse<String> r = send(s.json("PUT", kv(key), "{\"title\":\"carol's\"}").header("Authorization", basic("carol")));
    assertEquals(403, r.statusCode(), r.body());
    assertEquals("forbidden", TestJson.parse(r.body()).get("error").asText(), r.body());
    assertEquals(403, status(s.delete(kv(key)), "carol"));
    JsonNode v = json(send(s.get(kv(key)).header("Authorization", basic("carol"))), 200);
    assertEquals("alice's", v.get("title").asText(), "a reader reads, and the refused writes changed nothing");
  }

  @Test
  void kvPut_writer_reachesItsTenantsStreamsOnly() throws Exception {
    String key = key();
    try (SseTestClient alice = s.stream("alice", "kv:demo");
         SseTestClient carol = s.stream("carol", "kv:demo");
         SseTestClient bob = s.stream("bob", "kv:demo")) {
      assertEquals(200, status(s.json("PUT", kv(key), "{\"title\":\"t\"}"), "alice"));
      assertEquals(key, alice.next("kv.put", DemoUsersServer.WAIT).json().get("k").asText(), "the writer's stream");
      assertEquals(key, carol.next("kv.put", DemoUsersServer.WAIT).json().get("k").asText(),
          "a reader of the same tenant sees the change");
      String bobMarker = key();
      assertEquals(200, status(s.json("PUT", kv(bobMarker), "1"), "bob"));
      List<String> bobSaw = keys(until(bob, e -> bobMarker.equals(e.path("k").asText())));
      assertFalse(bobSaw.contains(key), "tenant b's stream received tenant a's change: " + bobSaw);
      String aliceMarker = key();
      assertEquals(200, status(s.json("PUT", kv(aliceMarker), "1"), "alice"));
      List<String> aliceSaw = keys(until(alice, e -> aliceMarker.equals(e.path("k").asText())));
      assertFalse(aliceSaw.contains(bobMarker), "tenant a's stream received tenant b's change: " + aliceSaw);
    }
  }

  @Test
  void kvGet_otherTenantsKey_is404() throws Exception {
    String key = key();
    assertEquals(200, status(s.json("PUT", kv(key), "{\"title\":\"a\"}"), "alice"));
    assertEquals(404, status(s.get(kv(key)), "bob"), "tenant b has no such key");
    // and the same key in b is another value
    assertEquals(200, status(s.json("PUT", kv(key), "{\"title\":\"b\"}"), "bob"));
    assertEquals("a", json(send(s.get(kv(key)).header("Authorization", basic("alice"))), 200)
        .get("title").asText());
  }

  @Test
  void kvPut_admin_isAllowedInItsTenant() throws Exception {
    String key = key();
    assertEquals(200, status(s.json("PUT", kv(key), "{\"title\":\"dave\"}"), "dave"));
    assertEquals("dave", json(send(s.get(kv(key)).header("Authorization", basic("alice"))), 200)
        .get("title").asText(), "an admin of tenant a writes tenant a");
  }

  // ------------------------------------------------------------------------------------------ stream tokens

  @Test
  void token_mintedWithBasic_livesTokenTtl() throws Exception {
    HttpResponse<String> r = send(s.post("/api/maravilla/ren/token").header("Authorization", basic("alice")));
    JsonNode t = json(r, 200);
    assertFalse(t.get("token").asText().isEmpty(), t.toString());
    assertEquals(TOKEN_TTL, t.get("expiresIn").asLong(), t.toString());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
    JsonNode me = json(send(s.get("/demo/me").header("Authorization", "Bearer " + t.get("token").asText())), 200);
    assertEquals("alice", me.get("user").asText(), "the token is alice's: " + me);
    assertEquals("a", me.get("tenant").asText(), me.toString());
  }

  @Test
  void token_anonymous_is401() throws Exception {
    assertEquals(401, send(s.post("/api/maravilla/ren/token")).statusCode());
  }

  @Test
  void token_wrongPassword_is401() throws Exception {
    HttpResponse<String> r = send(s.post("/api/maravilla/ren/token").header("Authorization", basic("alice", "x")));
    assertEquals(401, r.statusCode(), r.body());
  }

  @Test
  void token_fromAnotherToken_is403() throws Exception {
    HttpResponse<String> r = send(s.post("/api/maravilla/ren/token")
        .header("Authorization", "Bearer " + s.token("alice")));
    assertEquals(403, r.statusCode(), "a token does not renew itself: " + r.body());
  }

  @Test
  void stream_forgedToken_is401() throws Exception {
    String token = s.token("alice");
    String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    HttpResponse<String> r = send(s.get("/api/maravilla/ren?s=kv&token=" + enc(forged)));
    assertEquals(401, r.statusCode(), r.body());
  }

  @Test
  void logout_revokesTheStreamToken() throws Exception {
    String token = s.token("alice");
    JsonNode out = json(send(s.post("/demo/logout").header("Authorization", "Bearer " + token)), 200);
    assertTrue(out.get("revoked").asBoolean(), out.toString());
    HttpResponse<String> r = send(s.get("/api/maravilla/ren?s=kv&token=" + enc(token)));
    assertEquals(401, r.statusCode(), "the logged-out token opens no stream: " + r.body());
  }

  // ------------------------------------------------------------------------------------------ the users file

  @Test
  void start_malformedUsersFile_failsNamingTheLine() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad-users.txt"), "# ok\nalice=pw,a,write\nbob:pw,b,write\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DemoServer(
        DemoServer.Options.parse("--port", "0", "--data", dir.resolve("bad-data").toString(),
            "--users", bad.toString())));
    assertTrue(e.getMessage().contains(bad + ", line 3:"), e.getMessage());
    assertFalse(e.getMessage().contains(":pw"), "the message never repeats a password: " + e.getMessage());
    assertFalse(Files.exists(dir.resolve("bad-data")), "nothing was created before the file was read");
  }

  @Test
  void start_usersFileMissing_fails() {
    Path missing = dir.resolve("no-such-users.txt");
    assertThrows(IOException.class, () -> new DemoServer(DemoServer.Options.parse("--port", "0",
        "--data", dir.resolve("missing-data").toString(), "--users", missing.toString())));
  }

  @Test
  void parse_tokenTtlWithoutUsers_fails() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DemoServer.Options.parse("--token-ttl", "60"));
    assertTrue(e.getMessage().contains("--token-ttl needs --users"), e.getMessage());
  }

  @Test
  void parse_tokenTtlOutOfRange_fails() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DemoServer.Options.parse("--users", "u.txt", "--token-ttl", "5"));
    assertTrue(e.getMessage().contains("--token-ttl must be in [10, 86400]"), e.getMessage());
  }

  @Test
  void parse_defaults_haveNoUsersAndTokenTtl300() {
    DemoServer.Options o = DemoServer.Options.parse();
    assertNull(o.users());
    assertEquals(300, o.tokenTtlSeconds());
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static String key() {
    return "todo:" + UUID.randomUUID();
  }

  private static String kv(String key) {
    return "/api/kv/demo/" + enc(key);
  }

  private static List<String> keys(List<JsonNode> events) {
    return events.stream().map(e -> e.path("k").asText()).toList();
  }
}
