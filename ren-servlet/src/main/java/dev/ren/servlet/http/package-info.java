/**
 * HTTP bindings: one small servlet per backend (kv, db, storage, realtime, transforms) on top of
 * {@link dev.ren.servlet.http.JsonServlet}, which holds JSON reading, writing and errors in one place.
 */
@NullMarked
package dev.ren.servlet.http;

import org.jspecify.annotations.NullMarked;
