/**
 * The Java REN client: {@link dev.ren.client.RenClient} subscribes to a REN server's SSE stream, resumes from the
 * last event id after every reconnect, and hands each message ({@link dev.ren.client.RenMessage}) to listeners.
 */
@NullMarked
package dev.ren.client;

import org.jspecify.annotations.NullMarked;
