package dev.ren.spring.boot.autoconfigure;

import dev.ren.access.AccessPolicy;
import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.Cors;
import dev.ren.servlet.RenAccess;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.servlet.db.DbServlet;
import dev.ren.servlet.kv.KvServlet;
import dev.ren.servlet.realtime.RealtimeCalls;
import dev.ren.servlet.realtime.RealtimeServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.RenTokens;
import dev.ren.servlet.security.TenantResolver;
import dev.ren.servlet.storage.StorageServlet;
import dev.ren.servlet.storage.TransformServlet;
import dev.ren.storage.BlobStore;
import dev.ren.storage.Presigner;
import dev.ren.tokens.JwtTokens;
import dev.ren.transform.TransformService;
import dev.ren.websocket.realtime.RealtimeWebSocketServlet;
import jakarta.servlet.DispatcherType;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

import java.lang.System.Logger.Level;
import java.util.Base64;
import java.util.EnumSet;

/**
 * REN in a servlet web application: the SSE stream at {@code ren.path} (async, with {@code POST <path>/token} and
 * {@code <path>/client.js}), the client-id filter on {@code /api/*} and the stream, access control
 * ({@link RenSecurity}), the HTTP bindings named in {@code ren.bindings} (realtime also over WebSocket at
 * {@code ren.realtime-ws-path} with {@code ren-websocket-realtime}), and graceful shutdown of the streams.
 *
 * <p>Access, as in the drop-in: an application {@link RenSecurity} bean is used as it is; else an
 * {@link AccessPolicy} bean, or {@code ren.access=open}, becomes one, with the caller from Spring Security when it
 * is present ({@link SpringSecurityAuthenticator}, else the servlet principal) and stream tokens from
 * {@code ren-tokens}. Bindings without either fail the startup; the stream alone runs without access control,
 * with a warning.
 *
 * <p>Thread-safety: configuration, run once by Spring.
 */
@AutoConfiguration(after = RenAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({RenServlet.class, ServletRegistrationBean.class})
@ConditionalOnBooleanProperty(name = "ren.enabled", matchIfMissing = true)
public final class RenWebAutoConfiguration {

  private static final System.Logger LOG = System.getLogger(RenWebAutoConfiguration.class.getName());

  /** Checked before anything is registered: binding modules present, a policy for the bindings, the path. */
  @Bean
  RenSetupCheck renSetupCheck(RenProperties properties, ObjectProvider<RenSecurity> security,
      ResourceLoader resources) {
    ClassLoader loader = resources.getClassLoader();
    return RenSetupCheck.run(properties, security.getIfUnique(),
        loader != null ? loader : RenWebAutoConfiguration.class.getClassLoader());
  }

  // ------------------------------------------------------------------------------------------------ who is calling

  /** Stream and channel tokens signed with {@code ren.tokens.secret} (HS256), or a random key of this start. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.ren.tokens.JwtTokens")
  static class TokensConfiguration {
    @Bean
    @ConditionalOnMissingBean
    RenTokens renTokens(RenProperties properties) {
      String secret = properties.getTokens().getSecret();
      if (secret == null || secret.isBlank()) {
        LOG.log(Level.INFO, "REN stream tokens are signed with a random key of this process; set "
            + "ren.tokens.secret (Base64, 32+ bytes) so that every node accepts every node's tokens");
        return JwtTokens.randomKey();
      }
      byte[] key;
      try {
        key = Base64.getDecoder().decode(secret.trim());
      } catch (IllegalArgumentException e) {
        throw new RenStartupException("ren.tokens.secret is not Base64",
            "Set it to 32 or more random bytes in Base64, e.g. the output of: openssl rand -base64 32");
      }
      return Settings.check(() -> JwtTokens.create(key));
    }
  }

  /** With Spring Security: its {@code Authentication} is the caller; tokens first when configured. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.security.core.context.SecurityContextHolder")
  static class SpringSecurityAuthenticatorConfiguration {
    @Bean
    @ConditionalOnMissingBean
    RenAuthenticator renAuthenticator(ObjectProvider<RenTokens> tokens) {
      return withTokens(tokens.getIfUnique(), SpringSecurityAuthenticator.create());
    }
  }

  /** Without Spring Security: the servlet request's principal and the roles read, write and admin. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingClass("org.springframework.security.core.context.SecurityContextHolder")
  static class ContainerAuthenticatorConfiguration {
    @Bean
    @ConditionalOnMissingBean
    RenAuthenticator renAuthenticator(ObjectProvider<RenTokens> tokens) {
      return withTokens(tokens.getIfUnique(), RenAuthenticator.container());
    }
  }

  private static RenAuthenticator withTokens(@org.jspecify.annotations.Nullable RenTokens tokens,
      RenAuthenticator base) {
    return tokens == null ? base : RenAuthenticator.chain(RenAuthenticator.tokens(tokens), base);
  }

  /** Matches with {@code ren.access=open} or an {@link AccessPolicy} bean. */
  static final class AccessConfigured extends AnyNestedCondition {
    AccessConfigured() {
      super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnProperty(name = "ren.access", havingValue = "open")
    static final class Open {}

    @ConditionalOnBean(AccessPolicy.class)
    static final class Policy {}
  }

  /** Who may do what: the application's policy (or open mode), authenticated by the RenAuthenticator bean. */
  @Bean
  @ConditionalOnMissingBean
  @Conditional(AccessConfigured.class)
  RenSecurity renSecurity(RenProperties properties, ObjectProvider<AccessPolicy> policies,
      RenAuthenticator authenticator, ObjectProvider<RenTokens> tokens, ObjectProvider<TenantResolver> tenants) {
    AccessPolicy app = policies.getIfUnique();
    AccessPolicy policy;
    if (properties.getAccess() == RenProperties.AccessMode.OPEN) {
      if (app != null) {
        throw new RenStartupException("ren.access=open is set and the application defines an AccessPolicy bean ("
            + app + "), which open mode would ignore",
            "Configure access in one place: remove ren.access=open, or the AccessPolicy bean");
      }
      policy = AccessPolicy.open();
    } else if (app != null) {
      policy = app;
    } else {
      throw new RenStartupException("no unique AccessPolicy bean", "Define exactly one AccessPolicy bean");
    }
    TenantResolver resolver = tenants.getIfUnique();
    String header = properties.getTenantHeader();
    if (resolver != null && header != null && !header.isBlank()) {
      throw new RenStartupException("ren.tenant-header is set and the application defines a TenantResolver bean",
          "Configure the tenant in one place: remove ren.tenant-header, or the TenantResolver bean");
    }
    RenTokens codec = tokens.getIfUnique();
    return Settings.check(() -> {
      RenSecurity.Builder b = RenSecurity.builder(policy)
          .authenticator(authenticator)
          .streamTokenTtl(properties.getStreamTokenTtl())
          .maxStreamsPerCaller(properties.getMaxStreamsPerCaller());
      if (codec != null) {
        b.tokens(codec);
      }
      if (resolver != null) {
        b.tenants(resolver);
      } else if (header != null && !header.isBlank()) {
        b.tenants(TenantResolver.trustedHeader(header.trim()));
      }
      return b.build();
    });
  }

  /**
   * Puts the security into the servlet context, where servlets the application registers itself (a binding built
   * by hand) find it, as in the drop-in; logs open mode as a warning, or a stream without access control.
   */
  @Bean
  ServletContextInitializer renSecurityInstaller(ObjectProvider<RenSecurity> security, RenSetupCheck check) {
    return ctx -> {
      RenSecurity s = security.getIfUnique();
      if (s != null) {
        s.install(ctx);
      } else {
        LOG.log(Level.WARNING, "REN stream runs without access control: every stream receives every event. "
            + "Define an AccessPolicy bean, or set ren.access=open to say so");
      }
    };
  }

  // ------------------------------------------------------------------------------------------------ the stream

  /** The SSE endpoint; its writer and heartbeat threads start in {@code init} and stop in {@code destroy}. */
  @Bean
  @ConditionalOnMissingBean
  RenServlet renServlet(RenHub hub, RenProperties properties, ObjectProvider<RenSecurity> security,
      ObjectProvider<RenAccess> access, RenSetupCheck check) {
    return Settings.check(() -> {
      RenServletConfig.Builder b = RenServletConfig.builder()
          .heartbeat(properties.getHeartbeat())
          .maxStreams(properties.getMaxStreams())
          .shutdownRetry(properties.getShutdownRetry());
      RenSecurity s = security.getIfUnique();
      if (s != null) {
        b.security(s);
      }
      RenAccess a = access.getIfUnique();
      if (a != null) {
        b.access(a);
      }
      return new RenServlet(hub, b.build());
    });
  }

  @Bean
  @ConditionalOnMissingBean(name = "renServletRegistration")
  ServletRegistrationBean<RenServlet> renServletRegistration(RenServlet servlet, RenProperties properties) {
    String path = properties.getPath();
    ServletRegistrationBean<RenServlet> r = new ServletRegistrationBean<>(servlet, path, path + "/*");
    r.setName("ren-stream");
    r.setAsyncSupported(true);
    r.setLoadOnStartup(1);
    return r;
  }

  /** {@code X-Ren-Client} becomes the {@code src} of the events a request causes; CORS for {@code ren.cors}. */
  @Bean
  @ConditionalOnMissingBean(name = "renClientFilterRegistration")
  FilterRegistrationBean<RenClientFilter> renClientFilterRegistration(RenProperties properties) {
    Cors cors = Settings.check(() -> Cors.parse(String.join(",", properties.getCors())));
    String path = properties.getPath();
    FilterRegistrationBean<RenClientFilter> r = new FilterRegistrationBean<>(new RenClientFilter(cors));
    r.setUrlPatterns(java.util.List.of("/api/*", path, path + "/*"));
    r.setName("ren-client");
    r.setAsyncSupported(true);
    r.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST));
    return r;
  }

  /** Ends every stream with {@code retry:} when the context closes, before the web server's graceful shutdown. */
  @Bean
  @ConditionalOnMissingBean
  RenStreamShutdown renStreamShutdown(RenServlet servlet, RenProperties properties) {
    return new RenStreamShutdown(servlet, properties.getShutdownTimeout());
  }

  // ------------------------------------------------------------------------------------------------ bindings

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"dev.ren.servlet.kv.KvServlet", "dev.ren.kv.KvStore"})
  @ConditionalOnRenBinding(RenBinding.KV)
  static class KvBinding {
    @Bean
    @ConditionalOnMissingBean(name = "renKvServletRegistration")
    ServletRegistrationBean<KvServlet> renKvServletRegistration(RenSetupCheck check, KvStore kv,
        RenSecurity security) {
      return binding("ren-kv", new KvServlet(kv, security), "/api/kv/*");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"dev.ren.servlet.db.DbServlet", "dev.ren.db.DocumentStore"})
  @ConditionalOnRenBinding(RenBinding.DB)
  static class DbBinding {
    @Bean
    @ConditionalOnMissingBean(name = "renDbServletRegistration")
    ServletRegistrationBean<DbServlet> renDbServletRegistration(RenSetupCheck check, DocumentStore db,
        RenSecurity security) {
      return binding("ren-db", new DbServlet(db, security), DbServlet.PATH);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"dev.ren.servlet.storage.StorageServlet", "dev.ren.storage.BlobStore"})
  @ConditionalOnRenBinding(RenBinding.STORAGE)
  static class StorageBinding {
    /** Signs upload and download URLs with a random secret of this start; define one for several nodes. */
    @Bean
    @ConditionalOnMissingBean
    Presigner renPresigner() {
      return Presigner.create();
    }

    @Bean
    @ConditionalOnMissingBean(name = "renStorageServletRegistration")
    ServletRegistrationBean<StorageServlet> renStorageServletRegistration(RenSetupCheck check, BlobStore blobs,
        Presigner presigner, RenSecurity security) {
      return binding("ren-storage", new StorageServlet(blobs, presigner, security), "/api/storage",
          "/api/storage/*");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"dev.ren.servlet.storage.TransformServlet", "dev.ren.transform.TransformService"})
  @ConditionalOnRenBinding(RenBinding.TRANSFORMS)
  static class TransformsBinding {
    @Bean
    @ConditionalOnMissingBean(name = "renTransformServletRegistration")
    ServletRegistrationBean<TransformServlet> renTransformServletRegistration(RenSetupCheck check,
        TransformService transforms, RenSecurity security) {
      return binding("ren-transforms", new TransformServlet(transforms, security), "/api/media/transforms/*");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"dev.ren.servlet.realtime.RealtimeServlet", "dev.ren.realtime.Realtime"})
  @ConditionalOnRenBinding(RenBinding.REALTIME)
  static class RealtimeBinding {
    /** One per application: the HTTP transport and any other share its publish-rate buckets. */
    @Bean
    @ConditionalOnMissingBean
    RealtimeCalls renRealtimeCalls(Realtime realtime, RenSecurity security, RenProperties properties) {
      RenProperties.Realtime r = properties.getRealtime();
      return Settings.check(() -> new RealtimeCalls(realtime, security,
          new RealtimeServlet.PublishRate(r.getPublishRate(), r.getPublishBurst())));
    }

    @Bean
    @ConditionalOnMissingBean(name = "renRealtimeServletRegistration")
    ServletRegistrationBean<RealtimeServlet> renRealtimeServletRegistration(RenSetupCheck check,
        RealtimeCalls calls) {
      return binding("ren-realtime", new RealtimeServlet(calls), RealtimeServlet.PATH);
    }
  }

  /**
   * Realtime over WebSocket at {@code ren.realtime-ws-path} (default {@code /_rt/ws}, where the Maravilla realtime
   * client connects), with {@code ren-websocket-realtime} and the realtime binding: the same {@link RealtimeCalls}
   * as the HTTP binding (one publish rate per caller, the same {@link RenSecurity}), so a WebSocket publish reaches
   * SSE streams and an HTTP publish reaches WebSocket subscribers. Mounted when the servlet container has Jakarta
   * WebSocket (Boot's embedded Tomcat has it with {@code tomcat-embed-websocket}); else a warning, and no failure.
   * Origins in {@code ren.cors} may open the socket besides the server's own.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"dev.ren.websocket.realtime.RealtimeWebSocketServlet",
      "dev.ren.servlet.realtime.RealtimeServlet", "dev.ren.realtime.Realtime"})
  @ConditionalOnRenBinding(RenBinding.REALTIME)
  static class RealtimeWebSocketBinding {
    /** The endpoint; its threads start when the container starts it (see {@link RealtimeWebSocketMount}). */
    @Bean
    @ConditionalOnMissingBean
    RealtimeWebSocketServlet renRealtimeWebSocketServlet(RenSetupCheck check, RenHub hub, RealtimeCalls calls,
        RenProperties properties) {
      java.util.Set<String> origins = Settings.check(() -> Cors.parse(String.join(",", properties.getCors())))
          .origins();
      return Settings.check(() -> {
        RealtimeWebSocketServlet.Builder b = RealtimeWebSocketServlet.builder(hub, calls);
        if (!origins.isEmpty()) {
          b.allowedOrigins(origins);
        }
        return b.build();
      });
    }

    @Bean
    @ConditionalOnMissingBean(name = "renRealtimeWebSocketServletRegistration")
    ServletRegistrationBean<RealtimeWebSocketMount> renRealtimeWebSocketServletRegistration(
        RealtimeWebSocketServlet endpoint, RenProperties properties) {
      String path = properties.getRealtimeWsPath();
      ServletRegistrationBean<RealtimeWebSocketMount> r =
          binding("ren-realtime-ws", new RealtimeWebSocketMount(endpoint, path), path);
      r.setLoadOnStartup(1); // started with the context, when the container's WebSocket support exists
      return r;
    }
  }

  private static <S extends jakarta.servlet.Servlet> ServletRegistrationBean<S> binding(String name, S servlet,
      String... patterns) {
    ServletRegistrationBean<S> r = new ServletRegistrationBean<>(servlet, patterns);
    r.setName(name);
    r.setAsyncSupported(true);
    return r;
  }
}
