package dev.ren.servlet;

import dev.ren.access.RenCaller;
import org.jspecify.annotations.Nullable;

/**
 * Who a stream counts against in the per-caller bound: an authenticated user in a tenant, else the remote address.
 * Structured, never a joined string: user {@code alice} of the default tenant and user {@code alice} of a tenant
 * named {@code null} are two holders (RELIABILITY 15 and 38).
 *
 * <p>Thread-safety: immutable.
 *
 * @param user    the user, or null for an anonymous stream
 * @param tenant  the user's tenant (null: the default tenant); null for an anonymous stream
 * @param address the remote address of an anonymous stream, else null
 */
record StreamHolder(@Nullable String user, @Nullable String tenant, @Nullable String address) {

  static StreamHolder of(RenCaller caller, String remoteAddress) {
    return caller.user() != null ? new StreamHolder(caller.user(), caller.tenant(), null)
        : new StreamHolder(null, null, remoteAddress);
  }
}
