package dev.ren.servlet.dropin;

import dev.ren.access.AccessPolicy;
import dev.ren.internal.Printable;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TenantResolver;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.regex.Pattern;

/**
 * Who may do what in a drop-in deployment, from the context parameters {@code ren.access},
 * {@code ren.access.rules} and {@code ren.tenantHeader}, or the {@link RenSecurity} the application installed in the
 * context itself (then none of these parameters may be set: they would be ignored).
 *
 * <ul>
 *   <li>{@code ren.access=open}: {@link RenSecurity#open()}, everyone may do everything; logged as a warning.</li>
 *   <li>{@code ren.access=container}: the container's principal and roles ({@code getUserPrincipal},
 *       {@code isUserInRole} for every role the rules name), checked against {@code ren.access.rules}
 *       ({@link AccessRulesText}). The container authenticates (a {@code <login-config>} and
 *       {@code <security-constraint>}s, or Jakarta Security); without a principal a caller is anonymous.</li>
 *   <li>{@code ren.maxStreamsPerCaller}: streams one caller may hold at once (per user; per remote address when
 *       anonymous, so behind a proxy every anonymous viewer shares one count), default
 *       {@value RenSecurity#DEFAULT_MAX_STREAMS_PER_CALLER}.</li>
 *   <li>{@code ren.tenantHeader}: the tenant is read from this request header ({@link TenantResolver#trustedHeader});
 *       set it only behind a gateway that sets the header and strips any the client sent.</li>
 *   <li>none of them and no application {@code RenSecurity}: with bindings named the deployment fails with
 *       {@link RenSecurity#NOT_CONFIGURED}; the stream alone starts without access control, with a warning.</li>
 * </ul>
 *
 * <p>Thread-safety: immutable.
 *
 * @param mode         {@code ren.access}
 * @param rules        the parsed {@code ren.access.rules}, with {@code container} only
 * @param tenantHeader {@code ren.tenantHeader}, or null
 * @param maxStreamsPerCaller {@code ren.maxStreamsPerCaller}, or null for the default
 */
record DropinAccess(Mode mode, @Nullable AccessRulesText rules, @Nullable String tenantHeader,
                    @Nullable Integer maxStreamsPerCaller) {

  static final String ACCESS = "ren.access";
  static final String RULES = "ren.access.rules";
  static final String TENANT_HEADER = "ren.tenantHeader";
  static final String MAX_STREAMS_PER_CALLER = "ren.maxStreamsPerCaller";

  private static final System.Logger LOG = System.getLogger(DropinAccess.class.getName());
  /** An HTTP header name (RFC 9110 token), at most 64 characters. */
  private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");

  /** The values of {@code ren.access}. */
  enum Mode {
    /** Not set: the application's RenSecurity, or none. */
    UNSET,
    OPEN,
    CONTAINER
  }

  /** Reads and checks the parameters (before anything is created). */
  static DropinAccess parse(ServletContext ctx) throws ServletException {
    String access = trimmed(ctx.getInitParameter(ACCESS));
    String rulesText = ctx.getInitParameter(RULES);
    boolean hasRules = rulesText != null && !rulesText.isBlank();
    Mode mode;
    if (access == null) {
      mode = Mode.UNSET;
    } else if (access.equals("open")) {
      mode = Mode.OPEN;
    } else if (access.equals("container")) {
      mode = Mode.CONTAINER;
    } else {
      throw new ServletException(ACCESS + " must be open or container, was '" + Printable.of(access) + "'");
    }
    AccessRulesText rules = null;
    if (mode == Mode.CONTAINER) {
      if (!hasRules) {
        throw new ServletException(ACCESS + "=container needs " + RULES + ", e.g. 'read kv todos reader; write kv "
            + "todos writer; admin admin'");
      }
      rules = AccessRulesText.parse(RULES, rulesText);
    } else if (hasRules) {
      throw new ServletException(RULES + " is set but " + ACCESS + " is "
          + (access == null ? "not set" : "'" + access + "'") + ": the rules apply only with " + ACCESS
          + "=container");
    }
    String header = trimmed(ctx.getInitParameter(TENANT_HEADER));
    if (header != null && !HEADER.matcher(header).matches()) {
      throw new ServletException(TENANT_HEADER + " '" + Printable.of(header) + "' is not a header name");
    }
    Integer perCaller = null;
    String perCallerText = trimmed(ctx.getInitParameter(MAX_STREAMS_PER_CALLER));
    if (perCallerText != null) {
      try {
        perCaller = Integer.parseInt(perCallerText);
      } catch (NumberFormatException e) {
        perCaller = 0;
      }
      if (perCaller < 1 || perCaller > 10_000_000) {
        throw new ServletException(MAX_STREAMS_PER_CALLER + " must be an integer in [1, 10000000], was '"
            + Printable.of(perCallerText) + "'");
      }
    }
    return new DropinAccess(mode, rules, header, perCaller);
  }

  /**
   * The security of this context: the application's, or the one the parameters describe (installed in the context
   * and removed with it), or null for a stream-only deployment without any.
   *
   * @throws ServletException when bindings are named and no policy is configured, or the application's security
   *     and REN access parameters are both given
   */
  @Nullable RenSecurity resolve(ServletContext ctx, boolean bindingsNamed, Owned owned) throws ServletException {
    Object given = ctx.getAttribute(RenSecurity.ATTRIBUTE);
    if (given != null) {
      if (!(given instanceof RenSecurity app)) {
        throw new ServletException("context attribute " + RenSecurity.ATTRIBUTE + " holds a "
            + given.getClass().getName() + ", which is not a RenSecurity of this web application's class loader");
      }
      if (mode != Mode.UNSET || tenantHeader != null || maxStreamsPerCaller != null) {
        throw new ServletException("the application installed its own RenSecurity (" + app + "), and "
            + (mode != Mode.UNSET ? ACCESS : tenantHeader != null ? TENANT_HEADER : MAX_STREAMS_PER_CALLER)
            + " is set as well, which would be ignored: configure "
            + "access in one place (remove the REN parameter, or stop installing the RenSecurity)");
      }
      return app;
    }
    RenSecurity.Builder b;
    switch (mode) {
      case OPEN -> b = RenSecurity.builder(AccessPolicy.open());
      case CONTAINER -> {
        AccessRulesText r = rules;
        if (r == null) {
          throw new IllegalStateException(RULES + " was checked by parse");
        }
        b = RenSecurity.builder(r.rules()).authenticator(RenAuthenticator.container(r.roles().toArray(String[]::new)));
      }
      default -> {
        if (bindingsNamed) {
          throw new ServletException(RenSecurity.NOT_CONFIGURED);
        }
        if (tenantHeader != null || maxStreamsPerCaller != null) {
          throw new ServletException((tenantHeader != null ? TENANT_HEADER : MAX_STREAMS_PER_CALLER)
              + " is set but no access is configured: set " + ACCESS + " (open or container)");
        }
        LOG.log(Level.WARNING, "REN stream in " + Printable.of(ctx.getContextPath().isEmpty() ? "/"
            : ctx.getContextPath()) + " runs without access control: every stream receives every event. Set "
            + ACCESS + " or install a RenSecurity");
        return null;
      }
    }
    String header = tenantHeader;
    if (header != null) {
      b.tenants(TenantResolver.trustedHeader(header));
    }
    Integer perCaller = maxStreamsPerCaller;
    if (perCaller != null) {
      b.maxStreamsPerCaller(perCaller);
    }
    RenSecurity security = b.build();
    return owned.attribute(RenSecurity.class, security.install(ctx)); // install logs open mode as a warning
  }

  private static @Nullable String trimmed(@Nullable String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }
}
