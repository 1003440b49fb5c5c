package dev.ren.kv;

/**
 * What a KV store holds, as counted against its bounds ({@link KvStore.Builder#maxEntries},
 * {@link KvStore.Builder#maxTotalBytes}): entries, and bytes as charged (value text, key text and a per-entry
 * estimate, see {@link KvStore}). For a shared backend (Redis) the counts are the whole store's, all nodes together.
 *
 * <p>Thread-safety: immutable.
 *
 * @param entries live entries (an entry past its TTL may be counted until it is swept)
 * @param bytes   bytes charged for them
 */
public record KvUsage(long entries, long bytes) {
}
