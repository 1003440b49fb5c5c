package dev.ren.bench.peer.spring;

import dev.ren.bench.shared.PeerKit;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.MediaType;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Benchmark peer: Spring MVC {@link SseEmitter}, written the way Spring's guide shows it — a list of emitters,
 * {@code send} to each in a loop; heartbeats from a {@code @Scheduled} method (every 15 s, as REN's default).
 * Run: {@code java -jar spring-sse-peer.jar --server.port=8082}.
 */
@SpringBootApplication
@EnableScheduling
@RestController
public class SpringSsePeer {

  private final List<SseEmitter> emitters = new CopyOnWriteArrayList<>();
  private final PeerKit kit = new PeerKit(this::broadcast, emitters::size);

  public static void main(String[] args) {
    SpringApplication.run(SpringSsePeer.class, args);
  }

  @GetMapping(path = "/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  public SseEmitter stream() {
    SseEmitter emitter = new SseEmitter(0L); // 0 = never time out
    emitters.add(emitter);
    emitter.onCompletion(() -> emitters.remove(emitter));
    emitter.onTimeout(() -> emitters.remove(emitter));
    emitter.onError(e -> emitters.remove(emitter));
    try {
      // Spring commits the response only with the first send: open the stream at once, as REN's ren.meta does
      emitter.send(SseEmitter.event().comment("connected"));
    } catch (IOException e) {
      emitters.remove(emitter);
      emitter.completeWithError(e);
    }
    return emitter;
  }

  private void broadcast(long seq, long sentMicros, long tsMillis, int pad) {
    String json = PeerKit.json(seq, sentMicros, tsMillis, pad);
    String id = Long.toString(seq);
    for (SseEmitter emitter : emitters) {
      try {
        emitter.send(SseEmitter.event().id(id).name("realtime.message").data(json));
      } catch (Exception e) {
        emitters.remove(emitter);
        emitter.completeWithError(e);
      }
    }
  }

  @Scheduled(fixedRate = 15_000, initialDelay = 15_000)
  public void heartbeat() {
    for (SseEmitter emitter : emitters) {
      try {
        emitter.send(SseEmitter.event().comment("ping"));
      } catch (Exception e) {
        emitters.remove(emitter);
        emitter.completeWithError(e);
      }
    }
  }

  @RequestMapping(path = "/bench/{op}", produces = MediaType.APPLICATION_JSON_VALUE)
  public String control(@PathVariable String op, @RequestParam Map<String, String> q) {
    return kit.control(op, q);
  }
}
