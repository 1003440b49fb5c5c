/** SSE wire encoding: {@link dev.ren.sse.SseFrames}. */
@NullMarked
package dev.ren.sse;

import org.jspecify.annotations.NullMarked;
