package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One user present on a channel as realtime keeps it, returned by {@link Realtime#membersJson}: the metadata is the
 * compact JSON text realtime stores, not a tree. One channel's members may hold up to
 * {@linkplain Realtime.Builder#maxPresenceBytes 16 MiB} of metadata, which as Jackson trees could be thirty times
 * that; a reader that only writes the metadata out (an HTTP binding) takes {@link #metadataJson()} and never builds
 * one.
 *
 * <p>Thread-safety: immutable.
 */
public final class StoredMember {

  private final String userId;
  /** Compact UTF-8 JSON, shared with presence and never changed; handed out as copies only. */
  private final byte[] metadata;
  private final long lastSeen;

  StoredMember(String userId, byte[] metadata, long lastSeen) {
    this.userId = userId;
    this.metadata = metadata;
    this.lastSeen = lastSeen;
  }

  /** The user. */
  public String userId() {
    return userId;
  }

  /** The metadata of the latest join or update as compact UTF-8 JSON text (a copy); {@code {}} when none was given. */
  public byte[] metadataJson() {
    return metadata.clone();
  }

  /** The length of {@link #metadataJson()} in bytes, as counted against {@link Realtime.Builder#maxPresenceBytes}. */
  public int metadataLength() {
    return metadata.length;
  }

  /** The metadata parsed into a new tree on each call. */
  public JsonNode metadata() {
    return StoredJson.decode(metadata);
  }

  /** Unix milliseconds of the latest join or update. */
  public long lastSeen() {
    return lastSeen;
  }

  /** This member with its metadata parsed, as {@link Realtime#members} returns it. */
  public PresenceMember toMember() {
    return new PresenceMember(userId, metadata(), lastSeen);
  }

  @Override
  public String toString() {
    return "StoredMember[" + userId + ", " + metadata.length + " bytes, lastSeen=" + lastSeen + "]";
  }
}
