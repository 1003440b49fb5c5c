package dev.ren.kv;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * A stored value with its version and expiration, as returned by {@link KvNamespace#get}. The value is held as
 * the compact JSON text the store keeps (in chunks of 64 KiB, see {@link KvText}), so an entry costs about its
 * text; {@link #value()} parses that text into a new tree on each call, {@link #writeJson} writes it out as it is.
 *
 * <pre>{@code
 * KvEntry e = ns.get("todo:1").orElseThrow();
 * JsonNode tree = e.value();   // parsed now, the caller's own copy
 * byte[] text = e.json();      // the stored JSON text, as written by GET /api/kv/{ns}/{key}
 * e.writeJson(out);            // the same text, written without a copy
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class KvEntry {

  private final KvKey key;
  /** Compact UTF-8 JSON; never changed and never handed out (shared with the backend that stores it). */
  private final KvText json;
  private final long version;
  private final @Nullable Instant expiration;

  private KvEntry(KvKey key, KvText json, long version, @Nullable Instant expiration) {
    this.key = Objects.requireNonNull(key, "key");
    this.json = Objects.requireNonNull(json, "json");
    this.version = version;
    this.expiration = expiration;
  }

  /**
   * An entry for a backend to return: {@code json} is the text the store passed to
   * {@link KvBackend#put(KvKey, byte[], java.time.Duration)}; it is copied.
   *
   * @param key        namespace and key
   * @param json       the value as compact UTF-8 JSON, as the store gave it to the backend
   * @param version    increases on every put of the key (never reused, also not after a delete)
   * @param expiration when the entry expires, or null if it has no TTL
   */
  public static KvEntry of(KvKey key, byte[] json, long version, @Nullable Instant expiration) {
    return new KvEntry(key, KvText.copyOf(json), version, expiration);
  }

  /** {@link #of} without the copy: for the store's own backend, which keeps the text it stored. */
  static KvEntry wrap(KvKey key, KvText json, long version, @Nullable Instant expiration) {
    return new KvEntry(key, json, version, expiration);
  }

  /** Namespace and key. */
  public KvKey key() {
    return key;
  }

  /** The JSON value, parsed from the stored text: a new tree on every call, so changing it changes nothing. */
  public JsonNode value() {
    return KvJson.decode(json);
  }

  /** The value as compact UTF-8 JSON text (a copy), exactly as stored and as {@code GET} returns it. */
  public byte[] json() {
    return json.toBytes();
  }

  /**
   * Writes {@link #json()} to {@code out} without copying it first: what a binding that answers with the value
   * calls (a 1 MiB value copied into one array would take two of G1's 1 MiB regions while it is written).
   */
  public void writeJson(OutputStream out) throws IOException {
    json.writeTo(out);
  }

  /** The length of {@link #json()} in bytes: what the value costs the store, before per-entry overhead. */
  public int jsonLength() {
    return json.length();
  }

  /** Increases on every put of the key (never reused, also not after a delete). */
  public long version() {
    return version;
  }

  /** When the entry expires, or null if it has no TTL. */
  public @Nullable Instant expiration() {
    return expiration;
  }

  /** The value as text: a JSON string's content, or the JSON text of any other value. */
  public String stringValue() {
    return json.first() == '"' ? KvJson.decodeString(json) : new String(json.toBytes(), StandardCharsets.UTF_8);
  }

  /** {@link #expiration()} as unix seconds (rounded up), or null without TTL. */
  public @Nullable Long expirationEpochSeconds() {
    return KvPage.epochSeconds(expiration);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof KvEntry e && key.equals(e.key) && version == e.version
        && Objects.equals(expiration, e.expiration) && json.equals(e.json);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, version, expiration, json);
  }

  @Override
  public String toString() {
    return "KvEntry[key=" + key + ", version=" + version + ", expiration=" + expiration + ", " + json + "]";
  }
}
