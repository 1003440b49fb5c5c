/**
 * The REN event model: {@link dev.ren.RenEvent}, {@link dev.ren.RenPublisher} (what backends depend on) and
 * {@link dev.ren.RenOrigin} (which client caused a write).
 */
@NullMarked
package dev.ren;

import org.jspecify.annotations.NullMarked;
