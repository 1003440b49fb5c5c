/**
 * The REN document store: {@link dev.ren.db.DocumentStore} and its {@link dev.ren.db.Collection}s hold JSON
 * documents queried with Mongo-style filters; every committed change is announced as a
 * {@code db.document.created|updated|deleted} event. The JDBC implementation (H2 by default, or PostgreSQL
 * through {@link dev.ren.db.DocumentStore#jdbc}) is package-private.
 */
@NullMarked
package dev.ren.db;

import org.jspecify.annotations.NullMarked;
