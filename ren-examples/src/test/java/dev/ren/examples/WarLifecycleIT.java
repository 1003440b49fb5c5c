package dev.ren.examples;

import dev.ren.testing.RenThreads;
import dev.ren.testing.SseTestClient;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Undeploying the WAR ends every thread REN started in it: the demo WAR is deployed, used through every binding,
 * and undeployed three times in one running Jetty, with the same data directory each time (so a database that was
 * not shut down would also lock the next deployment out).
 */
class WarLifecycleIT {

  static final Duration WAIT = Duration.ofSeconds(30);
  /** The REN threads the demo's traffic must have started (names up to their per-instance suffix). */
  static final List<String> EXPECTED = List.of("ren-sse-writer-", "ren-sse-heartbeat-", "ren-hub-dispatcher-",
      "ren-kv-expiry", "ren-realtime-expiry", "ren-transform-");

  @TempDir
  Path tmp;

  @Test
  void undeploy_threeTimesInOneJetty_leavesNoRenThread() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ContextHandlerCollection contexts = new ContextHandlerCollection();
    server.setHandler(contexts);
    server.start();
    try {
      URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
      Set<String> seen = new TreeSet<>();
      for (int round = 1; round <= 3; round++) {
        RenThreads threads = RenThreads.snapshot();
        WebAppContext app = WarDeploymentIT.jettyApp(tmp.resolve("jetty-" + round), tmp.resolve("data"));
        contexts.addHandler(app);
        app.start();
        ClassLoader webapp = app.getClassLoader();
        try (SseTestClient c = SseTestClient.open(base.resolve("/api/maravilla/ren?s=*"))) {
          assertEquals(200, c.status(), "round " + round);
          c.next("ren.meta", DemoTraffic.WAIT);
          new DemoTraffic(base).writeThroughEveryBinding(c, "round" + round);
          List<String> running = threads.started();
          for (String family : EXPECTED) {
            assertTrue(running.stream().anyMatch(n -> n.startsWith(family)),
                "round " + round + ": traffic should have started a " + family + " thread; running: " + running);
          }
          seen.addAll(running);
        }
        app.stop();
        contexts.removeHandler(app);
        app.destroy();

        threads.awaitNoneLeft(WAIT);
        assertEquals(List.of(), threads.startedWith(webapp),
            "round " + round + ": threads started by the undeployed application are still alive");
      }
      System.out.println("REN threads seen while the WAR ran: " + seen);
    } finally {
      server.stop();
    }
  }
}
