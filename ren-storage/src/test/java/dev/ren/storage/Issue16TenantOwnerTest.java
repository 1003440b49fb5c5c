package dev.ren.storage;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16 in the store: tenant trees, recorded owners, and listings that hide what the caller may not see. */
class Issue16TenantOwnerTest {

  @TempDir Path dir;
  Path root;
  RecordingPublisher events;
  BlobStore store;

  @BeforeEach
  void setUp() {
    root = dir.resolve("store");
    events = new RecordingPublisher();
    store = BlobStore.fileSystem(root, events);
  }

  static InputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  static String read(BlobStore s, String key) throws IOException {
    try (BlobRead r = s.get(key).orElseThrow()) {
      return new String(r.stream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static List<String> keys(BlobPage page) {
    return page.items().stream().map(BlobInfo::key).toList();
  }

  // ------------------------------------------------------------------------------------------------ tenants

  @Test
  void tenant_sameKeyInTwoTenantsAndDefault_threeObjects() throws Exception {
    BlobStore a = store.tenant("acme");
    BlobStore b = store.tenant("globex");
    store.put("k.txt", in("default"), PutOptions.of("text/plain"));
    a.put("k.txt", in("acme"), PutOptions.of("text/plain"));
    b.put("k.txt", in("globex"), PutOptions.of("text/plain"));

    assertEquals("default", read(store, "k.txt"));
    assertEquals("acme", read(a, "k.txt"));
    assertEquals("globex", read(b, "k.txt"));
    assertEquals("acme", a.tenant());
    assertNull(store.tenant());
    assertTrue(b.delete("k.txt"));
    assertTrue(b.head("k.txt").isEmpty());
    assertEquals("acme", read(a, "k.txt"));
    assertEquals("default", read(store, "k.txt"));
  }

  @Test
  void tenant_defaultKeepsTodaysLayout_tenantsLiveBesideIt() throws Exception {
    store.put("photos/a.txt", in("x"), PutOptions.of("text/plain"));
    store.tenant("acme").put("photos/a.txt", in("y"), PutOptions.of("text/plain"));
    assertTrue(Files.isRegularFile(root.resolve("default/blobs/photos/a.txt")));
    assertTrue(Files.isRegularFile(root.resolve("default/tenants/acme/blobs/photos/a.txt")));

    // a store reopened on the same directory finds both
    BlobStore reopened = BlobStore.fileSystem(root, events);
    assertEquals("x", read(reopened, "photos/a.txt"));
    assertEquals("y", read(reopened.tenant("acme"), "photos/a.txt"));
  }

  @Test
  void tenantFolder_idsDifferingInCaseOrEscapes_differentFolders() {
    Set<String> folders = new HashSet<>();
    for (String t : List.of("Acme", "acme", "ACME", "a_41cme", "a.b", "a_2eb", "a-b", "_", "-", "x.")) {
      assertTrue(folders.add(BlobPaths.tenantFolder(t).toLowerCase(java.util.Locale.ROOT)), t);
      assertFalse(BlobPaths.tenantFolder(t).endsWith("."), t);
    }
  }

  @Test
  void tenant_readsOfAnUnseenTenant_createNothingOnDisk() throws Exception {
    BlobStore ghost = store.tenant("ghost");
    assertTrue(ghost.head("a").isEmpty());
    assertTrue(ghost.get("a/b").isEmpty());
    assertTrue(ghost.list("", 10, null).items().isEmpty());
    assertTrue(ghost.list("a/", 10, null).items().isEmpty());
    assertFalse(ghost.delete("a"));
    assertFalse(Files.exists(root.resolve("default/tenants")));
    assertTrue(events.events().isEmpty());
  }

  @Test
  void tenant_listing_showsOnlyItsOwnObjects() throws Exception {
    store.put("a", in("1"), PutOptions.of(null));
    store.tenant("acme").put("b", in("2"), PutOptions.of(null));
    store.tenant("globex").put("c", in("3"), PutOptions.of(null));
    assertEquals(List.of("a"), keys(store.list("", 100, null)));
    assertEquals(List.of("b"), keys(store.tenant("acme").list("", 100, null)));
    assertEquals(List.of("c"), keys(store.tenant("globex").list("", 100, null)));
  }

  @Test
  void tenant_events_carryTheTenantAndDefaultCarriesNone() throws Exception {
    store.put("a", in("1"), PutOptions.of(null));
    assertNull(events.last().tenant());
    BlobStore acme = store.tenant("acme");
    acme.put("a", in("2"), PutOptions.of(null));
    assertEquals("acme", events.last().tenant());
    acme.put("b", in("3"), PutOptions.of(null).withPublish(false));
    acme.confirm("b");
    assertEquals("acme", events.last().tenant());
    assertEquals(EventTypes.STORAGE_OBJECT_CREATED, events.last().t());
    acme.delete("a");
    assertEquals(EventTypes.STORAGE_OBJECT_DELETED, events.last().t());
    assertEquals("acme", events.last().tenant());
    assertEquals("default", events.last().ns());
  }

  @Test
  void tenant_invalidId_refused() {
    assertThrows(IllegalArgumentException.class, () -> store.tenant("../x"));
    assertThrows(IllegalArgumentException.class, () -> store.tenant(".hidden"));
    assertThrows(IllegalArgumentException.class, () -> store.tenant(""));
  }

  @Test
  void tenant_folderIsASymbolicLink_writeRefusedAndNothingWrittenOutside() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createDirectories(root.resolve("default/tenants"));
    Files.createSymbolicLink(root.resolve("default/tenants/evil"), outside);
    BlobStore evil = store.tenant("evil");
    assertThrows(IllegalArgumentException.class, () -> evil.put("a.txt", in("x"), PutOptions.of(null)));
    assertThrows(IllegalArgumentException.class, () -> evil.head("a.txt"));
    try (Stream<Path> s = Files.walk(outside)) {
      assertEquals(1, s.count(), "nothing was created through the link");
    }
  }

  @Test
  void open_tenantTempFilesLeftByACrash_swept() throws Exception {
    store.tenant("acme").put("a/b.txt", in("x"), PutOptions.of(null));
    Path tmp = root.resolve("default/tenants/acme/blobs/a/" + StagedFile.TMP_PREFIX + "crashed");
    Files.writeString(tmp, "partial");
    BlobStore.fileSystem(root, events);
    assertFalse(Files.exists(tmp));
    assertEquals("x", read(store.tenant("acme"), "a/b.txt"));
  }

  // ------------------------------------------------------------------------------------------------ owners

  @Test
  void put_withOwner_recordedAndSurvivesReopenAndEventCarriesIt() throws Exception {
    BlobInfo info = store.put("a", in("1"), PutOptions.of(null).withOwner("alice"));
    assertEquals("alice", info.owner());
    assertEquals("alice", events.last().uid());
    assertEquals("alice", BlobStore.fileSystem(root, events).head("a").orElseThrow().owner());
    assertEquals("alice", store.list("", 10, null).items().get(0).owner());
  }

  @Test
  void put_withoutOwnerOverAnOwnedObject_keepsTheOwner() throws Exception {
    store.put("a", in("1"), PutOptions.of(null).withOwner("alice"));
    BlobInfo info = store.put("a", in("2"), PutOptions.of(null));
    assertEquals("alice", info.owner());
    assertEquals("2", read(store, "a"));
    assertEquals("alice", store.head("a").orElseThrow().owner());
  }

  @Test
  void put_asAnotherUserOverAnOwnedObject_conflictAndNothingChanged() throws Exception {
    BlobInfo before = store.put("a", in("1"), PutOptions.of(null).withOwner("alice"));
    int published = events.size();
    assertThrows(BlobConflictException.class, () -> store.put("a", in("2"), PutOptions.of(null).withOwner("bob")));
    assertEquals(before, store.head("a").orElseThrow());
    assertEquals("1", read(store, "a"));
    assertEquals(published, events.size());
    try (Stream<Path> s = Files.list(root.resolve("default/blobs"))) {
      assertEquals(1, s.count(), "no temp file left behind");
    }
  }

  @Test
  void put_ownerlessObjectWrittenAsAUser_claimsIt() throws Exception {
    store.put("a", in("1"), PutOptions.of(null));
    assertEquals("bob", store.put("a", in("2"), PutOptions.of(null).withOwner("bob")).owner());
  }

  @Test
  void put_objectBecomesOwnedWhileStaging_keptOwnerWrittenUnderTheLock() throws Exception {
    // the content stream creates alice's object mid-copy, after the write guessed "no owner"
    InputStream racing = new InputStream() {
      private final InputStream body = in("mine");
      private boolean raced;

      @Override
      public int read() throws IOException {
        if (!raced) {
          raced = true;
          store.put("a", in("alice's"), PutOptions.of(null).withOwner("alice"));
        }
        return body.read();
      }
    };
    BlobInfo info = store.put("a", racing, PutOptions.of(null));
    assertEquals("alice", info.owner());
    assertEquals("mine", read(store, "a"));
    assertEquals("alice", store.head("a").orElseThrow().owner());
    assertEquals("alice", events.last().uid());
  }

  @Test
  void deleteIfOwner_otherOwner_conflictAndKept_sameOwner_deletedWithOwnerAsUid() throws Exception {
    store.put("a", in("1"), PutOptions.of(null).withOwner("alice"));
    assertThrows(BlobConflictException.class, () -> store.deleteIfOwner("a", "bob"));
    assertThrows(BlobConflictException.class, () -> store.deleteIfOwner("a", null));
    assertTrue(store.head("a").isPresent());
    assertFalse(store.deleteIfOwner("absent", "alice"));
    assertTrue(store.deleteIfOwner("a", "alice"));
    RenEvent e = events.last();
    assertEquals(EventTypes.STORAGE_OBJECT_DELETED, e.t());
    assertEquals("alice", e.uid());
  }

  @Test
  void owner_withControlCharacters_refused() {
    assertThrows(IllegalArgumentException.class, () -> PutOptions.of(null).withOwner("al\nice"));
    assertThrows(IllegalArgumentException.class, () -> PutOptions.of(null).withOwner(""));
  }

  @Test
  void read_trailerWithANonTextOwner_unreadable() throws Exception {
    store.put("a", in("1"), PutOptions.of(null).withOwner("alice"));
    Path file = root.resolve("default/blobs/a");
    String raw = Files.readString(file, StandardCharsets.ISO_8859_1);
    Files.writeString(file, raw.replace("\"owner\":\"alice\"", "\"owner\":12345678"), StandardCharsets.ISO_8859_1);
    assertThrows(UnreadableBlobException.class, () -> store.head("a"));
  }

  // ------------------------------------------------------------------------------------------------ filtered lists

  @Test
  void list_visibleFilter_hidesOthersAndCursorNamesOnlyShownObjects() throws Exception {
    for (String k : List.of("a1", "a2", "b1", "a3", "b2", "a4")) {
      store.put(k, in(k), PutOptions.of(null).withOwner(k.startsWith("a") ? "alice" : "bob"));
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      BlobPage page = store.list("", 1, cursor, i -> "bob".equals(i.owner()));
      seen.addAll(keys(page));
      cursor = page.nextCursor();
      if (cursor != null) {
        assertFalse(cursor.startsWith("a"), "a cursor naming alice's object: " + cursor);
      }
    } while (cursor != null);
    assertEquals(List.of("b1", "b2"), seen);
  }

  @Test
  void list_scanBudgetRunsOutAmongHiddenObjects_sealedCursorContinuesWithoutNamingThem() throws Exception {
    BlobStore small = new FileSystemBlobStore(root, "small", events, 3);
    for (int i = 0; i < 8; i++) {
      small.put("a" + i, in("x"), PutOptions.of(null).withOwner("alice"));
    }
    small.put("b", in("y"), PutOptions.of(null).withOwner("bob"));
    List<String> seen = new ArrayList<>();
    List<String> cursors = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      BlobPage page = small.list("", 10, cursor, i -> "bob".equals(i.owner()));
      seen.addAll(keys(page));
      cursor = page.nextCursor();
      if (cursor != null) {
        cursors.add(cursor);
      }
      pages++;
    } while (cursor != null && pages < 20);
    assertEquals(List.of("b"), seen);
    // a0-a2, a3-a5 hidden (sealed cursors), then a6, a7, b (ends on b, shown), then nothing after b
    assertEquals(4, pages);
    assertEquals(3, cursors.size());
    assertTrue(cursors.get(0).startsWith(":") && cursors.get(1).startsWith(":"), cursors.toString());
    assertEquals("b", cursors.get(2), "a page ending on a shown object names it, as always");
  }

  @Test
  void list_sealedCursorTamperedOrFromAnotherStore_refused() throws Exception {
    BlobStore small = new FileSystemBlobStore(root, "small", events, 1);
    small.put("a", in("x"), PutOptions.of(null).withOwner("alice"));
    small.put("b", in("y"), PutOptions.of(null).withOwner("alice"));
    String sealed = small.list("", 10, null, i -> false).nextCursor();
    assertTrue(sealed != null && sealed.startsWith(":"));
    char c = sealed.charAt(5);
    String tampered = sealed.substring(0, 5) + (c == 'A' ? 'B' : 'A') + sealed.substring(6);
    assertThrows(IllegalArgumentException.class, () -> small.list("", 10, tampered, i -> true));
    BlobStore restarted = new FileSystemBlobStore(root, "small", events, 1);
    assertThrows(IllegalArgumentException.class, () -> restarted.list("", 10, sealed, i -> true));
    assertNotEquals(List.of(), keys(small.list("", 10, sealed, i -> true)));
  }

  @Test
  void list_everythingVisible_pagesAsBefore() throws Exception {
    for (String k : List.of("a", "b", "c")) {
      store.put(k, in(k), PutOptions.of(null));
    }
    BlobPage first = store.list("", 2, null);
    assertEquals(List.of("a", "b"), keys(first));
    assertEquals("b", first.nextCursor());
    BlobPage second = store.list("", 2, first.nextCursor());
    assertEquals(List.of("c"), keys(second));
    assertNull(second.nextCursor());
  }

  @Test
  void info_ownerInOldTrailer_absentMeansNone() {
    assertNull(new BlobInfo("k", 0, "a/b", "0".repeat(64), java.time.Instant.EPOCH, Map.of()).owner());
  }
}
