/**
 * Mechanisms shared by REN's own modules (one backoff, one sanitiser for untrusted strings). Not part of REN's API:
 * anything here may change in any release; applications should not use it.
 */
@NullMarked
package dev.ren.internal;

import org.jspecify.annotations.NullMarked;
