/** Health checks of REN's parts: {@link dev.ren.health.Health}, the answer of every component's bounded check. */
@NullMarked
package dev.ren.health;

import org.jspecify.annotations.NullMarked;
