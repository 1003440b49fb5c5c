package dev.ren.access;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * What an operation touches: its domain, the namespace within it (KV namespace, collection, bucket, channel), the
 * key (KV key, document id, object key), and the owner when the store records one (an owned document or object),
 * so a policy can say "only its owner" the way Maravilla's {@code auth.user_id == node.owner} does.
 *
 * <p>A resource is structured, never a joined string: ({@code a:b}, {@code c}) and ({@code a}, {@code b:c}) are two
 * resources.
 *
 * <p>Thread-safety: immutable.
 *
 * @param domain    {@code kv}, {@code db}, {@code storage}, {@code transform}, {@code realtime}, {@code presence},
 *                  or a custom event domain
 * @param namespace namespace, collection, bucket or channel; null for a domain-wide operation
 * @param key       key, document id or object key; null for a namespace-wide operation (a list, a find)
 * @param owner     the user that owns the resource when known, else null
 */
public record RenResource(String domain, @Nullable String namespace, @Nullable String key, @Nullable String owner) {

  public RenResource {
    Objects.requireNonNull(domain, "domain");
  }

  /** A KV key ({@code key} null: the namespace, e.g. a listing). */
  public static RenResource kv(String namespace, @Nullable String key) {
    return new RenResource(EventTypes.KV, namespace, key, null);
  }

  /** A document ({@code id} null: the collection). */
  public static RenResource db(String collection, @Nullable String id, @Nullable String owner) {
    return new RenResource(EventTypes.DB, collection, id, owner);
  }

  /** An object ({@code key} null: the bucket, or a prefix listing). */
  public static RenResource storage(String bucket, @Nullable String key, @Nullable String owner) {
    return new RenResource(EventTypes.STORAGE, bucket, key, owner);
  }

  /** A transform of the object {@code srcKey} in {@code bucket}. */
  public static RenResource transform(String bucket, @Nullable String srcKey) {
    return new RenResource(EventTypes.TRANSFORM, bucket, srcKey, null);
  }

  /** A realtime channel ({@code channel} null: every channel, e.g. the channel list). */
  public static RenResource channel(@Nullable String channel) {
    return new RenResource(EventTypes.REALTIME, channel, null, null);
  }

  /** A presence channel, with the member's user when the operation names one. */
  public static RenResource presence(String channel, @Nullable String userId) {
    return new RenResource(EventTypes.PRESENCE, channel, userId, userId);
  }

  /**
   * The resource an event is about: its domain; its namespace, or its channel for realtime and presence; its key;
   * and as owner its {@code uid} for the domains whose stores put the owner there ({@code db}, {@code storage},
   * {@code transform}, {@code presence}).
   */
  public static RenResource of(RenEvent e) {
    String domain = e.r();
    String ns = e.ch() != null ? e.ch() : e.ns();
    String owner = switch (domain) {
      case EventTypes.DB, EventTypes.STORAGE, EventTypes.TRANSFORM, EventTypes.PRESENCE -> e.uid();
      default -> null;
    };
    return new RenResource(domain, ns, e.k(), owner);
  }
}
