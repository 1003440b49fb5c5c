package dev.ren.servlet;

import dev.ren.hub.RenHub;
import jakarta.servlet.ServletContext;

import java.nio.file.Path;
import java.util.List;

/**
 * Registers the HTTP binding of every backend module on the classpath. Each binding lives in its own class and is
 * touched only after its module was found, so a WAR without, say, ren-db never loads a class that mentions it.
 *
 * <p>Thread-safety: called once per context during startup.
 */
final class Bindings {

  private Bindings() {}

  static void install(ServletContext ctx, RenHub hub, Path dataDir, List<AutoCloseable> owned) {
    // bindings are added here as their modules land
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
