package dev.ren.servlet.dropin;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Adds REN's servlets and filter to a context and turns every refusal of the container into a failed deployment:
 * a name that is already registered ({@code addServlet}/{@code addFilter} return null) or a URL pattern another
 * servlet is mapped to ({@code addMapping} returns the conflicting patterns). Ignoring either would leave an
 * endpoint silently served by someone else.
 *
 * <p>Thread-safety: used by the starting thread only.
 */
final class Registrar {

  private final ServletContext ctx;

  Registrar(ServletContext ctx) {
    this.ctx = ctx;
  }

  void servlet(String name, Servlet servlet, String... patterns) throws ServletException {
    ServletRegistration.Dynamic r = ctx.addServlet(name, servlet);
    if (r == null) {
      throw new ServletException("cannot register REN servlet '" + name + "': this context already has a servlet "
          + "of that name. Rename the other servlet, or set ren.enabled=false and register REN yourself");
    }
    r.setAsyncSupported(true);
    Set<String> conflicts = r.addMapping(patterns);
    if (conflicts != null && !conflicts.isEmpty()) {
      throw new ServletException("cannot map REN servlet '" + name + "' to " + new TreeSet<>(conflicts)
          + ": already mapped to " + owners(conflicts, name) + ". Remove the other mapping, or leave this binding "
          + "out of " + DropinSettings.BINDINGS + " (the stream's own path is set by " + DropinSettings.PATH + ")");
    }
  }

  void filter(String name, Filter filter, String... patterns) throws ServletException {
    FilterRegistration.Dynamic r = ctx.addFilter(name, filter);
    if (r == null) {
      throw new ServletException("cannot register REN filter '" + name + "': this context already has a filter of "
          + "that name. Rename the other filter, or set ren.enabled=false and register REN yourself");
    }
    r.setAsyncSupported(true);
    r.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, patterns);
  }

  /** The servlets (other than {@code self}) mapped to any of {@code patterns}, for the message. */
  private List<String> owners(Set<String> patterns, String self) {
    List<String> owners = new ArrayList<>();
    for (Map.Entry<String, ? extends ServletRegistration> e : ctx.getServletRegistrations().entrySet()) {
      if (e.getKey().equals(self)) {
        continue;
      }
      for (String m : e.getValue().getMappings()) {
        if (patterns.contains(m)) {
          owners.add("servlet '" + e.getKey() + "' (" + m + ")");
        }
      }
    }
    return owners.isEmpty() ? List.of("another servlet") : owners;
  }
}
