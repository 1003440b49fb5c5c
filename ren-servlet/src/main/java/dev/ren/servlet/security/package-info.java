/**
 * Who is calling and whether they may: {@link dev.ren.servlet.security.RenSecurity} is what every binding and the
 * stream consult, built from a {@link dev.ren.servlet.security.RenAuthenticator} (the container's principal by
 * default; bearer and stream tokens through {@link dev.ren.servlet.security.RenTokens}), a
 * {@link dev.ren.servlet.security.TenantResolver} and a {@link dev.ren.access.AccessPolicy}.
 */
@NullMarked
package dev.ren.servlet.security;

import org.jspecify.annotations.NullMarked;
