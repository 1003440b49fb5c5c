/** The SSE servlet ({@link dev.ren.servlet.RenServlet}), the client-id filter, CORS and drop-in registration. */
@NullMarked
package dev.ren.servlet;

import org.jspecify.annotations.NullMarked;
