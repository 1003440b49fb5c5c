package dev.ren.spring.boot.autoconfigure;

import dev.ren.access.AccessPolicy;
import dev.ren.access.AccessRules;
import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.servlet.kv.KvServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobStore;
import dev.ren.testing.TestJson;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** One test per condition of the auto-configuration, on Spring's context runner (no server). */
class RenAutoConfigurationTest {

  @TempDir
  Path dir;

  private WebApplicationContextRunner runner() {
    return new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RenAutoConfiguration.class, RenWebAutoConfiguration.class))
        .withPropertyValues("ren.data-dir=" + dir);
  }

  @Test
  void noBindings_streamAndStoresButNoBindingRegistered() {
    runner().run(ctx -> {
      assertThat(ctx).hasNotFailed();
      assertThat(ctx).hasSingleBean(RenHub.class).hasSingleBean(KvStore.class).hasSingleBean(DocumentStore.class)
          .hasSingleBean(BlobStore.class);
      assertThat(ctx).hasBean("renServletRegistration").hasBean("renClientFilterRegistration");
      assertThat(ctx).doesNotHaveBean("renKvServletRegistration").doesNotHaveBean("renDbServletRegistration")
          .doesNotHaveBean("renStorageServletRegistration").doesNotHaveBean("renRealtimeServletRegistration")
          .doesNotHaveBean("renTransformServletRegistration");
      assertThat(ctx).doesNotHaveBean(RenSecurity.class); // the stream alone, no policy: runs without one
      ServletRegistrationBean<?> stream = ctx.getBean("renServletRegistration", ServletRegistrationBean.class);
      assertThat(stream.getUrlMappings()).containsExactly("/api/maravilla/ren", "/api/maravilla/ren/*");
    });
  }

  @Test
  void bindingWithoutPolicy_startupFailsSayingHowToConfigureOne() {
    runner().withPropertyValues("ren.bindings=kv").run(ctx -> {
      assertThat(ctx).hasFailed();
      Throwable root = rootCause(ctx.getStartupFailure());
      assertThat(root).isInstanceOf(RenStartupException.class)
          .hasMessageContaining("REN bindings are installed (ren.bindings=kv) but no access policy is configured")
          .hasMessageContaining("AccessPolicy bean").hasMessageContaining("ren.access=open");
    });
  }

  @Test
  void bindingWithOpenAccess_bindingRegisteredOpen() {
    runner().withPropertyValues("ren.bindings=kv,db", "ren.access=open").run(ctx -> {
      assertThat(ctx).hasNotFailed();
      assertThat(ctx).hasBean("renKvServletRegistration").hasBean("renDbServletRegistration")
          .doesNotHaveBean("renStorageServletRegistration");
      assertThat(ctx.getBean(RenSecurity.class).isOpen()).isTrue();
      assertThat(ctx.getBean(RenSetupCheck.class).bindings()).containsExactlyInAnyOrder(RenBinding.KV,
          RenBinding.DB);
    });
  }

  @Test
  void bindingWithPolicyBean_securityUsesThatPolicy() {
    runner().withPropertyValues("ren.bindings=kv").withUserConfiguration(PolicyConfig.class).run(ctx -> {
      assertThat(ctx).hasNotFailed();
      RenSecurity security = ctx.getBean(RenSecurity.class);
      assertThat(security.policy()).isSameAs(ctx.getBean(AccessPolicy.class));
      assertThat(security.tokens()).isPresent(); // ren-tokens on the classpath: stream tokens work
    });
  }

  @Test
  void openAndPolicyBean_startupFailsAskingForOnePlace() {
    runner().withPropertyValues("ren.access=open").withUserConfiguration(PolicyConfig.class).run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(rootCause(ctx.getStartupFailure())).isInstanceOf(RenStartupException.class)
          .hasMessageContaining("ren.access=open is set and the application defines an AccessPolicy bean");
    });
  }

  @Test
  void bindingModuleMissing_startupFailsNamingTheArtifact() {
    runner().withClassLoader(new FilteredClassLoader(KvServlet.class))
        .withPropertyValues("ren.bindings=kv", "ren.access=open").run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(rootCause(ctx.getStartupFailure())).isInstanceOf(RenStartupException.class)
              .hasMessageContaining("ren.bindings names kv, but dev.ren.servlet.kv.KvServlet is not on the classpath")
              .hasMessageContaining("dev.ren:ren-servlet-kv");
        });
  }

  @Test
  void unknownBinding_startupFailsNamingTheValue() {
    runner().withPropertyValues("ren.bindings=kv,graphql", "ren.access=open").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ctx.getStartupFailure()).hasStackTraceContaining("ren.bindings")
          .hasStackTraceContaining("graphql");
    });
  }

  @Test
  void dataSourcePresent_documentsStoredOnIt() throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:" + dir.resolve("app") + ";DB_CLOSE_DELAY=-1");
    Path noDataDir = dir.resolve("unused");
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RenAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader(BlobStore.class)) // blobs would need ren.data-dir
        .withBean(DataSource.class, () -> ds)
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          DocumentStore db = ctx.getBean(DocumentStore.class);
          db.collection("todos").insertOne(
              (com.fasterxml.jackson.databind.node.ObjectNode) TestJson.parse("{\"title\":\"on the app's database\"}"));
        });
    // the document is in the application's database, not in a REN file under a data directory
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE 'REN%'")) {
      rs.next();
      assertThat(rs.getInt(1)).isPositive();
    }
    assertThat(Files.exists(noDataDir)).isFalse();
  }

  @Test
  void noDataSourceNoDataDir_startupFailsAskingForDataDir() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RenAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader(BlobStore.class))
        .run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(rootCause(ctx.getStartupFailure())).isInstanceOf(RenStartupException.class)
              .hasMessageContaining("ren-db (documents) without a DataSource keeps data on disk, but ren.data-dir "
                  + "is not set");
        });
  }

  @Test
  void userBeans_replaceTheDefaults() {
    runner().withUserConfiguration(UserStores.class).run(ctx -> {
      assertThat(ctx).hasNotFailed();
      assertThat(ctx.getBean(RenHub.class)).isSameAs(UserStores.HUB);
      assertThat(ctx.getBean(KvStore.class)).isSameAs(ctx.getBean("myKv"));
      assertThat(ctx).hasSingleBean(KvStore.class);
    });
  }

  @Test
  void disabled_nothingConfigured() {
    runner().withPropertyValues("ren.enabled=false", "ren.bindings=kv").run(ctx -> {
      assertThat(ctx).hasNotFailed();
      assertThat(ctx).doesNotHaveBean(RenHub.class).doesNotHaveBean("renServletRegistration");
    });
  }

  @Test
  void badSetting_startupFailsNamingIt() {
    runner().withPropertyValues("ren.stream-token-ttl=1s", "ren.access=open").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(rootCause(ctx.getStartupFailure())).isInstanceOf(RenStartupException.class)
          .hasMessageContaining("streamTokenTtl must be in [10 s, 24 h]");
    });
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  @Configuration(proxyBeanMethods = false)
  static class PolicyConfig {
    @Bean
    AccessPolicy policy() {
      return AccessRules.builder().read("*", "*", "read", "write").write("*", "*", "write").build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class UserStores {
    static final RenHub HUB = RenHub.create();

    @Bean(destroyMethod = "")
    RenHub myHub() {
      return HUB;
    }

    @Bean(destroyMethod = "close")
    KvStore myKv(RenHub hub) {
      return KvStore.inMemory(hub);
    }
  }
}
