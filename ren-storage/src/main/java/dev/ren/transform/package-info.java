/**
 * Media-transform jobs over a {@link dev.ren.storage.BlobStore}: {@link dev.ren.transform.TransformService}
 * (bounded queue, retries, {@code transform.*} events), the {@link dev.ren.transform.Transformer} SPI, and the
 * built-in {@link dev.ren.transform.ImageTransformer} ({@code resize}, {@code thumbnail}).
 */
@NullMarked
package dev.ren.transform;

import org.jspecify.annotations.NullMarked;
