package dev.ren.spring.boot.starter;

import dev.ren.kv.KvStore;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.util.Map;

/** A fresh Boot application: the starter, ren-kv, webmvc and actuator; the only REN code is the injected KvStore. */
@SpringBootApplication
public class StarterApp {

  public static void main(String[] args) {
    SpringApplication.run(StarterApp.class, args);
  }

  /** Writes a KV key; REN publishes {@code kv.put} to every stream. */
  @RestController
  static class TodoController {
    private final KvStore kv;

    TodoController(KvStore kv) {
      this.kv = kv;
    }

    @PutMapping("/api/todos/{id}")
    Map<String, Object> put(@PathVariable("id") String id, @RequestBody String title) {
      long version = kv.namespace("demo").put("todo:" + id, title);
      return Map.of("id", id, "version", version);
    }
  }
}
