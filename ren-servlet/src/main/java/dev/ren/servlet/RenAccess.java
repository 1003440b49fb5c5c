package dev.ren.servlet;

import dev.ren.RenEvent;
import jakarta.servlet.http.HttpServletRequest;

import java.util.function.Predicate;

/**
 * Decides, per SSE connection, which events that connection may receive. Called once when the stream opens, with
 * the request (its principal, session, headers); the predicate it returns is checked for every event delivered,
 * live and replayed alike — authorisation is never decided once at subscribe and then forgotten.
 *
 * <pre>{@code
 * RenAccess tenantOnly = req -> {
 *   String tenant = (String) req.getSession().getAttribute("tenant");
 *   return e -> e.ns() != null && e.ns().startsWith(tenant + ".");
 * };
 * }</pre>
 *
 * <p>The default ({@link #allowAll()}) lets every connection see every event; an application that serves
 * different users different data must install its own.
 *
 * <p>Thread-safety: implementations and the predicates they return must be thread-safe.
 */
@FunctionalInterface
public interface RenAccess {

  /**
   * The check for one connection; may throw {@link SecurityException} to refuse the stream ({@code 403}).
   */
  Predicate<RenEvent> forRequest(HttpServletRequest request);

  /** Every connection sees every event. */
  static RenAccess allowAll() {
    return request -> event -> true;
  }
}
