/**
 * REN's meters for Micrometer: {@link dev.ren.micrometer.RenMetrics}, a {@code MeterBinder} over the hub's
 * counters and the stores' gauges, usable with or without Spring Boot.
 */
@NullMarked
package dev.ren.micrometer;

import org.jspecify.annotations.NullMarked;
