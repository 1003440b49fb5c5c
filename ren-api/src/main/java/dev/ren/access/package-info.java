/**
 * Who is calling and what they may do: {@link dev.ren.access.RenCaller} (principal, roles, tenant),
 * {@link dev.ren.access.RenOperation} (every operation a client can cause, stream deliveries included),
 * {@link dev.ren.access.RenResource} (what it touches, with its owner when known) and the one
 * {@link dev.ren.access.AccessPolicy} that decides, with {@link dev.ren.access.AccessRules} for the common rules.
 *
 * <p>Nothing here knows HTTP: the servlet layer authenticates a request into a caller, every binding asks the
 * policy before it touches a store, and the stream asks it for every event it delivers, live and replayed.
 */
@NullMarked
package dev.ren.access;

import org.jspecify.annotations.NullMarked;
