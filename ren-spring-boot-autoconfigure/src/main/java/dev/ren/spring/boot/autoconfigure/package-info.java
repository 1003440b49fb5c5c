/**
 * Spring Boot auto-configuration of REN: the hub, the SSE stream and client-id filter, a bean per store module on
 * the classpath, the HTTP bindings named in {@code ren.bindings}, access control (Spring Security's
 * {@code Authentication} as the REN caller), graceful shutdown of streams, Micrometer meters and an Actuator health
 * contributor. Settings: {@link dev.ren.spring.boot.autoconfigure.RenProperties}.
 */
@NullMarked
package dev.ren.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
