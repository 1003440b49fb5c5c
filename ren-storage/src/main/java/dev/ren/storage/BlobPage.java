package dev.ren.storage;

import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * One page of a listing, in key order; pass {@code nextCursor} to {@link BlobStore#list} for the next page.
 *
 * <p>Thread-safety: immutable.
 *
 * @param items      the objects on this page
 * @param nextCursor the cursor for the next page, or null when this page is the last
 */
public record BlobPage(List<BlobInfo> items, @Nullable String nextCursor) {
  public BlobPage {
    items = List.copyOf(items);
  }
}
