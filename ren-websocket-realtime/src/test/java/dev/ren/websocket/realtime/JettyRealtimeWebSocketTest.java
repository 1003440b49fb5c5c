package dev.ren.websocket.realtime;

import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import jakarta.servlet.Servlet;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;

import java.net.URI;
import java.util.Map;

/** The WebSocket transport on embedded Jetty 12 (ee10 websocket). */
class JettyRealtimeWebSocketTest extends RealtimeWebSocketContract {

  private JettyTestServer server;

  @Override
  URI start(Map<String, Servlet> servlets, RenSecurity security) {
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, security).filter("/*", new RenClientFilter());
    servlets.forEach(server::servlet);
    JakartaWebSocketServletContainerInitializer.configure(server.context(), null);
    server.start();
    return server.uri();
  }

  @Override
  void stop() {
    server.close();
  }
}
