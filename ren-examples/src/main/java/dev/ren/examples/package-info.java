/** The demo server (embedded Jetty), its web app and the demo WAR. */
@NullMarked
package dev.ren.examples;

import org.jspecify.annotations.NullMarked;
