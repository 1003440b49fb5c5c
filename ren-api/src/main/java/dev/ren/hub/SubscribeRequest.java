package dev.ren.hub;

import dev.ren.RenEvent;
import dev.ren.access.RenCaller;
import org.jspecify.annotations.Nullable;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * What a subscriber asks of the hub.
 *
 * <p>Thread-safety: immutable (the access predicate must itself be thread-safe).
 *
 * @param filter      which events
 * @param lastEventId the untrusted resume point ({@code Last-Event-ID}), or null to start live
 * @param clientId    the subscriber's client id, or null; tracked for presence
 * @param access      checked for every event delivered, live and replayed alike
 * @param caller      who subscribes: the hub delivers only events of the caller's tenant (checked before the filter
 *                    and the access check, live and replayed alike), and tracks the client id as this caller's
 */
public record SubscribeRequest(
    RenFilter filter, @Nullable String lastEventId, @Nullable String clientId, Predicate<RenEvent> access,
    RenCaller caller) {

  public SubscribeRequest {
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(caller, "caller");
  }

  /** A request of the anonymous caller in the default tenant. */
  public SubscribeRequest(RenFilter filter, @Nullable String lastEventId, @Nullable String clientId,
      Predicate<RenEvent> access) {
    this(filter, lastEventId, clientId, access, RenCaller.anonymous());
  }

  /** Live events matching the filter, no client id, no access restriction. */
  public static SubscribeRequest of(RenFilter filter) {
    return new SubscribeRequest(filter, null, null, e -> true);
  }

  public SubscribeRequest withLastEventId(@Nullable String id) {
    return new SubscribeRequest(filter, id, clientId, access, caller);
  }

  public SubscribeRequest withClientId(@Nullable String id) {
    return new SubscribeRequest(filter, lastEventId, id, access, caller);
  }

  public SubscribeRequest withAccess(Predicate<RenEvent> check) {
    return new SubscribeRequest(filter, lastEventId, clientId, check, caller);
  }

  public SubscribeRequest withCaller(RenCaller c) {
    return new SubscribeRequest(filter, lastEventId, clientId, access, c);
  }
}
