package dev.ren.hub;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Storage changes under their table and object names: one hub event, one id, the frames the filter selects. */
class StorageEventNamesTest {

  RenHub hub;

  @AfterEach
  void close() {
    if (hub != null) {
      hub.close();
    }
  }

  /** One frame as written: its id, event name and data line. */
  record Frame(String id, String event, String data) {}

  /** What one subscription receives: per visitor call, the frames its bytes hold. */
  static List<List<Frame>> poll(Subscription s) {
    List<List<Frame>> out = new ArrayList<>();
    s.poll((id, e, frame) -> {
      List<Frame> frames = parse(frame);
      for (Frame f : frames) {
        assertEquals(id, f.id(), "every frame of one event carries its id");
      }
      out.add(frames);
      return true;
    });
    return out;
  }

  static List<Frame> parse(byte[] bytes) {
    List<Frame> frames = new ArrayList<>();
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertTrue(text.endsWith("\n\n"), text);
    for (String block : text.substring(0, text.length() - 2).split("\n\n", -1)) {
      String id = null;
      String event = null;
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("id: ")) id = line.substring(4);
        else if (line.startsWith("event: ")) event = line.substring(7);
        else if (line.startsWith("data: ")) data = line.substring(6);
      }
      frames.add(new Frame(id, event, data));
    }
    return frames;
  }

  static List<String> events(List<List<Frame>> got) {
    List<String> out = new ArrayList<>();
    for (List<Frame> call : got) {
      List<String> names = new ArrayList<>();
      for (Frame f : call) {
        names.add(f.event());
      }
      out.add(String.join("+", names));
    }
    return out;
  }

  Subscription sub(String filter) {
    return hub.subscribe(SubscribeRequest.of(RenFilter.parse(filter)), () -> { });
  }

  void publishThree() {
    hub.publish(RenEvent.storageCreated("b", "k", "e1"));
    hub.publish(RenEvent.storageUpdated("b", "k", "e2"));
    hub.publish(RenEvent.storageDeleted("b", "k"));
  }

  @Test
  void both_noFilter_eachChangeIsTwoFramesWithOneIdTableNameFirst() {
    hub = RenHub.create();
    Subscription s = sub("*");
    String id = hub.publish(RenEvent.storageCreated("b", "k", "e1"));
    List<List<Frame>> got = poll(s);
    assertEquals(1, got.size(), "one event, one visitor call");
    List<Frame> frames = got.get(0);
    assertEquals(List.of("storage.put", "storage.object.created"), frames.stream().map(Frame::event).toList());
    assertEquals(id, frames.get(0).id());
    assertEquals(id, frames.get(1).id());
    String table = frames.get(0).data();
    String object = frames.get(1).data();
    assertTrue(table.startsWith("{\"t\":\"storage.put\",\"r\":\"storage\",\"k\":\"k\",\"ns\":\"b\",\"v\":\"e1\""), table);
    assertEquals(object.replace("\"t\":\"storage.object.created\"", "\"t\":\"storage.put\""), table,
        "the two frames differ in t only");
  }

  @Test
  void both_overwriteAndDelete_carryUpdatedAndDeleted() {
    hub = RenHub.create();
    Subscription s = sub("storage");
    publishThree();
    assertEquals(List.of("storage.put+storage.object.created", "storage.put+storage.object.updated",
        "storage.delete+storage.object.deleted"), events(poll(s)));
  }

  @Test
  void filters_tableNamesObjectNamesAndNamespaceSelectTheirFrames() {
    hub = RenHub.create();
    Subscription put = sub("storage.put");
    Subscription delete = sub("storage.delete");
    Subscription object = sub("storage.object");
    Subscription created = sub("storage.object.created");
    Subscription updated = sub("storage.object.updated");
    Subscription deleted = sub("storage.object.deleted");
    Subscription bucket = sub("storage:b");
    Subscription otherBucket = sub("storage:c");
    Subscription kv = sub("kv");
    Subscription mixed = sub("storage.put,storage.object.deleted");
    publishThree();
    assertEquals(List.of("storage.put", "storage.put"), events(poll(put)));
    assertEquals(List.of("storage.delete"), events(poll(delete)));
    assertEquals(List.of("storage.object.created", "storage.object.updated", "storage.object.deleted"),
        events(poll(object)));
    assertEquals(List.of("storage.object.created"), events(poll(created)));
    assertEquals(List.of("storage.object.updated"), events(poll(updated)));
    assertEquals(List.of("storage.object.deleted"), events(poll(deleted)));
    assertEquals(3, poll(bucket).stream().filter(c -> c.size() == 2).count());
    assertEquals(List.of(), poll(otherBucket));
    assertEquals(List.of(), poll(kv));
    assertEquals(List.of("storage.put", "storage.put", "storage.object.deleted"), events(poll(mixed)));
  }

  @Test
  void filters_singleName_visitorSeesTheEventUnderThatName() {
    hub = RenHub.create();
    Subscription put = sub("storage.put");
    Subscription object = sub("storage.object");
    hub.publish(RenEvent.storageUpdated("b", "k", "e2"));
    List<String> types = new ArrayList<>();
    put.poll((id, e, f) -> types.add(e.t()));
    object.poll((id, e, f) -> types.add(e.t()));
    assertEquals(List.of("storage.put", "storage.object.updated"), types);
  }

  @Test
  void tableSetting_onlyTableNames_objectFilterGetsNothing() {
    hub = RenHub.builder().storageEventNames(StorageEventNames.TABLE).build();
    Subscription all = sub("*");
    Subscription object = sub("storage.object");
    Subscription put = sub("storage.put");
    publishThree();
    assertEquals(List.of("storage.put", "storage.put", "storage.delete"), events(poll(all)));
    assertEquals(List.of(), poll(object));
    assertEquals(List.of("storage.put", "storage.put"), events(poll(put)));
  }

  @Test
  void objectSetting_onlyObjectNames_tableFilterGetsNothing() {
    hub = RenHub.builder().storageEventNames(StorageEventNames.OBJECT).build();
    Subscription all = sub("*");
    Subscription put = sub("storage.put,storage.delete");
    Subscription storage = sub("storage");
    publishThree();
    assertEquals(List.of("storage.object.created", "storage.object.updated", "storage.object.deleted"),
        events(poll(all)));
    assertEquals(List.of(), poll(put));
    assertEquals(3, poll(storage).size());
  }

  @Test
  void resume_afterTheSharedId_replaysNeitherFrame() {
    hub = RenHub.create();
    String a = hub.publish(RenEvent.storageCreated("b", "k", "e1"));
    String b = hub.publish(RenEvent.storageDeleted("b", "k"));
    Subscription afterA = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withLastEventId(a), () -> { });
    List<List<Frame>> got = poll(afterA);
    assertEquals(List.of("storage.delete+storage.object.deleted"), events(got));
    assertEquals(b, got.get(0).get(0).id());
    Subscription afterB = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withLastEventId(b), () -> { });
    assertEquals(List.of(), poll(afterB));
  }

  @Test
  void listen_inProcess_getsEachChangeOnce() throws Exception {
    hub = RenHub.create();
    List<String> seen = new CopyOnWriteArrayList<>();
    try (var l = hub.listen(RenFilter.all(), (id, e) -> seen.add(id + " " + e.t()))) {
      String a = hub.publish(RenEvent.storageCreated("b", "k", "e1"));
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (seen.isEmpty() && System.nanoTime() < end) {
        Thread.sleep(5);
      }
      Thread.sleep(50);
      assertEquals(List.of(a + " storage.object.created"), seen);
    }
  }

  @Test
  void otherEvents_andTableNamedStoragePut_areFramedOnceUnchanged() {
    hub = RenHub.create();
    Subscription s = sub("*");
    hub.publish(RenEvent.kvPut("n", "a", "1"));
    hub.publish(RenEvent.storagePut("b", "k", "e"));
    assertEquals(List.of("kv.put", "storage.put"), events(poll(s)));
  }

  @Test
  void builder_storageEventNamesTwice_refused() {
    RenHub.Builder b = RenHub.builder().storageEventNames(StorageEventNames.TABLE);
    assertThrows(IllegalStateException.class, () -> b.storageEventNames(StorageEventNames.BOTH));
  }

  @Test
  void storageTableName_objectTypes_mapToTableNames() {
    assertEquals(EventTypes.STORAGE_PUT, EventTypes.storageTableName(EventTypes.STORAGE_OBJECT_CREATED));
    assertEquals(EventTypes.STORAGE_PUT, EventTypes.storageTableName(EventTypes.STORAGE_OBJECT_UPDATED));
    assertEquals(EventTypes.STORAGE_DELETE, EventTypes.storageTableName(EventTypes.STORAGE_OBJECT_DELETED));
    assertNull(EventTypes.storageTableName(EventTypes.STORAGE_PUT));
    assertNull(EventTypes.storageTableName("storage.object.moved"));
    assertNull(EventTypes.storageTableName("kv.put"));
  }
}
