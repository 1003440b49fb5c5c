package dev.ren.transform;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Each client's share of the transform queue: how many of its jobs are queued or running, at most {@link #share}
 * at once, so one client cannot keep the queue full for everyone. A client's entry is dropped when its last job
 * ends, so the map holds only clients with jobs in flight (at most the queue plus the workers).
 *
 * <p>Thread-safety: thread-safe; a submit takes, a worker gives back.
 */
final class ClientShares {

  private final int share;
  private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

  ClientShares(int share) {
    this.share = share;
  }

  int share() {
    return share;
  }

  /** Counts one more job for {@code client}; false (and nothing counted) when it already has its share. */
  boolean tryTake(String client) {
    boolean[] taken = {false};
    inFlight.compute(client, (c, n) -> {
      int now = n == null ? 0 : n;
      if (now >= share) {
        return now;
      }
      taken[0] = true;
      return now + 1;
    });
    return taken[0];
  }

  /** Gives back one job of {@code client}. */
  void giveBack(String client) {
    inFlight.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1);
  }

  /** Clients with jobs in flight (for tests and diagnostics). */
  int clients() {
    return inFlight.size();
  }
}
