package dev.ren.servlet.dropin;

import dev.ren.servlet.db.DbServlet;
import dev.ren.servlet.kv.KvServlet;
import dev.ren.servlet.storage.StorageServlet;

import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.realtime.RealtimeServlet;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;

import java.nio.file.Path;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Registers the HTTP binding of every backend module on the classpath. Each binding lives in its own class and is
 * touched only after its module was found, so a WAR without, say, ren-db never loads a class that mentions it.
 *
 * <p>Thread-safety: called once per context during startup.
 */
final class Bindings {

  private Bindings() {}

  static void install(ServletContext ctx, RenHub hub, Path dataDir, List<AutoCloseable> owned) {
    Realtime realtime = existing(ctx, Realtime.class);
    if (realtime == null) {
      int history = RenInitializer.intParam(ctx, "ren.realtimeHistory", 100, 0, 100_000);
      Realtime.Builder b = Realtime.builder(hub);
      if (history > 0) {
        b.history("*", history);
      }
      realtime = b.build();
      owned.add(realtime);
      ctx.setAttribute(Realtime.class.getName(), realtime);
    }
    add(ctx, "ren-realtime", new RealtimeServlet(realtime), RealtimeServlet.PATH);
    if (present("dev.ren.kv.KvStore")) {
      Kv.install(ctx, hub, owned);
    }
    if (present("dev.ren.storage.BlobStore")) {
      Storage.install(ctx, hub, dataDir, owned);
    }
    if (present("dev.ren.db.DocumentStore")) {
      Db.install(ctx, hub, dataDir, owned);
    }
  }

  /** Only loaded when ren-db is on the classpath: H2 at {@code jdbc:h2:<dataDir>/ren}. */
  private static final class Db {
    static void install(ServletContext ctx, RenHub hub, Path dataDir, List<AutoCloseable> owned) {
      dev.ren.db.DocumentStore db = existing(ctx, dev.ren.db.DocumentStore.class);
      if (db == null) {
        db = dev.ren.db.DocumentStore.h2(dataDir, hub);
        owned.add(db);
        ctx.setAttribute(dev.ren.db.DocumentStore.class.getName(), db);
      }
      add(ctx, "ren-db", new dev.ren.servlet.db.DbServlet(db), dev.ren.servlet.db.DbServlet.PATH);
    }
  }

  /**
   * Only loaded when ren-storage is on the classpath: blobs under {@code dataDir/blobs}, a random presign secret
   * per start (put a {@code Presigner} built with a shared secret in the context for several nodes).
   */
  private static final class Storage {
    static void install(ServletContext ctx, RenHub hub, Path dataDir, List<AutoCloseable> owned) {
      dev.ren.storage.BlobStore store = existing(ctx, dev.ren.storage.BlobStore.class);
      if (store == null) {
        store = dev.ren.storage.BlobStore.fileSystem(dataDir.resolve("blobs"), hub);
        ctx.setAttribute(dev.ren.storage.BlobStore.class.getName(), store);
      }
      dev.ren.storage.Presigner presigner = existing(ctx, dev.ren.storage.Presigner.class);
      if (presigner == null) {
        presigner = dev.ren.storage.Presigner.create();
        ctx.setAttribute(dev.ren.storage.Presigner.class.getName(), presigner);
      }
      dev.ren.transform.TransformService transforms = existing(ctx, dev.ren.transform.TransformService.class);
      if (transforms == null) {
        transforms = dev.ren.transform.TransformService.builder(store, hub).build();
        owned.add(transforms);
        ctx.setAttribute(dev.ren.transform.TransformService.class.getName(), transforms);
      }
      add(ctx, "ren-storage", new dev.ren.servlet.storage.StorageServlet(store, presigner), "/api/storage",
          "/api/storage/*");
      add(ctx, "ren-transforms", new dev.ren.servlet.storage.TransformServlet(transforms), "/api/media/transforms/*");
    }
  }

  /** Only loaded when ren-kv is on the classpath. */
  private static final class Kv {
    static void install(ServletContext ctx, RenHub hub, List<AutoCloseable> owned) {
      dev.ren.kv.KvStore kv = existing(ctx, dev.ren.kv.KvStore.class);
      if (kv == null) {
        kv = dev.ren.kv.KvStore.inMemory(hub);
        owned.add(kv);
        ctx.setAttribute(dev.ren.kv.KvStore.class.getName(), kv);
      }
      add(ctx, "ren-kv", new dev.ren.servlet.kv.KvServlet(kv), "/api/kv/*");
    }
  }

  /** A store the application put in the context under its interface name, or null. */
  @SuppressWarnings("unchecked")
  static <T> @Nullable T existing(ServletContext ctx, Class<T> type) {
    Object o = ctx.getAttribute(type.getName());
    return type.isInstance(o) ? (T) o : null;
  }

  static void add(ServletContext ctx, String name, Servlet servlet, String... mappings) {
    ServletRegistration.Dynamic r = ctx.addServlet(name, servlet);
    r.setAsyncSupported(true);
    r.addMapping(mappings);
  }

  static boolean present(String className) {
    try {
      Class.forName(className, false, Bindings.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
