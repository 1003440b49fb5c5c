package dev.ren.servlet.dropin;

import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Drop-in registration: putting this module's jar in {@code WEB-INF/lib} is the opt-in. The container runs this
 * initializer, which registers the SSE stream and the client-id filter, and the HTTP bindings named in the
 * context parameter {@code ren.bindings} (only those: with none named the application gets the stream alone).
 * Settings are context init parameters ({@code <context-param>} in web.xml, or {@code setInitParameter} on an
 * embedded context):
 *
 * <table>
 *   <caption>Context parameters</caption>
 *   <tr><td>{@code ren.bindings}</td><td>comma-separated, from {@code kv, db, storage, transforms, realtime};
 *       default none (the stream only). Each binding needs its module in the WAR: {@code ren-servlet-kv},
 *       {@code ren-servlet-db}, {@code ren-servlet-storage} (storage and transforms),
 *       {@code ren-servlet-realtime}</td></tr>
 *   <tr><td>{@code ren.dataDir}</td><td>absolute directory for H2 ({@code <dir>/ren.mv.db}) and blobs
 *       ({@code <dir>/blobs}); required when {@code db}, {@code storage} or {@code transforms} is named and the
 *       application did not provide that store. There is no default.</td></tr>
 *   <tr><td>{@code ren.path}</td><td>stream path, default {@code /api/maravilla/ren}</td></tr>
 *   <tr><td>{@code ren.heartbeatSeconds}</td><td>default 15</td></tr>
 *   <tr><td>{@code ren.history}</td><td>events kept for resume, default 65536</td></tr>
 *   <tr><td>{@code ren.maxStreams}</td><td>default 10000</td></tr>
 *   <tr><td>{@code ren.cors}</td><td>comma-separated exact origins, default none</td></tr>
 *   <tr><td>{@code ren.realtimeHistory}</td><td>messages kept per realtime channel, default 100 (0 = none)</td></tr>
 *   <tr><td>{@code ren.realtimePublishRate}</td><td>realtime messages one caller (user, else address) may publish:
 *       {@code PER_SECOND[/BURST]}, default {@code 20/40}; over it {@code 429} with {@code Retry-After}</td></tr>
 *   <tr><td>{@code ren.errorPage}</td><td>a path (e.g. {@code /ren-error}) where {@link JsonErrorServlet} is
 *       mapped, for the application's {@code <error-page><location>}: the container's own errors (404, 400, 500)
 *       then answer REN's JSON error instead of an HTML page; default none</td></tr>
 *   <tr><td>{@code ren.access}</td><td>{@code open}: everyone may read and write everything (logged as a
 *       warning); {@code container}: the container's principal and roles, checked against
 *       {@code ren.access.rules}. Not set: the {@code RenSecurity} the application put in the context attribute
 *       {@code dev.ren.servlet.security.RenSecurity} before this initializer runs; with neither, a deployment that
 *       names bindings fails (secure by default), and the stream alone runs without access control</td></tr>
 *   <tr><td>{@code ren.access.rules}</td><td>with {@code ren.access=container}: one rule per line or separated by
 *       {@code ;}: {@code read|write|readwrite <domain> <namespace> <roles>}, {@code owned <domain> <namespace>},
 *       {@code admin <roles>}; roles comma-separated, {@code *authenticated} and {@code *anyone} as placeholders;
 *       {@code #} comments (see {@code AccessRulesText})</td></tr>
 *   <tr><td>{@code ren.tenantHeader}</td><td>a request header that names the caller's tenant, trusted as is: only
 *       behind a gateway that sets it and strips any the client sent; default none (the default tenant)</td></tr>
 *   <tr><td>{@code ren.maxStreamsPerCaller}</td><td>streams one caller may hold (per user; per remote address when
 *       anonymous, so behind a proxy all anonymous viewers share it); default 32</td></tr>
 *   <tr><td>{@code ren.enabled}</td><td>{@code false} is an off switch for a deployer who cannot take the jar out
 *       of the WAR (the container can override a context parameter); default {@code true}</td></tr>
 * </table>
 *
 * <p>The deployment fails (this method throws, naming the problem) rather than starting without what was asked
 * for: an unknown {@code ren.*} parameter or binding name, a bad value, a named binding whose module is missing
 * (the message names the artifact), a servlet or filter name or URL pattern already taken in the context, or a
 * store that needs {@code ren.dataDir} when it is not set; with bindings named and no access configured
 * ({@code RenSecurity.NOT_CONFIGURED} says how); on {@code ren.access} other than {@code open} or
 * {@code container}, {@code container} without rules, rules without {@code container}, a rule that does not parse
 * (the message names it), a {@code ren.tenantHeader} that is no header name, and REN access parameters beside an
 * application {@code RenSecurity} (they would be ignored).
 *
 * <p>An application that builds its own hub or stores puts them in context attributes named after their type
 * ({@link RenServlet#HUB_ATTRIBUTE}, {@code dev.ren.kv.KvStore}, {@code dev.ren.db.DocumentStore},
 * {@code dev.ren.storage.BlobStore}, {@code dev.ren.storage.Presigner},
 * {@code dev.ren.transform.TransformService}, {@code dev.ren.realtime.Realtime}) before the context starts; they
 * are used as given and left to the application to close. What this initializer creates it also closes, in reverse
 * order, when the context is destroyed, so no REN thread outlives an undeployed application.

 *
 * <pre>{@code
 * <context-param><param-name>ren.bindings</param-name><param-value>kv,realtime</param-value></context-param>
 * }</pre>
 *
 * <p>Access: with bindings named, the deployment needs a policy ({@code ren.access}, or an application
 * {@code RenSecurity}); the stream and every binding then authenticate each request and ask the policy about every
 * operation and every event delivered. With {@code ren.access=container} the container authenticates: give the
 * application a {@code <login-config>} and {@code <security-constraint>}s (or Jakarta Security). A
 * {@code RenSecurity} installed by a {@code ServletContextListener} comes too late for this check; set it from an
 * initializer that runs first, or on the embedded context before it starts.
 *
 * <pre>{@code
 * <context-param><param-name>ren.access</param-name><param-value>container</param-value></context-param>
 * <context-param><param-name>ren.access.rules</param-name><param-value>
 *   read  kv todos reader,writer
 *   write kv todos writer
 *   admin admin
 * </param-value></context-param>
 * }</pre>
 *
 * <p>Thread-safety: called once per context by the container.
 */
public final class RenInitializer implements ServletContainerInitializer {

  private static final System.Logger LOG = System.getLogger(RenInitializer.class.getName());

  private final ClassLoader loader;

  /** The form the container instantiates (listed in {@code META-INF/services}). */
  public RenInitializer() {
    this(RenInitializer.class.getClassLoader());
  }

  /** Looks for the binding modules through {@code loader} (tests hide a module with it). */
  RenInitializer(ClassLoader loader) {
    this.loader = loader;
  }

  @Override
  public void onStartup(@Nullable Set<Class<?>> classes, ServletContext ctx) throws ServletException {
    if (!DropinSettings.enabled(ctx)) {
      LOG.log(Level.INFO, "REN registration in context '" + ctx.getContextPath() + "' turned off by "
          + DropinSettings.ENABLED + "=false");
      return;
    }
    DropinSettings settings = DropinSettings.parse(ctx);
    for (Binding b : settings.bindings()) {
      b.checkPresent(loader);
    }
    checkDataDir(settings, ctx);
    Owned owned = new Owned(ctx);
    RenHub hub;
    try {
      // before any servlet exists: every binding and the stream find it in the context when they start
      settings.access().resolve(ctx, !settings.bindings().isEmpty(), owned);
      hub = register(settings, ctx, owned);
      ctx.addListener(owned);
    } catch (ServletException | RuntimeException e) {
      owned.closeAll();
      throw e;
    }
    LOG.log(Level.INFO, "REN registered at " + ctx.getContextPath() + settings.path() + " (hub " + hub.nodeId()
        + ", bindings " + settings.bindings() + ")");
  }

  private static RenHub register(DropinSettings settings, ServletContext ctx, Owned owned) throws ServletException {
    Object given = ctx.getAttribute(RenServlet.HUB_ATTRIBUTE);
    RenHub hub;
    if (given == null) {
      RenHub created = owned.closeWithContext(RenHub.builder().capacity(settings.history())
          .storageEventNames(settings.storageEventNames()).build());
      hub = owned.attribute(RenHub.class, created);
    } else if (given instanceof RenHub h) {
      hub = h;
    } else {
      throw new ServletException("context attribute " + RenServlet.HUB_ATTRIBUTE + " holds a "
          + given.getClass().getName() + ", which is not a RenHub of this web application's class loader");
    }
    Registrar registrar = new Registrar(ctx);
    String path = settings.path();
    registrar.filter("ren-client", new RenClientFilter(settings.cors()), "/api/*", path, path + "/*");
    // the servlet starts its writer pool and heartbeat thread in init() and stops them in destroy()
    RenServletConfig config = RenServletConfig.builder()
        .heartbeat(settings.heartbeat())
        .maxStreams(settings.maxStreams())
        .build();
    registrar.servlet("ren-stream", new RenServlet(hub, config), path, path + "/*");
    Bindings.install(settings, ctx, hub, registrar, owned);
    String errorPage = settings.errorPage();
    if (errorPage != null) {
      registrar.servlet("ren-error", new JsonErrorServlet(), errorPage);
    }
    return hub;
  }

  /** No silent fallback (such as java.io.tmpdir): a binding that keeps data on disk needs an explicit directory. */
  private static void checkDataDir(DropinSettings settings, ServletContext ctx) throws ServletException {
    List<String> needing = new ArrayList<>();
    for (Binding b : settings.bindings()) {
      if (b.needsDataDir(ctx)) {
        needing.add(b.id());
      }
    }
    if (needing.isEmpty()) {
      return;
    }
    Path dir = settings.dataDir();
    if (dir == null) {
      throw new ServletException(DropinSettings.BINDINGS + " names " + String.join(", ", needing) + ", which keep "
          + "data on disk, but " + DropinSettings.DATA_DIR + " is not set: set the context parameter "
          + DropinSettings.DATA_DIR + " to an absolute directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ServletException(DropinSettings.DATA_DIR + " " + dir + " cannot be created: " + e, e);
    }
  }
}
