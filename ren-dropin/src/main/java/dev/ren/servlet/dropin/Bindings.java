package dev.ren.servlet.dropin;

import dev.ren.hub.RenHub;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.jspecify.annotations.Nullable;

import java.nio.file.Path;

/**
 * Registers the HTTP bindings named in {@code ren.bindings}. Each binding lives in its own nested class, touched
 * only once {@link Binding#checkPresent} found its module, so a WAR without, say, ren-db never loads a class that
 * mentions it.
 *
 * <p>A store the application put in the context under its interface name ({@code dev.ren.kv.KvStore}, ...) is
 * used as it is and left to the application to close; otherwise a default is created, published under that name
 * and closed with the context.
 *
 * <p>Thread-safety: called once per context during startup.
 */
final class Bindings {

  private static final System.Logger LOG = System.getLogger(Bindings.class.getName());

  private Bindings() {}

  static void install(DropinSettings settings, ServletContext ctx, RenHub hub, Registrar registrar, Owned owned)
      throws ServletException {
    Env env = new Env(settings, ctx, hub, registrar, owned);
    // enum order, whatever the order in ren.bindings: every deployment creates (and closes) in the same order
    for (Binding b : settings.bindings()) {
      switch (b) {
        case KV -> Kv.install(env);
        case DB -> Db.install(env);
        case STORAGE -> Storage.install(env);
        case TRANSFORMS -> Transforms.install(env);
        case REALTIME -> Realtime.install(env);
        default -> throw new AssertionError(b);
      }
    }
  }

  /** What every binding's installer needs. */
  private record Env(DropinSettings settings, ServletContext ctx, RenHub hub, Registrar registrar, Owned owned) {

    /** The data directory; its presence was checked before anything was created. */
    Path dataDir() {
      Path dir = settings.dataDir();
      if (dir == null) {
        throw new IllegalStateException(DropinSettings.DATA_DIR + " is not set");
      }
      return dir;
    }

    /** The store the application put in the context under {@code type}'s name, or null. */
    <T> @Nullable T existing(Class<T> type) throws ServletException {
      Object o = ctx.getAttribute(type.getName());
      if (o == null) {
        return null;
      }
      if (!type.isInstance(o)) {
        throw new ServletException("context attribute " + type.getName() + " holds a " + o.getClass().getName()
            + ", which is not a " + type.getName() + " of this web application's class loader");
      }
      return type.cast(o);
    }
  }

  /** In-memory KV (Caffeine), closed with the context. */
  private static final class Kv {
    static void install(Env env) throws ServletException {
      dev.ren.kv.KvStore kv = env.existing(dev.ren.kv.KvStore.class);
      if (kv == null) {
        kv = env.owned().attribute(dev.ren.kv.KvStore.class,
            env.owned().closeWithContext(dev.ren.kv.KvStore.inMemory(env.hub())));
      }
      env.registrar().servlet("ren-kv", new dev.ren.servlet.kv.KvServlet(kv), "/api/kv/*");
    }
  }

  /** H2 at {@code jdbc:h2:<ren.dataDir>/ren}, shut down with the context. */
  private static final class Db {
    static void install(Env env) throws ServletException {
      dev.ren.db.DocumentStore db = env.existing(dev.ren.db.DocumentStore.class);
      if (db == null) {
        db = env.owned().attribute(dev.ren.db.DocumentStore.class,
            env.owned().closeWithContext(dev.ren.db.DocumentStore.h2(env.dataDir(), env.hub())));
      }
      env.registrar().servlet("ren-db", new dev.ren.servlet.db.DbServlet(db), dev.ren.servlet.db.DbServlet.PATH);
    }
  }

  /**
   * Blobs under {@code <ren.dataDir>/blobs} and a random presign secret per start (put a {@code Presigner} built
   * with a shared secret in the context for several nodes).
   */
  private static final class Storage {
    static void install(Env env) throws ServletException {
      dev.ren.storage.BlobStore store = blobStore(env);
      dev.ren.storage.Presigner presigner = env.existing(dev.ren.storage.Presigner.class);
      if (presigner == null) {
        presigner = env.owned().attribute(dev.ren.storage.Presigner.class, dev.ren.storage.Presigner.create());
      }
      env.registrar().servlet("ren-storage", new dev.ren.servlet.storage.StorageServlet(store, presigner),
          "/api/storage", "/api/storage/*");
    }

    /** The application's blob store, or the one this context created (shared by storage and transforms). */
    static dev.ren.storage.BlobStore blobStore(Env env) throws ServletException {
      dev.ren.storage.BlobStore store = env.existing(dev.ren.storage.BlobStore.class);
      if (store == null) {
        // a file-system store holds no thread and nothing to close
        store = env.owned().attribute(dev.ren.storage.BlobStore.class,
            dev.ren.storage.BlobStore.fileSystem(env.dataDir().resolve("blobs"), env.hub()));
      }
      return store;
    }
  }

  /** Media transforms on the blob store; the worker pool is shut down with the context. */
  private static final class Transforms {
    static void install(Env env) throws ServletException {
      dev.ren.transform.TransformService transforms = env.existing(dev.ren.transform.TransformService.class);
      if (transforms == null) {
        dev.ren.storage.BlobStore store = Storage.blobStore(env);
        dev.ren.transform.TransformService created = env.owned().closeWithContext(
            dev.ren.transform.TransformService.builder(store, env.hub()).build());
        transforms = env.owned().attribute(dev.ren.transform.TransformService.class, created);
      }
      env.registrar().servlet("ren-transforms", new dev.ren.servlet.storage.TransformServlet(transforms),
          "/api/media/transforms/*");
    }
  }

  /**
   * Channels and presence on the hub, with {@code ren.realtimeHistory} messages kept per channel and
   * {@code ren.realtimePublishRate} messages per caller.
   */
  private static final class Realtime {
    static void install(Env env) throws ServletException {
      dev.ren.realtime.Realtime realtime = env.existing(dev.ren.realtime.Realtime.class);
      if (realtime == null) {
        dev.ren.realtime.Realtime.Builder b = dev.ren.realtime.Realtime.builder(env.hub());
        int history = env.settings().realtimeHistory();
        if (history > 0) {
          b.history("*", history);
        }
        realtime = env.owned().attribute(dev.ren.realtime.Realtime.class,
            env.owned().closeWithContext(b.build()));
      }
      DropinSettings.PublishRate rate = env.settings().publishRate();
      dev.ren.servlet.realtime.RealtimeServlet.PublishRate publishRate =
          new dev.ren.servlet.realtime.RealtimeServlet.PublishRate(rate.perSecond(), rate.burst());
      dev.ren.servlet.security.RenSecurity security =
          dev.ren.servlet.security.RenSecurity.find(env.ctx()).orElse(null);
      if (security == null) {
        env.registrar().servlet("ren-realtime", new dev.ren.servlet.realtime.RealtimeServlet(realtime, null,
            publishRate), dev.ren.servlet.realtime.RealtimeServlet.PATH);
        return;
      }
      // one RealtimeCalls for both transports: one mechanism, one publish rate bucket per caller
      dev.ren.servlet.realtime.RealtimeCalls calls =
          new dev.ren.servlet.realtime.RealtimeCalls(realtime, security, publishRate);
      env.registrar().servlet("ren-realtime", new dev.ren.servlet.realtime.RealtimeServlet(calls),
          dev.ren.servlet.realtime.RealtimeServlet.PATH);
      if (webSocketAvailable(env.ctx())) {
        RealtimeWebSocket.install(env, calls);
      } else {
        LOG.log(System.Logger.Level.DEBUG, "realtime over WebSocket (" + WEBSOCKET_SERVLET + ") not mounted: "
            + "ren-websocket-realtime or the container's Jakarta WebSocket (ServerContainer) is missing");
      }
    }

    private static final String WEBSOCKET_SERVLET = "dev.ren.websocket.realtime.RealtimeWebSocketServlet";

    /** ren-websocket-realtime is in the application and the container installed Jakarta WebSocket here. */
    private static boolean webSocketAvailable(ServletContext ctx) {
      if (ctx.getAttribute("jakarta.websocket.server.ServerContainer") == null) {
        return false;
      }
      try {
        Class.forName(WEBSOCKET_SERVLET, false, Bindings.class.getClassLoader());
        return true;
      } catch (ClassNotFoundException | LinkageError e) {
        return false;
      }
    }
  }

  /** The WebSocket transport of realtime at {@code /_rt/ws}; loaded only when its module is present. */
  private static final class RealtimeWebSocket {
    static void install(Env env, dev.ren.servlet.realtime.RealtimeCalls calls) throws ServletException {
      env.registrar().servlet("ren-realtime-ws",
          dev.ren.websocket.realtime.RealtimeWebSocketServlet.builder(env.hub(), calls).build(),
          dev.ren.websocket.realtime.RealtimeWebSocketServlet.PATH);
    }
  }
}
