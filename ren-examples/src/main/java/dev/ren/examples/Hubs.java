package dev.ren.examples;

import dev.ren.hub.RenHub;

/** Builds the demo's hub: in-process by default, on Redis Streams with {@code --redis}. */
final class Hubs {

  private Hubs() {}

  static RenHub create(DemoServer.Options options) {
    if (options.redis() != null) {
      throw new IllegalArgumentException("--redis needs the ren-redis module, which this build does not include yet");
    }
    return RenHub.builder().capacity(options.history()).build();
  }
}
