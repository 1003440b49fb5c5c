package dev.ren.spring.boot.autoconfigure;

/**
 * The HTTP bindings {@code ren.bindings} can name, with the class each needs and the artifact that brings it, so a
 * binding named without its module fails the startup naming the artifact to add.
 *
 * <p>Thread-safety: immutable.
 */
public enum RenBinding {
  /** {@code /api/kv/*}: {@code KvServlet} on the {@code KvStore} bean. */
  KV("dev.ren.servlet.kv.KvServlet", "ren-servlet-kv"),
  /** {@code /api/db/*}: {@code DbServlet} on the {@code DocumentStore} bean. */
  DB("dev.ren.servlet.db.DbServlet", "ren-servlet-db"),
  /** {@code /api/storage/*}: {@code StorageServlet} on the {@code BlobStore} and {@code Presigner} beans. */
  STORAGE("dev.ren.servlet.storage.StorageServlet", "ren-servlet-storage"),
  /** {@code /api/media/transforms/*}: {@code TransformServlet} on a {@code TransformService} over the blobs. */
  TRANSFORMS("dev.ren.servlet.storage.TransformServlet", "ren-servlet-storage"),
  /** {@code /api/realtime/*}: {@code RealtimeServlet} on the {@code Realtime} bean. */
  REALTIME("dev.ren.servlet.realtime.RealtimeServlet", "ren-servlet-realtime");

  private final String servletClass;
  private final String artifact;

  RenBinding(String servletClass, String artifact) {
    this.servletClass = servletClass;
    this.artifact = artifact;
  }

  /** The binding's servlet class, looked up by name so an absent module loads nothing. */
  String servletClass() {
    return servletClass;
  }

  /** The artifact ({@code dev.ren:<artifact>}) that holds the servlet and brings its store. */
  String artifact() {
    return artifact;
  }

  /** Whether the binding's module is on {@code loader}'s classpath. */
  boolean present(ClassLoader loader) {
    try {
      Class.forName(servletClass, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
