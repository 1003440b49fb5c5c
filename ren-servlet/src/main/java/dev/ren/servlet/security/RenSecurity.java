package dev.ren.servlet.security;

import dev.ren.Registration;
import dev.ren.access.AccessPolicy;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.internal.Printable;
import dev.ren.internal.Settings;
import dev.ren.servlet.http.HttpError;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Who is calling and whether they may: the one object every HTTP binding and the stream consult. It authenticates a
 * request into a {@link RenCaller} (once per request), resolves its tenant, and asks the {@link AccessPolicy} about
 * each operation; a refusal is a {@code 401 unauthorized} for an anonymous caller and a {@code 403 forbidden} for an
 * authenticated one, raised before anything is changed.
 *
 * <pre>{@code
 * RenSecurity security = RenSecurity.builder(AccessRules.builder()
 *         .readWrite("kv", "todos", "writer").read("kv", "todos", "reader").admin("admin").build())
 *     .authenticator(RenAuthenticator.chain(RenAuthenticator.tokens(tokens), RenAuthenticator.container()))
 *     .tokens(tokens)
 *     .build();
 * security.install(servletContext);   // every binding and the stream in this context now use it
 * }</pre>
 *
 * <p>REN is secure by default: a binding finds no {@code RenSecurity} in its servlet context and none was passed
 * to it, and it refuses to start, saying how to configure one or how to choose open mode ({@link #open()},
 * {@code ren.access=open} in the drop-in), which logs a warning.
 *
 * <p>Thread-safety: immutable configuration and thread-safe; the builder is not thread-safe.
 */
public final class RenSecurity {

  /** Servlet-context attribute under which {@link #install} puts it, where bindings and the stream find it. */
  public static final String ATTRIBUTE = RenSecurity.class.getName();
  private static final String CALLER = RenSecurity.class.getName() + ".caller";
  private static final System.Logger LOG = System.getLogger(RenSecurity.class.getName());

  /** Default lifetime of a stream token minted by {@code POST <stream path>/token}: 300 s. */
  public static final Duration DEFAULT_STREAM_TOKEN_TTL = Duration.ofSeconds(300);
  /** Default bound on concurrent streams per principal (per remote address when anonymous): 32. */
  public static final int DEFAULT_MAX_STREAMS_PER_CALLER = 32;

  /** What a binding that finds no security says; names both ways out. */
  public static final String NOT_CONFIGURED = "REN bindings are installed but no access policy is configured. "
      + "Configure one: RenSecurity.builder(AccessRules.builder()...build()).build().install(servletContext) "
      + "(or pass it to the binding's constructor; in the drop-in, ren.access=container with ren.access.rules), "
      + "or run open on purpose with RenSecurity.open() / ren.access=open, which lets anyone read and write "
      + "everything";

  private final RenAuthenticator authenticator;
  private final TenantResolver tenants;
  private final AccessPolicy policy;
  private final @Nullable RenTokens tokens;
  private final Duration streamTokenTtl;
  private final int maxStreamsPerCaller;
  private final Clock clock;
  private final List<Consumer<String>> revocationListeners = new CopyOnWriteArrayList<>();
  // tokens refused until they expire (revokeToken); expired entries are dropped whenever one is added
  private final ConcurrentHashMap<String, Instant> revokedTokens = new ConcurrentHashMap<>();

  private RenSecurity(Builder b) {
    this.authenticator = b.authenticator;
    this.tenants = b.tenants;
    this.policy = b.policy;
    this.tokens = b.tokens;
    this.streamTokenTtl = b.streamTokenTtl;
    this.maxStreamsPerCaller = b.maxStreamsPerCaller;
    this.clock = b.clock;
  }

  /** A builder for {@code policy}, with the container's principal as the authenticator. */
  public static Builder builder(AccessPolicy policy) {
    return new Builder(policy);
  }

  /** Open mode: the container's principal if any, and everything allowed to everyone. Chosen, never a default. */
  public static RenSecurity open() {
    return builder(AccessPolicy.open()).build();
  }

  /**
   * The security installed in {@code context}.
   *
   * @throws IllegalStateException with {@link #NOT_CONFIGURED} when none is
   */
  public static RenSecurity from(ServletContext context) {
    Object s = context.getAttribute(ATTRIBUTE);
    if (s instanceof RenSecurity r) {
      return r;
    }
    throw new IllegalStateException(NOT_CONFIGURED);
  }

  /** The security installed in {@code context}, if any. */
  public static Optional<RenSecurity> find(ServletContext context) {
    Object s = context.getAttribute(ATTRIBUTE);
    return s instanceof RenSecurity r ? Optional.of(r) : Optional.empty();
  }

  /** Puts this into {@code context} for every binding and the stream there; logs a warning in open mode. */
  public RenSecurity install(ServletContext context) {
    context.setAttribute(ATTRIBUTE, this);
    if (policy.isOpen()) {
      LOG.log(Level.WARNING, "REN runs OPEN in " + Printable.of(context.getContextPath().isEmpty() ? "/"
          : context.getContextPath()) + ": anyone can read and write every store and receive every event");
    }
    return this;
  }

  /**
   * The caller making {@code request}: authenticated once per request (the result is kept on the request), with
   * its tenant resolved.
   *
   * @throws HttpError {@code 401 invalid_credentials} when the request carries credentials that do not hold
   */
  public RenCaller caller(HttpServletRequest request) {
    Object cached = request.getAttribute(CALLER);
    if (cached instanceof RenCaller c) {
      return c;
    }
    RenCaller c;
    try {
      if (!revokedTokens.isEmpty()) {
        String presented = RenAuthenticator.presentedToken(request);
        if (presented != null && revokedTokens.containsKey(presented)) {
          throw new InvalidCredentialsException("the token was revoked");
        }
      }
      RenCaller authenticated = authenticator.authenticate(request);
      c = authenticated != null ? authenticated : RenCaller.anonymous();
    } catch (InvalidCredentialsException e) {
      throw new HttpError(401, "invalid_credentials", String.valueOf(e.getMessage()));
    }
    if (c.expired(clock.instant())) {
      throw new HttpError(401, "invalid_credentials", "the credentials have expired");
    }
    c = c.withTenant(tenants.tenant(request, c));
    request.setAttribute(CALLER, c);
    return c;
  }

  /**
   * The caller a stream token stands for, checked as {@link #caller} checks a token a request presents (signature,
   * expiry, kind, revocation), for a connection that renews its credentials without a new request (realtime over
   * WebSocket's {@code auth}). Its tenant is the token's: the {@link TenantResolver}, which reads requests, is not
   * asked, so a caller comparing it with the connection's own caller sees a tenant change.
   *
   * @throws HttpError {@code 401 invalid_credentials} when the token does not hold or no {@link RenTokens} is
   *     configured
   */
  public RenCaller callerOfToken(String token) {
    Objects.requireNonNull(token, "token");
    RenCaller c;
    try {
      if (tokens == null) {
        throw new InvalidCredentialsException("no token codec is configured");
      }
      if (revokedTokens.containsKey(token)) {
        throw new InvalidCredentialsException("the token was revoked");
      }
      c = RenAuthenticator.accessCaller(tokens, token);
    } catch (InvalidCredentialsException e) {
      throw new HttpError(401, "invalid_credentials", String.valueOf(e.getMessage()));
    }
    if (c.expired(clock.instant())) {
      throw new HttpError(401, "invalid_credentials", "the credentials have expired");
    }
    return c;
  }

  /**
   * Refuses {@code operation} on {@code resource} unless the policy allows it to the request's caller.
   *
   * @return the caller, for the binding to work in its tenant and as its user
   * @throws HttpError {@code 401 unauthorized} (anonymous) or {@code 403 forbidden} (authenticated)
   */
  public RenCaller authorize(HttpServletRequest request, RenOperation operation, RenResource resource) {
    RenCaller c = caller(request);
    if (!policy.allows(c, operation, resource)) {
      throw refusal(c, operation, resource);
    }
    return c;
  }

  /** Whether the policy allows {@code operation} on {@code resource} to {@code caller}. */
  public boolean allows(RenCaller caller, RenOperation operation, RenResource resource) {
    return policy.allows(caller, operation, resource);
  }

  /** The error for a refused operation: {@code 401} without a principal, {@code 403} with one. */
  public static HttpError refusal(RenCaller caller, RenOperation operation, RenResource resource) {
    String what = operation.name().toLowerCase(java.util.Locale.ROOT) + " on " + resource.domain()
        + (resource.namespace() == null ? "" : ":" + Printable.of(resource.namespace()));
    return caller.authenticated()
        ? new HttpError(403, "forbidden", what + " is not allowed for this user")
        : new HttpError(401, "unauthorized", what + " needs an authenticated user");
  }

  /** The policy. */
  public AccessPolicy policy() {
    return policy;
  }

  /** Whether this is open mode. */
  public boolean isOpen() {
    return policy.isOpen();
  }

  /** The token codec, when one is configured (stream tokens, channel tokens). */
  public Optional<RenTokens> tokens() {
    return Optional.ofNullable(tokens);
  }

  /** Lifetime of a stream token. */
  public Duration streamTokenTtl() {
    return streamTokenTtl;
  }

  /** Concurrent streams one principal (or, anonymous, one remote address) may hold. */
  public int maxStreamsPerCaller() {
    return maxStreamsPerCaller;
  }

  /** The clock tokens and expiries are read on. */
  public Clock clock() {
    return clock;
  }

  /**
   * A stream token for {@code caller}, valid for {@link #streamTokenTtl()}.
   *
   * @throws IllegalStateException if no {@link RenTokens} is configured
   */
  public String mintStreamToken(RenCaller caller) {
    RenTokens t = requireTokens();
    return t.mint(TokenClaims.access(caller, clock.instant().plus(streamTokenTtl)));
  }

  /**
   * A channel token: {@code caller} may {@code permissions} ({@link TokenClaims#SUBSCRIBE},
   * {@link TokenClaims#PUBLISH}) on the {@code private-} channel {@code channel} for {@code ttl}. Minted by the
   * application's own server code, after its own checks.
   */
  public String mintChannelToken(RenCaller caller, String channel, Set<String> permissions, Duration ttl) {
    if (!caller.authenticated()) {
      throw new IllegalArgumentException("a channel token is for an authenticated user");
    }
    return requireTokens().mint(TokenClaims.channel(caller, channel, permissions, clock.instant().plus(ttl)));
  }

  /**
   * The channel grant in {@code token} for {@code caller}: verified, unexpired, for the same user and tenant.
   *
   * @throws HttpError {@code 401 invalid_credentials} for a bad token, {@code 403 forbidden} for another user's
   */
  public TokenClaims verifyChannelToken(RenCaller caller, String token) {
    TokenClaims claims;
    try {
      claims = requireTokens().verify(token);
    } catch (InvalidCredentialsException e) {
      throw new HttpError(401, "invalid_credentials", String.valueOf(e.getMessage()));
    } catch (IllegalStateException e) {
      throw new HttpError(403, "forbidden", "private channels need channel tokens, and none are configured");
    }
    if (!TokenClaims.KIND_CHANNEL.equals(claims.kind())
        || !Objects.equals(claims.caller().user(), caller.user())
        || !Objects.equals(claims.caller().tenant(), caller.tenant())) {
      throw new HttpError(403, "forbidden", "the channel token is not this user's");
    }
    return claims;
  }

  private RenTokens requireTokens() {
    RenTokens t = tokens;
    if (t == null) {
      throw new IllegalStateException("no RenTokens configured: RenSecurity.builder(..).tokens(..)");
    }
    return t;
  }

  /**
   * Ends every stream held by {@code user} (a revoked session, a removed account), with {@code retry:}; the tokens
   * those streams were opened with are refused from now on until they expire ({@link #revokeToken}), since an
   * {@code EventSource} reconnects with the same URL. The host must end the user's session itself (REN cannot), and
   * a token it minted for the user that no stream was using stays valid until it expires unless passed to
   * {@link #revokeToken}.
   */
  public void revoke(String user) {
    for (Consumer<String> l : revocationListeners) {
      try {
        l.accept(user);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "revocation listener failed for " + Printable.of(user), e);
      }
    }
  }

  /**
   * Refuses {@code token} (a stream or bearer token, presented as {@code Authorization: Bearer} or {@code ?token=})
   * with {@code 401 invalid_credentials} on every binding and the stream until {@code expiresAt}, after which it is
   * refused as expired anyway and forgotten. For a logout: the page's token stops working at once. Kept in memory
   * on this node only.
   */
  public void revokeToken(String token, Instant expiresAt) {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Instant now = clock.instant();
    revokedTokens.values().removeIf(until -> !now.isBefore(until));
    if (now.isBefore(expiresAt)) {
      revokedTokens.merge(token, expiresAt, (a, b) -> a.isAfter(b) ? a : b);
    }
  }

  /** Tells {@code listener} of every {@link #revoke}; the stream servlet registers here. */
  public Registration onRevoke(Consumer<String> listener) {
    Consumer<String> l = Objects.requireNonNull(listener, "listener");
    revocationListeners.add(l);
    return () -> revocationListeners.remove(l);
  }

  @Override
  public String toString() {
    return "RenSecurity[policy=" + policy + ", tokens=" + (tokens != null) + "]";
  }

  /**
   * Configures a {@link RenSecurity}. Thread-safety: not thread-safe.
   */
  public static final class Builder {
    private final AccessPolicy policy;
    private RenAuthenticator authenticator = RenAuthenticator.container();
    private TenantResolver tenants = TenantResolver.fromCaller();
    private @Nullable RenTokens tokens;
    private Duration streamTokenTtl = DEFAULT_STREAM_TOKEN_TTL;
    private int maxStreamsPerCaller = DEFAULT_MAX_STREAMS_PER_CALLER;
    private Clock clock = Clock.systemUTC();
    private final Settings settings = new Settings();

    private Builder(AccessPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** Who is calling; default {@link RenAuthenticator#container()}. */
    public Builder authenticator(RenAuthenticator a) {
      this.authenticator = settings.once("authenticator", Objects.requireNonNull(a, "authenticator"));
      return this;
    }

    /** Which tenant a request works in; default {@link TenantResolver#fromCaller()}. */
    public Builder tenants(TenantResolver resolver) {
      this.tenants = settings.once("tenants", Objects.requireNonNull(resolver, "tenants"));
      return this;
    }

    /** The token codec for stream and channel tokens; none by default. */
    public Builder tokens(RenTokens codec) {
      this.tokens = settings.once("tokens", Objects.requireNonNull(codec, "tokens"));
      return this;
    }

    /** Lifetime of a stream token; default 300 s, at least 10 s, at most 24 h. */
    public Builder streamTokenTtl(Duration ttl) {
      if (ttl.compareTo(Duration.ofSeconds(10)) < 0 || ttl.compareTo(Duration.ofHours(24)) > 0) {
        throw new IllegalArgumentException("streamTokenTtl must be in [10 s, 24 h], was " + ttl);
      }
      this.streamTokenTtl = settings.once("streamTokenTtl", ttl);
      return this;
    }

    /** Concurrent streams per principal (per remote address when anonymous); default 32. */
    public Builder maxStreamsPerCaller(int streams) {
      if (streams < 1) {
        throw new IllegalArgumentException("maxStreamsPerCaller must be >= 1, was " + streams);
      }
      this.maxStreamsPerCaller = settings.once("maxStreamsPerCaller", streams);
      return this;
    }

    /** The clock for token expiry; default the system clock. */
    public Builder clock(Clock c) {
      this.clock = settings.once("clock", Objects.requireNonNull(c, "clock"));
      return this;
    }

    public RenSecurity build() {
      return new RenSecurity(this);
    }
  }

  /** Seconds from now to {@code instant}, at least 0. */
  static long secondsUntil(Clock clock, Instant instant) {
    return Math.max(0, Duration.between(clock.instant(), instant).getSeconds());
  }
}
