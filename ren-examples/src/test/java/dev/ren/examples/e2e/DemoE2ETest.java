package dev.ren.examples.e2e;

import dev.ren.examples.DemoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * Shared set-up of the browser tests: a demo server on an ephemeral port with its data in a temp directory, and
 * the browsers a test opens, screenshotted and closed after every test (on success and failure alike).
 */
@Tag("e2e")
abstract class DemoE2ETest {

  @TempDir
  Path data;

  DemoServer demo;
  final Browsers browsers = new Browsers();

  @BeforeEach
  void start() throws Exception {
    Browsers.requireChromium();
    demo = new DemoServer(DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1", "--data", data.toString()))
        .start();
  }

  @AfterEach
  void stop(TestInfo info) throws Exception {
    try {
      browsers.close(getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName());
    } finally {
      demo.close();
    }
  }
}
