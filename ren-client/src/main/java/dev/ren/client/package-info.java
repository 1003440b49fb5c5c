/**
 * The Java REN client: {@link dev.ren.client.RenClient} subscribes to a REN server's SSE stream, resumes from the
 * last event id after every reconnect, and hands each message ({@link dev.ren.client.RenMessage}) to listeners.
 * Its reconnect waits are a replaceable {@link dev.ren.client.RetryDelayStrategy}. The machinery behind them is
 * package-private: one connection attempt ({@code StreamConnection}), the reconnect state machine
 * ({@code ReconnectLoop}), listener dispatch ({@code CallbackDispatcher}) and the threads a client owns
 * ({@code OwnedThreads}).
 */
@NullMarked
package dev.ren.client;

import org.jspecify.annotations.NullMarked;
