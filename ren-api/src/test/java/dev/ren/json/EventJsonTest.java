package dev.ren.json;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.RenEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventJsonTest {

  @Test
  void encode_allFields_schemaOrderCompact() {
    RenEvent e = new RenEvent("realtime.message", "realtime", "k1", "ns1", "3", 1710000000000L, "c1", "room",
        JsonNodeFactory.instance.objectNode().put("a", 1), "u1");
    assertEquals("{\"t\":\"realtime.message\",\"r\":\"realtime\",\"k\":\"k1\",\"ns\":\"ns1\",\"v\":\"3\","
        + "\"ts\":1710000000000,\"src\":\"c1\",\"ch\":\"room\",\"data\":{\"a\":1},\"uid\":\"u1\"}",
        new String(EventJson.encode(e), StandardCharsets.UTF_8));
  }

  @Test
  void decode_encodedEvent_roundTrips() {
    RenEvent e = RenEvent.kvPut("demo", "todo:\u00e9\ud83d\ude00", "7").toBuilder().ts(5).build();
    assertEquals(e, EventJson.decode(EventJson.encode(e)));
  }

  @Test
  void decode_loneSurrogate_roundTripsExactly() {
    RenEvent e = RenEvent.kvPut("demo", "a\ud800b", "1");
    assertEquals("a\ud800b", EventJson.decode(EventJson.encode(e)).k());
  }

  @Test
  void decode_absentAndNullFields_areNull() {
    RenEvent e = EventJson.decode("{\"t\":\"kv.delete\",\"r\":\"kv\",\"k\":\"a\",\"v\":null,\"data\":null}");
    assertEquals("a", e.k());
    assertNull(e.v());
    assertNull(e.data());
    assertEquals(0, e.ts());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "[]",
      "\"kv.put\"",
      "{\"r\":\"kv\"}",
      "{\"t\":\"kv.put\"}",
      "{\"t\":1,\"r\":\"kv\"}",
      "{\"t\":\"kv.put\",\"r\":\"kv\",\"k\":{\"x\":1}}",
      "{\"t\":\"kv.put\",\"r\":\"kv\",\"ns\":[\"a\"]}",
      "{\"t\":\"kv.put\",\"r\":\"kv\",\"v\":3}",
      "{\"t\":\"kv.put\",\"r\":\"kv\",\"ts\":\"5\"}",
      "{\"t\":\"kv.put\",\"r\":\"kv\",\"ts\":-1}",
      "{\"t\":\"kv.put\",\"r\":\"kv\",\"ts\":1.5}",
      "{\"t\":\"kv.put\",\"r\":\"kv\"} trailing",
      "{\"t\":\"kv.put\",\"r\":\"db\"}",
      "{\"t\":\"KV.PUT\",\"r\":\"kv\"}",
  })
  void decode_notAnEvent_throwsIllegalArgument(String json) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventJson.decode(json));
    assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
  }

  @Test
  void decode_bytesAndText_sameRules() {
    byte[] bad = "{\"t\":\"kv.put\",\"r\":\"kv\",\"k\":{}}".getBytes(StandardCharsets.UTF_8);
    IllegalArgumentException fromBytes = assertThrows(IllegalArgumentException.class, () -> EventJson.decode(bad));
    IllegalArgumentException fromText = assertThrows(IllegalArgumentException.class,
        () -> EventJson.decode(new String(bad, StandardCharsets.UTF_8)));
    assertEquals(fromBytes.getMessage(), fromText.getMessage());
    assertEquals("event field 'k' must be a string", fromBytes.getMessage());
  }
}
