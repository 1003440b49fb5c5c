package dev.ren.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenMessageTest {

  @Test
  void decode_kvPut_allFieldsDecoded() {
    RenMessage m = RenMessage.decode("9", "kv.put",
        "{\"t\":\"kv.put\",\"r\":\"kv\",\"k\":\"todo:1\",\"ns\":\"demo\",\"v\":\"3\",\"ts\":1710000000000,\"src\":\"c1\"}");
    assertNotNull(m.event());
    assertEquals("kv.put", m.event().t());
    assertEquals("todo:1", m.event().k());
    assertEquals("demo", m.event().ns());
    assertEquals("3", m.event().v());
    assertEquals(1710000000000L, m.event().ts());
    assertEquals("c1", m.event().src());
    assertEquals("9", m.id());
    assertFalse(m.isMeta());
  }

  @Test
  void decode_customDomainWithData_decoded() {
    RenMessage m = RenMessage.decode("1", "billing.invoice.paid",
        "{\"t\":\"billing.invoice.paid\",\"r\":\"billing\",\"k\":\"inv-7\",\"data\":{\"amount\":12}}");
    assertNotNull(m.event());
    assertEquals(12, m.event().data().get("amount").asInt());
  }

  @Test
  void decode_notJson_rawKept() {
    RenMessage m = RenMessage.decode(null, "message", "hello\nworld");
    assertNull(m.json());
    assertNull(m.event());
    assertEquals("hello\nworld", m.data());
  }

  @Test
  void decode_jsonWithoutEventShape_jsonOnly() {
    RenMessage m = RenMessage.decode(null, "x", "{\"t\":\"NOT A TYPE\",\"r\":\"kv\"}");
    assertNotNull(m.json());
    assertNull(m.event());
  }

  @Test
  void decode_metaWithReset_isReset() {
    RenMessage m = RenMessage.decode("5", "ren.meta",
        "{\"t\":\"ren.meta\",\"r\":\"ren\",\"clientId\":\"c1\",\"node\":\"n1\",\"reset\":true}");
    assertTrue(m.isMeta());
    assertTrue(m.isReset());
    assertFalse(RenMessage.decode("5", "ren.meta", "{\"t\":\"ren.meta\",\"r\":\"ren\"}").isReset());
  }

  @Test
  void decode_nonStringKey_rawJsonWithoutEvent() {
    RenMessage m = RenMessage.decode("3", "kv.put", "{\"t\":\"kv.put\",\"r\":\"kv\",\"k\":7}");
    assertNull(m.event());
    assertNotNull(m.json());
    assertEquals(7, m.json().get("k").asInt());
    assertEquals("kv.put", m.type());
    assertEquals("3", m.id());
  }

  @Test
  void decode_textualTimestamp_rawJsonWithoutEvent() {
    RenMessage m = RenMessage.decode(null, "kv.put", "{\"t\":\"kv.put\",\"r\":\"kv\",\"ts\":\"yesterday\"}");
    assertNull(m.event());
    assertEquals("yesterday", m.json().get("ts").asText());
  }

  @Test
  void decode_numericType_rawJsonWithoutEvent() {
    RenMessage m = RenMessage.decode(null, "x", "{\"t\":5,\"r\":\"kv\"}");
    assertNotNull(m.json());
    assertNull(m.event());
  }

  @Test
  void decode_trailingTextAfterJson_rawOnly() {
    RenMessage m = RenMessage.decode(null, "kv.put", "{\"t\":\"kv.put\",\"r\":\"kv\"} and more");
    assertNull(m.json(), "not one JSON value, as strict as the event codec");
    assertNull(m.event());
    assertEquals("{\"t\":\"kv.put\",\"r\":\"kv\"} and more", m.data());
  }
}
