package dev.ren.spring.boot.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Checks shared by the auto-configurations: a REN builder's refusal becomes a {@link RenStartupException}. */
final class Settings {

  private Settings() {}

  /** Runs a REN builder; its {@code IllegalArgumentException} (which names the setting) fails the startup. */
  static <T> T check(Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new RenStartupException("A ren.* setting is refused: " + e.getMessage(),
          "Change the setting named in the message (see the ren.* properties)");
    }
  }

  /** {@code ren.data-dir}, absolute and created; {@code who} names the store that needs it. */
  static Path dataDir(RenProperties properties, String who) {
    Path dir = properties.getDataDir();
    if (dir == null) {
      throw new RenStartupException(who + " keeps data on disk, but ren.data-dir is not set",
          "Set ren.data-dir to a directory (e.g. ren.data-dir=./ren-data), or define the store bean yourself");
    }
    Path abs = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(abs);
    } catch (IOException e) {
      throw new RenStartupException("ren.data-dir " + abs + " cannot be created: " + e,
          "Point ren.data-dir at a writable directory");
    }
    return abs;
  }

  /** {@code ren.redis.uri}, which the conditions found set. */
  static URI redisUri(RenProperties properties) {
    URI uri = properties.getRedis().getUri();
    if (uri == null) {
      throw new IllegalStateException("ren.redis.uri is not set");
    }
    return uri;
  }

  /** The URI without its user information (a password), for logs. */
  static String redacted(URI uri) {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }
}
