package dev.ren.spring.boot.autoconfigure;

import dev.ren.servlet.security.RenSecurity;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The startup checks of the web configuration, run before any REN servlet exists, each failing with a
 * {@link RenStartupException} that says what to do: a stream or WebSocket path that is no path, a binding named
 * without its module (naming the artifact), {@code ren.redis.uri} without {@code ren-redis}, and bindings without an
 * access policy (REN is secure by default, as in the drop-in).
 *
 * <p>Thread-safety: immutable.
 */
public final class RenSetupCheck {

  private static final System.Logger LOG = System.getLogger(RenSetupCheck.class.getName());
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.-]+)+");

  /** The message when bindings are named and no access is configured; says both ways out. */
  public static final String NOT_CONFIGURED = "REN bindings are installed (ren.bindings=%s) but no access policy is "
      + "configured";
  /** What to do about {@link #NOT_CONFIGURED}. */
  public static final String NOT_CONFIGURED_ACTION = "Define an AccessPolicy bean (for example AccessRules.builder()"
      + ".read(\"*\", \"*\", \"read\", \"write\").write(\"*\", \"*\", \"write\").admin(\"admin\").build()) or a "
      + "RenSecurity bean, or run open on purpose with ren.access=open, which lets anyone read and write everything";

  private final Set<RenBinding> bindings;

  private RenSetupCheck(Set<RenBinding> bindings) {
    this.bindings = bindings;
  }

  static RenSetupCheck run(RenProperties properties, @Nullable RenSecurity security, ClassLoader loader) {
    String path = properties.getPath();
    if (!PATH.matcher(path).matches()) {
      throw new RenStartupException("ren.path '" + path + "' is not an absolute path",
          "Set ren.path to a path like /api/maravilla/ren");
    }
    String wsPath = properties.getRealtimeWsPath();
    if (!PATH.matcher(wsPath).matches()) {
      throw new RenStartupException("ren.realtime-ws-path '" + wsPath + "' is not an absolute path",
          "Set ren.realtime-ws-path to a path like /_rt/ws (where the Maravilla realtime client connects)");
    }
    Set<RenBinding> bindings = properties.getBindings().isEmpty() ? EnumSet.noneOf(RenBinding.class)
        : EnumSet.copyOf(properties.getBindings());
    for (RenBinding b : bindings) {
      if (!b.present(loader)) {
        throw new RenStartupException("ren.bindings names " + name(b) + ", but " + b.servletClass()
            + " is not on the classpath", "Add the dependency dev.ren:" + b.artifact());
      }
    }
    if (properties.getRedis().getUri() != null && !present("dev.ren.redis.RedisEventLog", loader)) {
      throw new RenStartupException("ren.redis.uri is set, but the Redis event log (dev.ren.redis.RedisEventLog) "
          + "is not on the classpath", "Add the dependency dev.ren:ren-redis, or remove ren.redis.uri");
    }
    if (properties.getAccess() == RenProperties.AccessMode.OPEN && security != null && !security.isOpen()) {
      throw new RenStartupException("ren.access=open is set and the application defines a RenSecurity bean ("
          + security + ") that is not open, which open mode would not apply to",
          "Configure access in one place: remove ren.access=open, or the RenSecurity bean");
    }
    if (!bindings.isEmpty() && security == null) {
      throw new RenStartupException(String.format(NOT_CONFIGURED, names(bindings)), NOT_CONFIGURED_ACTION);
    }
    if (!bindings.isEmpty()) {
      LOG.log(Level.INFO, "REN bindings " + names(bindings) + " with " + security);
    }
    return new RenSetupCheck(bindings);
  }

  /** The bindings that are mounted. */
  public Set<RenBinding> bindings() {
    return bindings.isEmpty() ? Set.of() : EnumSet.copyOf(bindings);
  }

  private static boolean present(String className, ClassLoader loader) {
    try {
      Class.forName(className, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static String name(RenBinding b) {
    return b.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String names(Set<RenBinding> bindings) {
    StringBuilder sb = new StringBuilder();
    for (RenBinding b : bindings) {
      sb.append(sb.length() == 0 ? "" : ",").append(name(b));
    }
    return sb.toString();
  }
}
