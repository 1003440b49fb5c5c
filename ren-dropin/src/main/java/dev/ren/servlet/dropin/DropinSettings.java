package dev.ren.servlet.dropin;

import dev.ren.hub.StorageEventNames;
import dev.ren.internal.Printable;
import dev.ren.servlet.Cors;
import dev.ren.servlet.RenServlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.jspecify.annotations.Nullable;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The drop-in's context parameters, read and checked before anything is created: a bad value, an unknown
 * {@code ren.*} name (a typo would otherwise be ignored) or an unknown binding fails the deployment with a message
 * naming it.
 *
 * <p>Thread-safety: immutable.
 */
record DropinSettings(String path, Duration heartbeat, int history, int maxStreams, Cors cors,
                      @Nullable Path dataDir, int realtimeHistory, PublishRate publishRate, Set<Binding> bindings,
                      @Nullable String errorPage, DropinAccess access, StorageEventNames storageEventNames) {

  static final String ENABLED = "ren.enabled";
  static final String BINDINGS = "ren.bindings";
  static final String PATH = "ren.path";
  static final String HEARTBEAT = "ren.heartbeatSeconds";
  static final String HISTORY = "ren.history";
  static final String MAX_STREAMS = "ren.maxStreams";
  static final String CORS = "ren.cors";
  static final String DATA_DIR = "ren.dataDir";
  static final String REALTIME_HISTORY = "ren.realtimeHistory";
  static final String PUBLISH_RATE = "ren.realtimePublishRate";
  private static final Pattern RATE = Pattern.compile("\\s*(\\d{1,7})\\s*(?:/\\s*(\\d{1,7})\\s*)?");
  static final String ERROR_PAGE = "ren.errorPage";
  /** {@code table}, {@code object} or {@code both} (default): see {@link StorageEventNames}. */
  static final String STORAGE_EVENT_NAMES = "ren.storageEventNames";

  private static final List<String> KNOWN = List.of(ENABLED, BINDINGS, PATH, HEARTBEAT, HISTORY, MAX_STREAMS, CORS,
      DATA_DIR, REALTIME_HISTORY, PUBLISH_RATE, ERROR_PAGE, DropinAccess.ACCESS, DropinAccess.RULES,
      DropinAccess.TENANT_HEADER, DropinAccess.MAX_STREAMS_PER_CALLER, STORAGE_EVENT_NAMES);

  DropinSettings {
    bindings = Collections.unmodifiableSet(bindings.isEmpty() ? EnumSet.noneOf(Binding.class)
        : EnumSet.copyOf(bindings));
  }

  /**
   * Whether REN is to be registered at all: {@code ren.enabled} is the off switch, and the other settings are not
   * read when it is off. A misspelt {@code ren.*} name fails even then (it may be the switch itself).
   */
  static boolean enabled(ServletContext ctx) throws ServletException {
    Set<String> unknown = new TreeSet<>();
    for (String name : Collections.list(ctx.getInitParameterNames())) {
      if (name.startsWith("ren.") && !KNOWN.contains(name)) {
        unknown.add(Printable.of(name));
      }
    }
    if (!unknown.isEmpty()) {
      throw new ServletException("unknown REN context parameter(s) " + unknown + "; known: " + KNOWN);
    }
    return switch (param(ctx, ENABLED, "true").toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ServletException(ENABLED + " must be true or false, was '"
          + Printable.of(ctx.getInitParameter(ENABLED)) + "'");
    };
  }

  /** Reads and checks every other parameter. */
  static DropinSettings parse(ServletContext ctx) throws ServletException {
    String path = checkPath(PATH, param(ctx, PATH, RenServlet.DEFAULT_PATH), RenServlet.DEFAULT_PATH);
    String errorPage = param(ctx, ERROR_PAGE, "");
    String errorPath = errorPage.isEmpty() ? null : checkPath(ERROR_PAGE, errorPage, "/ren-error");
    int heartbeat = intParam(ctx, HEARTBEAT, 15, 1, 600);
    int history = intParam(ctx, HISTORY, 65_536, 2, 1 << 24);
    int maxStreams = intParam(ctx, MAX_STREAMS, 10_000, 1, 10_000_000);
    Cors cors;
    try {
      cors = Cors.parse(param(ctx, CORS, ""));
    } catch (IllegalArgumentException e) {
      throw new ServletException(CORS + ": " + e.getMessage(), e);
    }
    int realtimeHistory = intParam(ctx, REALTIME_HISTORY, 100, 0, 100_000);
    return new DropinSettings(path, Duration.ofSeconds(heartbeat), history, maxStreams, cors, dataDir(ctx),
        realtimeHistory, publishRate(ctx), bindings(ctx), errorPath, DropinAccess.parse(ctx), storageEventNames(ctx));
  }

  /** {@code ren.storageEventNames}: {@code table}, {@code object} or {@code both}. */
  private static StorageEventNames storageEventNames(ServletContext ctx) throws ServletException {
    String v = param(ctx, STORAGE_EVENT_NAMES, "both").toLowerCase(Locale.ROOT);
    return switch (v) {
      case "table" -> StorageEventNames.TABLE;
      case "object" -> StorageEventNames.OBJECT;
      case "both" -> StorageEventNames.BOTH;
      default -> throw new ServletException(STORAGE_EVENT_NAMES + " must be table, object or both, was '"
          + Printable.of(ctx.getInitParameter(STORAGE_EVENT_NAMES)) + "'");
    };
  }

  /**
   * Realtime messages one caller may publish: {@code perSecond} refilled, bursts of {@code burst} (kept here as
   * numbers, since the realtime binding may be absent from the classpath).
   */
  record PublishRate(int perSecond, int burst) {
    static final PublishRate DEFAULT = new PublishRate(20, 40);
  }

  /** {@code ren.realtimePublishRate}: {@code PER_SECOND[/BURST]}, each in [1, 1,000,000]; burst defaults to 2x. */
  private static PublishRate publishRate(ServletContext ctx) throws ServletException {
    String v = ctx.getInitParameter(PUBLISH_RATE);
    if (v == null || v.isBlank()) {
      return PublishRate.DEFAULT;
    }
    Matcher m = RATE.matcher(v);
    if (!m.matches()) {
      throw new ServletException(PUBLISH_RATE + " must be PER_SECOND or PER_SECOND/BURST (e.g. 20/40), was '"
          + Printable.of(v) + "'");
    }
    int perSecond = Integer.parseInt(m.group(1));
    int burst = m.group(2) != null ? Integer.parseInt(m.group(2)) : (int) Math.min(1_000_000L, 2L * perSecond);
    if (perSecond < 1 || perSecond > 1_000_000 || burst < 1 || burst > 1_000_000) {
      throw new ServletException(PUBLISH_RATE + ": messages per second and burst must be in [1, 1000000], was '"
          + Printable.of(v) + "'");
    }
    return new PublishRate(perSecond, burst);
  }

  private static String checkPath(String name, String path, String example) throws ServletException {
    if (!path.matches("(/[A-Za-z0-9_.-]+)+")) {
      throw new ServletException(name + " '" + Printable.of(path) + "' must be an absolute path like " + example);
    }
    return path;
  }

  private static @Nullable Path dataDir(ServletContext ctx) throws ServletException {
    String v = ctx.getInitParameter(DATA_DIR);
    if (v == null || v.isBlank()) {
      return null;
    }
    Path p;
    try {
      p = Path.of(v.trim());
    } catch (InvalidPathException e) {
      throw new ServletException(DATA_DIR + " '" + Printable.of(v) + "' is not a path: " + e.getMessage(), e);
    }
    if (!p.isAbsolute()) {
      // a relative directory would depend on the container's working directory
      throw new ServletException(DATA_DIR + " must be an absolute path, was '" + Printable.of(v) + "'");
    }
    return p;
  }

  private static Set<Binding> bindings(ServletContext ctx) throws ServletException {
    String v = param(ctx, BINDINGS, "");
    Set<Binding> named = EnumSet.noneOf(Binding.class);
    if (v.isEmpty()) {
      return named;
    }
    for (String id : v.split("\\s*,\\s*", -1)) {
      if (id.isEmpty()) {
        throw new ServletException(BINDINGS + " '" + Printable.of(v) + "' has an empty name; write names like "
            + "kv,db,realtime");
      }
      Binding b = Binding.of(id);
      if (!named.add(b)) {
        throw new ServletException(BINDINGS + " names " + b.id() + " twice");
      }
    }
    return named;
  }

  private static String param(ServletContext ctx, String name, String fallback) {
    String v = ctx.getInitParameter(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  private static int intParam(ServletContext ctx, String name, int fallback, int min, int max)
      throws ServletException {
    String v = ctx.getInitParameter(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new ServletException(name + " must be an integer, was '" + Printable.of(v) + "'", e);
    }
    if (n < min || n > max) {
      throw new ServletException(name + " must be in [" + min + ", " + max + "], was " + n);
    }
    return n;
  }
}
