package dev.ren.servlet;

import dev.ren.RenOrigin;
import dev.ren.servlet.http.JsonServlet;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Reads {@code X-Ren-Client} and opens a {@link RenOrigin} scope for the request, so every event the request
 * causes carries that id as {@code src}. An id outside {@code [A-Za-z0-9_-]{1,64}} is a {@code 400}; the id is a
 * label, never a credential. Also applies {@link Cors} when configured, and hands its allowlist to
 * {@link JsonServlet} (request attribute {@link JsonServlet#ALLOWED_ORIGINS_ATTRIBUTE}), which refuses a mutation
 * from an origin not on it with {@code 403 origin_not_allowed}.
 *
 * <p>Thread-safety: stateless apart from configuration; safe for concurrent requests.
 */
public final class RenClientFilter implements Filter {

  /** The request header naming the client that causes a mutation. */
  public static final String HEADER = "X-Ren-Client";

  private final Cors cors;

  /** A filter with CORS disabled (no origin allowed). */
  public RenClientFilter() {
    this(Cors.disabled());
  }

  public RenClientFilter(Cors cors) {
    this.cors = cors;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    HttpServletResponse resp = (HttpServletResponse) response;
    if (cors.apply(req, resp)) {
      return; // preflight answered
    }
    if (!cors.origins().isEmpty()) {
      req.setAttribute(JsonServlet.ALLOWED_ORIGINS_ATTRIBUTE, cors.origins()); // JsonServlet refuses the others' writes
    }
    String clientId = req.getHeader(HEADER);
    if (clientId != null && !RenOrigin.isValidClientId(clientId)) {
      JsonServlet.sendError(req, resp, 400, "invalid_client_id",
          HEADER + " must match [A-Za-z0-9_-]{1,64}");
      return;
    }
    try (RenOrigin.Scope scope = RenOrigin.open(clientId)) {
      chain.doFilter(request, response);
    }
  }
}
