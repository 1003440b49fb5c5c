/**
 * The REN key-value store: {@link dev.ren.kv.KvStore} (entry point), {@link dev.ren.kv.KvNamespace} (operations),
 * the values {@link dev.ren.kv.KvKey}, {@link dev.ren.kv.KvEntry}, {@link dev.ren.kv.KvPage}, the bound
 * exceptions {@link dev.ren.kv.KvValueTooLargeException} and {@link dev.ren.kv.KvStoreFullException}, the input
 * exception {@link dev.ren.kv.KvInvalidJsonException} (a value given as JSON text that is not one JSON value), and the
 * backend SPI {@link dev.ren.kv.KvBackend}. The default backend (Caffeine) is package-private; build it with
 * {@link dev.ren.kv.KvStore#builder}.
 */
@NullMarked
package dev.ren.kv;

import org.jspecify.annotations.NullMarked;
