package dev.ren.internal;

import org.jspecify.annotations.Nullable;

/**
 * The one way REN quotes untrusted input in exception messages and logs: C0 and C1 control characters, DEL and
 * lone or paired UTF-16 surrogates become {@code \\uXXXX}, and long values are cut at 80 characters, so a hostile
 * key or id can neither forge log lines nor flood them. Internal: not part of REN's API.
 *
 * <p>Thread-safety: stateless.
 */
public final class Printable {

  private static final int MAX = 80;

  private Printable() {}

  /** {@code s} with control characters escaped, cut to 80 characters (then followed by "..."). */
  public static String of(@Nullable String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX));
    for (int i = 0; i < s.length() && i < MAX; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSurrogate(c)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return s.length() > MAX ? sb + "..." : sb.toString();
  }
}
