/**
 * Blob storage that announces every change: {@link dev.ren.storage.BlobStore} (with a filesystem backend),
 * {@link dev.ren.storage.BlobInfo}, {@link dev.ren.storage.BlobKeys} (the key rule) and
 * {@link dev.ren.storage.Presigner} (signed, expiring upload and download URLs).
 */
@NullMarked
package dev.ren.storage;

import org.jspecify.annotations.NullMarked;
