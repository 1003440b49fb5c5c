/**
 * Fixtures shared by the tests of every REN module: {@link dev.ren.testing.RecordingPublisher},
 * {@link dev.ren.testing.ManualClock}, {@link dev.ren.testing.Waits}, {@link dev.ren.testing.JettyTestServer},
 * {@link dev.ren.testing.SseTestClient} and {@link dev.ren.testing.TestJson}. Not published; test scope only.
 */
@NullMarked
package dev.ren.testing;

import org.jspecify.annotations.NullMarked;
