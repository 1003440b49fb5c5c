package dev.ren.transform;

import dev.ren.storage.BlobInfo;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * An operation the {@link TransformService} can run (the SPI for adding operations). The service validates
 * the options with {@link #normalize} and derives the output key at submit time, then calls {@link #apply} on
 * a worker thread and stores the result.
 *
 * <p>Failure contract: throw {@link TransformException} (or {@link IllegalArgumentException}) for a failure
 * retrying cannot fix; an {@link IOException} counts as transient and is retried.
 *
 * <pre>{@code
 * final class Grayscale implements Transformer {
 *   public String name() { return "grayscale"; }
 *   public Map<String, String> normalize(Map<String, String> opts) { return Map.of(); }
 *   public TransformOutput apply(BlobInfo src, InputStream in, Map<String, String> opts, Progress p) { ... }
 * }
 * TransformService.builder(store, hub).register(new Grayscale()).build();
 * }</pre>
 *
 * <p>Thread-safety: implementations must be thread-safe; {@link #apply} runs on several workers at once.
 */
public interface Transformer {

  /** The operation name: {@code [a-z0-9_-]{1,32}}; the HTTP route is {@code /api/media/transforms/{name}}. */
  String name();

  /**
   * Validates the options and returns them in canonical form (defaults filled in), which decides the output
   * key: equal requests get equal keys.
   *
   * @throws IllegalArgumentException naming the bad option and the rule
   */
  Map<String, String> normalize(Map<String, String> options);

  /**
   * Where the output goes: by default the source key with {@code .<name>-<options>} inserted before its
   * extension ({@code photos/cat.jpg} → {@code photos/cat.grayscale.jpg}).
   */
  default String outputKey(String srcKey, Map<String, String> normalized) {
    StringJoiner tag = new StringJoiner("-", name(), "");
    tag.setEmptyValue(name());
    new TreeMap<>(normalized).forEach((k, v) -> tag.add(k + v));
    return insertBeforeExtension(srcKey, "." + tag);
  }

  /**
   * Runs the operation. {@code content} is the source object's bytes (closed by the caller).
   *
   * @param progress report stages as they happen; each report becomes a {@code transform.progress} event
   */
  TransformOutput apply(BlobInfo source, InputStream content, Map<String, String> options, Progress progress)
      throws IOException;

  /** Receives progress reports from {@link #apply}. */
  @FunctionalInterface
  interface Progress {
    /**
     * Reports that the run reached {@code stage}.
     *
     * @param percent 0–100
     * @param stage   a short name such as {@code decode}
     */
    void report(int percent, String stage);
  }

  /** {@code a/b.jpg} + {@code .x} → {@code a/b.x.jpg}; without an extension, appended. */
  static String insertBeforeExtension(String key, String insert) {
    int slash = key.lastIndexOf('/');
    int dot = key.lastIndexOf('.');
    if (dot <= slash + 1) {
      return key + insert;
    }
    return key.substring(0, dot) + insert + key.substring(dot);
  }
}
