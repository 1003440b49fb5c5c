package dev.ren.redis;

import dev.ren.RenEvent;
import dev.ren.json.EventJson;
import dev.ren.log.Position;
import dev.ren.sse.SseFrames;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wire ids and event decoding: no Redis needed. */
class RedisIdsTest {

  private static final String EPOCH = "abc123def456";

  @Test
  void format_thenParse_roundTrips() {
    Position p = new Position(1_710_000_000_123L, 7);
    String id = RedisIds.format(EPOCH, p);
    assertEquals("abc123def456:1710000000123-7", id);
    assertEquals(p, RedisIds.parse(id, EPOCH));
    assertEquals(Position.ZERO, RedisIds.parse(EPOCH + ":0-0", EPOCH));
  }

  @Test
  void parse_hostileIds_null() {
    String[] hostile = {
        "", ":", "garbage", EPOCH, EPOCH + ":", EPOCH + ":-", EPOCH + ":1-", EPOCH + ":-1", EPOCH + ":1",
        EPOCH + ":1-2-3", EPOCH + ":+1-2", EPOCH + ":1-x", EPOCH + ": 1-2", EPOCH + ":1-2 ", EPOCH + ":1-2\n",
        EPOCH + ":1\u0000-2", EPOCH + ":١-2", EPOCH + ":99999999999999999999-0", EPOCH + ":0-99999999999999999999",
        EPOCH + "x:1-2", "x" + EPOCH + ":1-2", EPOCH.toUpperCase() + ":1-2", "otherepoch12:1-2", "none:0-0",
        EPOCH + ":" + "1".repeat(10_000) + "-0", "a".repeat(10_240),
    };
    for (String id : hostile) {
      assertNull(RedisIds.parse(id, EPOCH), () -> "accepted hostile id " + id.substring(0, Math.min(60, id.length())));
    }
  }

  @Test
  void parse_unknownEpoch_null() {
    assertNull(RedisIds.parse(EPOCH + ":1-2", null));
  }

  @Test
  void parse_futureId_isAPositionForReadAfterToJudge() {
    // syntactically valid ids from the future parse; readAfter (against Redis) turns them into a reset
    assertEquals(new Position(999_999_999_999_999_999L, 0), RedisIds.parse(EPOCH + ":999999999999999999-0", EPOCH));
  }

  @Test
  void nextAndPrevious_areAdjacentStreamIds() {
    assertEquals("5-4", RedisIds.next(new Position(5, 3)));
    assertEquals("6-0", RedisIds.next(new Position(5, Long.MAX_VALUE)));
    assertEquals("5-2", RedisIds.previous(new Position(5, 3)));
    assertEquals("4-" + Long.MAX_VALUE, RedisIds.previous(new Position(5, 0)));
    assertNull(RedisIds.previous(Position.ZERO));
  }

  @Test
  void newEpoch_isAnEpochAndRandom() {
    String a = RedisIds.newEpoch();
    assertTrue(RedisIds.isEpoch(a), a);
    assertTrue(!a.equals(RedisIds.newEpoch()));
    assertTrue(!RedisIds.isEpoch("ABC") && !RedisIds.isEpoch("") && !RedisIds.isEpoch("a".repeat(17)));
  }

  @Test
  void decode_encodedEvent_sameEventAndBytes() {
    RenEvent e = RenEvent.realtimeMessage("room:1", TestJson.parse("{\"text\":\"héllo 😀\",\"n\":[1,2]}"), "u7")
        .withSrc("c1").withTs(1_710_000_000_000L);
    byte[] json = SseFrames.json(e);
    RenEvent back = EventJson.decode(json);
    assertEquals(e, back);
    assertArrayEquals(json, SseFrames.json(back));
    RenEvent kv = RenEvent.kvPut("demo", "todo:1", "3");
    assertEquals(kv, EventJson.decode(SseFrames.json(kv)));
  }

  @Test
  void decode_notAnEvent_illegalArgument() {
    for (String bad : new String[] {"", "[]", "{}", "{\"t\":1,\"r\":\"kv\"}", "{\"t\":\"kv.put\",\"r\":\"kv\",\"k\":{}}",
        "{\"t\":\"KV\\nPUT\",\"r\":\"kv\"}", "not json"}) {
      assertThrows(IllegalArgumentException.class, () -> EventJson.decode(bad.getBytes(StandardCharsets.UTF_8)), bad);
    }
  }
}
