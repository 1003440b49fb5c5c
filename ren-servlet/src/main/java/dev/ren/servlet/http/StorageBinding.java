package dev.ren.servlet.http;

import dev.ren.RenPublisher;
import dev.ren.storage.BlobStore;
import dev.ren.storage.Presigner;
import dev.ren.transform.TransformService;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import org.jspecify.annotations.Nullable;

import java.nio.file.Path;
import java.util.List;

/**
 * Drop-in registration of the storage and media-transform bindings. Uses a {@link BlobStore},
 * {@link Presigner} or {@link TransformService} the application put in the context under its class name, and
 * otherwise creates one (blobs under {@code dataDir/blobs}, a random presign secret), handing what it created to
 * {@code owned} for closing. Maps {@link StorageServlet} at {@code /api/storage} and {@code /api/storage/*},
 * {@link TransformServlet} at {@code /api/media/transforms/*}. The container must accept {@code %2F} in paths
 * for keys sent as one encoded segment.
 *
 * <pre>{@code
 * if (Bindings.present("dev.ren.storage.BlobStore")) {
 *   StorageBinding.install(ctx, hub, dataDir, owned);
 * }
 * }</pre>
 *
 * <p>Thread-safety: call once per context during startup.
 */
public final class StorageBinding {

  private StorageBinding() {}

  public static void install(ServletContext ctx, RenPublisher publisher, Path dataDir, List<AutoCloseable> owned) {
    BlobStore store = existing(ctx, BlobStore.class);
    if (store == null) {
      store = BlobStore.fileSystem(dataDir.resolve("blobs"), publisher);
      ctx.setAttribute(BlobStore.class.getName(), store);
    }
    Presigner presigner = existing(ctx, Presigner.class);
    if (presigner == null) {
      presigner = Presigner.create();
      ctx.setAttribute(Presigner.class.getName(), presigner);
    }
    TransformService transforms = existing(ctx, TransformService.class);
    if (transforms == null) {
      transforms = TransformService.builder(store, publisher).build();
      owned.add(transforms);
      ctx.setAttribute(TransformService.class.getName(), transforms);
    }
    add(ctx, "ren-storage", new StorageServlet(store, presigner), "/api/storage", "/api/storage/*");
    add(ctx, "ren-transforms", new TransformServlet(transforms), "/api/media/transforms/*");
  }

  @SuppressWarnings("unchecked")
  private static <T> @Nullable T existing(ServletContext ctx, Class<T> type) {
    Object o = ctx.getAttribute(type.getName());
    return type.isInstance(o) ? (T) o : null;
  }

  private static void add(ServletContext ctx, String name, jakarta.servlet.Servlet servlet, String... mappings) {
    ServletRegistration.Dynamic r = ctx.addServlet(name, servlet);
    r.setAsyncSupported(true);
    r.addMapping(mappings);
  }
}
