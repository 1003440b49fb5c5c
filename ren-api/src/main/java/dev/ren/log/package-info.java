/** The event-log seam under the hub: {@link dev.ren.log.EventLog} and its in-memory implementation. */
@NullMarked
package dev.ren.log;

import org.jspecify.annotations.NullMarked;
