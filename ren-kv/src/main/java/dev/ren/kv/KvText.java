package dev.ren.kv;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A stored value's compact JSON text, kept in chunks of at most {@value #CHUNK_BYTES} bytes. One array of a large
 * value would cost the heap up to twice its length: G1 gives an array of half a region or more (512 KiB with the
 * 1 MiB regions of heaps under 2 GiB) whole regions of its own, so a 1 MiB value takes two regions, 2 MiB
 * (measured: 63 values of 1 MiB grew a 256 MiB heap by 126 MiB, the same bytes in 64 KiB arrays by 63 MiB). In
 * chunks a value costs its length plus 16 bytes a chunk, which keeps the store's byte accounting what the heap holds.
 *
 * <p>Thread-safety: immutable; the chunks are never changed and never handed out.
 */
final class KvText {

  /** The longest chunk; far below half of G1's smallest region. */
  static final int CHUNK_BYTES = 64 << 10;

  private final byte[][] chunks;
  private final int length;

  private KvText(byte[][] chunks, int length) {
    this.chunks = chunks;
    this.length = length;
  }

  /** The text of {@code json}, which the caller never changes again: a short one is kept as it is. */
  static KvText of(byte[] json) {
    return json.length <= CHUNK_BYTES ? new KvText(new byte[][] {json}, json.length) : split(json);
  }

  /** The text of {@code json}, copied: the caller may change its array afterwards. */
  static KvText copyOf(byte[] json) {
    return json.length <= CHUNK_BYTES ? new KvText(new byte[][] {json.clone()}, json.length) : split(json);
  }

  private static KvText split(byte[] json) {
    byte[][] chunks = new byte[(json.length + CHUNK_BYTES - 1) / CHUNK_BYTES][];
    for (int i = 0; i < chunks.length; i++) {
      int from = i * CHUNK_BYTES;
      chunks[i] = Arrays.copyOfRange(json, from, Math.min(json.length, from + CHUNK_BYTES));
    }
    return new KvText(chunks, json.length);
  }

  int length() {
    return length;
  }

  /** The first byte, or -1 for empty text. */
  int first() {
    return length == 0 ? -1 : chunks[0][0];
  }

  /** The text in one new array. */
  byte[] toBytes() {
    if (chunks.length == 1) {
      return chunks[0].clone();
    }
    byte[] all = new byte[length];
    int at = 0;
    for (byte[] c : chunks) {
      System.arraycopy(c, 0, all, at, c.length);
      at += c.length;
    }
    return all;
  }

  /** Writes the text to {@code out}, chunk by chunk, without joining it. */
  void writeTo(OutputStream out) throws IOException {
    for (byte[] c : chunks) {
      out.write(c);
    }
  }

  /** The text as a stream, chunk by chunk, for a parser. */
  InputStream stream() {
    List<InputStream> parts = new ArrayList<>(chunks.length);
    for (byte[] c : chunks) {
      parts.add(new java.io.ByteArrayInputStream(c));
    }
    return new SequenceInputStream(Collections.enumeration(parts));
  }

  /** The length of the longest chunk (for tests of the chunking). */
  int longestChunk() {
    int max = 0;
    for (byte[] c : chunks) {
      max = Math.max(max, c.length);
    }
    return max;
  }

  /** The single chunk of a short text, or null when it has several. */
  byte @Nullable [] single() {
    return chunks.length == 1 ? chunks[0] : null;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    // both sides are chunked by the same rule, so equal text means equal chunks
    return o instanceof KvText t && length == t.length && Arrays.deepEquals(chunks, t.chunks);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(chunks);
  }

  @Override
  public String toString() {
    return length + " bytes";
  }
}
