package dev.ren.examples.e2e;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.time.Duration;
import java.util.List;

import static dev.ren.examples.e2e.Browsers.awaitReady;
import static dev.ren.examples.e2e.Browsers.js;
import static dev.ren.examples.e2e.Browsers.until;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Storage changes reach every documented way of listening exactly once per change: a plain {@code EventSource}'s
 * {@code addEventListener('storage.object.created')} and {@code addEventListener('storage.put')}, the REN browser
 * client (ren.js), also after it resumes, and the demo's event inspector.
 */
@Tag("e2e")
class StorageEventNamesE2ETest extends DemoE2ETest {

  static final Duration WAIT = Duration.ofSeconds(10);

  static final String SETUP = """
      const h = window.h20 = { es: {}, ren: [], ren2: [], done: 0 };
      const es = new EventSource('./api/maravilla/ren?s=storage');
      h.source = es;
      for (const t of ['storage.put', 'storage.delete', 'storage.object.created', 'storage.object.updated',
          'storage.object.deleted']) {
        h.es[t] = [];
        es.addEventListener(t, (m) => h.es[t].push(JSON.parse(m.data).k + ' ' + m.lastEventId));
      }
      es.addEventListener('ren.meta', () => { h.esOpen = true; });
      import('./api/maravilla/ren/client.js').then(({ RenClient }) => {
        h.RenClient = RenClient;
        h.client = new RenClient({ subscriptions: ['storage'] });
        h.client.on((e) => { if (e.r === 'storage') h.ren.push(e.t + ' ' + e.k); });
        h.client.onStateChange((s) => { if (s === 'open') h.renOpen = true; });
      });
      """;

  static void send(WebDriver w, String method, String key) {
    js(w, "fetch('./api/storage/' + arguments[1], { method: arguments[0], headers: { 'Content-Type': 'text/plain' },"
        + " body: arguments[0] === 'PUT' ? 'x' + Date.now() : undefined })"
        + ".then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); window.h20.done++; })"
        + ".catch((e) => { window.h20.failed = String(e); });", method, key);
  }

  static long done(WebDriver w) {
    Object failed = js(w, "return window.h20.failed || null");
    if (failed != null) {
      throw new AssertionError("request failed: " + failed);
    }
    return ((Number) js(w, "return window.h20.done")).longValue();
  }

  @SuppressWarnings("unchecked")
  static List<String> list(WebDriver w, String expr) {
    return (List<String>) js(w, "return " + expr + ".slice()");
  }

  @Test
  void uploads_eventSourceListenersForBothNamesRenJsAndInspector_eachFireOncePerChange() throws Exception {
    WebDriver w = browsers.open(demo.uri().resolve("/"));
    awaitReady(w);
    js(w, SETUP);
    until(w, WAIT, d -> Boolean.TRUE.equals(js(d, "return !!(window.h20.esOpen && window.h20.renOpen)")));

    send(w, "PUT", "uploads/h20-a.txt");
    until(w, WAIT, d -> done(d) == 1);
    send(w, "PUT", "uploads/h20-b.txt");
    until(w, WAIT, d -> done(d) == 2);
    send(w, "PUT", "uploads/h20-a.txt"); // an overwrite: storage.put and storage.object.updated
    until(w, WAIT, d -> done(d) == 3);
    until(w, WAIT, d -> list(d, "window.h20.ren").size() >= 3 && list(d, "window.h20.es['storage.put']").size() >= 3);
    Thread.sleep(300); // a duplicate would have arrived by now

    List<String> put = list(w, "window.h20.es['storage.put']");
    List<String> created = list(w, "window.h20.es['storage.object.created']");
    List<String> updated = list(w, "window.h20.es['storage.object.updated']");
    assertEquals(3, put.size(), put.toString());
    assertEquals(2, created.size(), created.toString());
    assertEquals(1, updated.size(), updated.toString());
    // one id per change, shared by its two names
    assertEquals(List.of(put.get(0), put.get(1)), created);
    assertEquals(List.of(put.get(2)), updated);
    assertEquals(List.of("storage.put uploads/h20-a.txt", "storage.put uploads/h20-b.txt",
        "storage.put uploads/h20-a.txt"), list(w, "window.h20.ren"));

    // ren.js resuming from its last event id: nothing replayed twice, the next change once
    js(w, """
        const h = window.h20;
        const last = h.client.getLastEventId();
        h.client.close();
        h.client2 = new h.RenClient({ subscriptions: ['storage'], lastEventId: last });
        h.client2.on((e) => { if (e.r === 'storage') h.ren2.push(e.t + ' ' + e.k); });
        """);
    send(w, "DELETE", "uploads/h20-a.txt");
    until(w, WAIT, d -> done(d) == 4);
    until(w, WAIT, d -> !list(d, "window.h20.ren2").isEmpty()
        && list(d, "window.h20.es['storage.object.deleted']").size() == 1);
    Thread.sleep(300);
    assertEquals(List.of("storage.delete uploads/h20-a.txt"), list(w, "window.h20.ren2"));
    assertEquals(1, list(w, "window.h20.es['storage.delete']").size());

    // the inspector (ren.js, every type): one row per change of h20-a.txt
    until(w, WAIT, d -> inspectorRows(d, "h20-a.txt").size() == 3);
    Thread.sleep(200);
    assertEquals(List.of("storage.delete", "storage.put", "storage.put"), inspectorRows(w, "h20-a.txt"));
  }

  static List<String> inspectorRows(WebDriver w, String key) {
    return w.findElements(By.cssSelector("#insp-log li")).stream()
        .filter(li -> li.getText().contains(key))
        .map((WebElement li) -> li.getAttribute("data-type"))
        .toList();
  }
}
