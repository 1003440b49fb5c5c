package dev.ren.servlet;

import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.http.RealtimeServlet;
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
      add(ctx, "ren-kv", new dev.ren.servlet.http.KvServlet(kv), "/api/kv/*");
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
