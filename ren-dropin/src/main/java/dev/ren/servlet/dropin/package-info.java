/**
 * The drop-in: {@link dev.ren.servlet.dropin.RenInitializer}, a {@code ServletContainerInitializer} that registers
 * the REN stream and the HTTP bindings named in the context parameter {@code ren.bindings}.
 */
@NullMarked
package dev.ren.servlet.dropin;

import org.jspecify.annotations.NullMarked;
