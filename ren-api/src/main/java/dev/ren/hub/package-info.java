/** The in-process hub: {@link dev.ren.hub.RenHub}, {@link dev.ren.hub.Subscription}, {@link dev.ren.hub.RenFilter}. */
@NullMarked
package dev.ren.hub;

import org.jspecify.annotations.NullMarked;
