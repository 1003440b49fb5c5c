package dev.ren.websocket.realtime;

import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.Servlet;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.websocket.server.WsSci;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The WebSocket transport on embedded Tomcat 11 (tomcat-embed-websocket). Runs in the module's second surefire
 * execution, whose classpath has no Jetty websocket jars (they conflict with Tomcat's); skipped on the other.
 */
class TomcatRealtimeWebSocketTest extends RealtimeWebSocketContract {

  @org.junit.jupiter.api.BeforeAll
  static void onlyWithoutJettyWebSocket() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        TomcatRealtimeWebSocketTest.class.getClassLoader().getResource(
            "org/eclipse/jetty/ee10/websocket/jakarta/server/config/JakartaWebSocketServletContainerInitializer.class")
            == null, "Jetty's websocket jars are on this classpath; the 'tomcat' surefire execution runs this test");
  }

  private Tomcat tomcat;
  private Path dir;

  @Override
  @SuppressWarnings("deprecation") // addServletMappingDecoded, as the other Tomcat tests map servlets
  URI start(Map<String, Servlet> servlets, RenSecurity security) throws Exception {
    dir = Files.createTempDirectory("ren-ws-tomcat");
    tomcat = new Tomcat();
    tomcat.setBaseDir(dir.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.getService().addConnector(connector);
    Context ctx = tomcat.addContext("", dir.toString());
    ctx.getServletContext().setAttribute(RenSecurity.ATTRIBUTE, security);
    ctx.addServletContainerInitializer(new WsSci(), null);
    FilterDef fd = new FilterDef();
    fd.setFilterName("ren-client");
    fd.setFilter(new RenClientFilter());
    fd.setAsyncSupported("true");
    ctx.addFilterDef(fd);
    FilterMap fm = new FilterMap();
    fm.setFilterName("ren-client");
    fm.addURLPattern("/*");
    ctx.addFilterMap(fm);
    int i = 0;
    for (Map.Entry<String, Servlet> e : servlets.entrySet()) {
      String name = "s" + i++;
      Wrapper w = Tomcat.addServlet(ctx, name, e.getValue());
      w.setAsyncSupported(true);
      ctx.addServletMappingDecoded(e.getKey(), name);
    }
    tomcat.start();
    return URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  @Override
  void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }
}
