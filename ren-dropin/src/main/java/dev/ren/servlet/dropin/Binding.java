package dev.ren.servlet.dropin;

import dev.ren.internal.Printable;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

/**
 * The HTTP bindings a deployment can name in {@code ren.bindings}, each with the classes that must be on the
 * classpath for it and the artifact that brings them. Checking is done by name, without loading anything, so a
 * WAR that lacks a module gets a message naming the artifact instead of a {@code NoClassDefFoundError}.
 *
 * <p>Thread-safety: immutable.
 */
enum Binding {

  KV("kv", false,
      "dev.ren.servlet.kv.KvServlet", "ren-servlet-kv",
      "dev.ren.kv.KvStore", "ren-kv"),
  DB("db", true,
      "dev.ren.servlet.db.DbServlet", "ren-servlet-db",
      "dev.ren.db.DocumentStore", "ren-db"),
  STORAGE("storage", true,
      "dev.ren.servlet.storage.StorageServlet", "ren-servlet-storage",
      "dev.ren.storage.BlobStore", "ren-storage"),
  TRANSFORMS("transforms", true,
      "dev.ren.servlet.storage.TransformServlet", "ren-servlet-storage",
      "dev.ren.transform.TransformService", "ren-storage"),
  REALTIME("realtime", false,
      "dev.ren.servlet.realtime.RealtimeServlet", "ren-servlet-realtime",
      "dev.ren.realtime.Realtime", "ren-realtime");

  private final String id;
  private final boolean usesDataDir;
  // the classes the binding needs and the artifacts (dev.ren:<artifact>) that hold them; the servlet's is
  // checked first, as its artifact brings the store's
  private final String servletClass;
  private final String servletArtifact;
  private final String storeClass;
  private final String storeArtifact;

  Binding(String id, boolean usesDataDir, String servletClass, String servletArtifact, String storeClass,
      String storeArtifact) {
    this.id = id;
    this.usesDataDir = usesDataDir;
    this.servletClass = servletClass;
    this.servletArtifact = servletArtifact;
    this.storeClass = storeClass;
    this.storeArtifact = storeArtifact;
  }

  /** The name used in {@code ren.bindings}. */
  String id() {
    return id;
  }

  /** The binding named {@code id}, or an exception listing the known names. */
  static Binding of(String id) throws ServletException {
    for (Binding b : values()) {
      if (b.id.equals(id)) {
        return b;
      }
    }
    throw new ServletException("ren.bindings names '" + Printable.of(id) + "', which is not a REN binding; known: "
        + known());
  }

  static String known() {
    StringBuilder sb = new StringBuilder();
    for (Binding b : values()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(b.id);
    }
    return sb.toString();
  }

  /** Fails naming the artifact to add when a class this binding needs cannot be found through {@code loader}. */
  void checkPresent(ClassLoader loader) throws ServletException {
    require(servletClass, servletArtifact, loader);
    require(storeClass, storeArtifact, loader);
  }

  private void require(String className, String artifact, ClassLoader loader) throws ServletException {
    try {
      Class.forName(className, false, loader);
    } catch (ClassNotFoundException e) {
      throw new ServletException("ren.bindings names " + id + ", but " + className + " is not on the classpath: "
          + "add the artifact dev.ren:" + artifact + " to the web application (WEB-INF/lib)", e);
    } catch (LinkageError e) {
      throw new ServletException("ren.bindings names " + id + ", but " + className + " cannot be loaded (" + e
          + "): the REN artifacts in the web application (dev.ren:" + artifact + " and its dependencies) must all "
          + "be the same version", e);
    }
  }

  /**
   * Whether this binding would create a store under {@code ren.dataDir}: it keeps data on disk and the application
   * did not put its own store in the context. Decided by attribute name so no store class is loaded.
   */
  boolean needsDataDir(ServletContext ctx) {
    if (!usesDataDir) {
      return false;
    }
    return switch (this) {
      case DB -> ctx.getAttribute("dev.ren.db.DocumentStore") == null;
      case STORAGE -> ctx.getAttribute("dev.ren.storage.BlobStore") == null;
      // transforms read and write blobs: a store of their own is needed only when no blob store is given
      case TRANSFORMS -> ctx.getAttribute("dev.ren.transform.TransformService") == null
          && ctx.getAttribute("dev.ren.storage.BlobStore") == null;
      default -> false;
    };
  }

  /** The name used in {@code ren.bindings} (as in log lines). */
  @Override
  public String toString() {
    return id;
  }
}
