package dev.ren.realtime;

import dev.ren.internal.Printable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which channels keep history, and how many messages: patterns with {@code *} wildcards, tried in the order given,
 * the first match wins.
 *
 * <p>Thread-safety: immutable.
 */
final class HistoryRules {

  private static final Pattern SYNTAX = Pattern.compile("[A-Za-z0-9_.:*-]{1,128}");
  static final int MAX_MESSAGES = 100_000;

  private record Rule(Pattern regex, int messages) {}

  private final List<Rule> rules;

  private HistoryRules(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** Rules from {@code pattern → messages}, in the map's order; each pattern {@linkplain #check checked} before. */
  static HistoryRules of(Map<String, Integer> patterns) {
    List<Rule> list = new ArrayList<>(patterns.size());
    patterns.forEach((pattern, messages) -> list.add(new Rule(compile(pattern), messages)));
    return new HistoryRules(list);
  }

  /** Throws unless {@code pattern} and {@code messages} make a valid rule. */
  static void check(String pattern, int messages) {
    Objects.requireNonNull(pattern, "pattern");
    if (!SYNTAX.matcher(pattern).matches()) {
      throw new IllegalArgumentException("history pattern '" + Printable.of(pattern)
          + "' must match [A-Za-z0-9_.:*-]{1,128}");
    }
    if (messages < 1 || messages > MAX_MESSAGES) {
      throw new IllegalArgumentException("history messages must be in [1, " + MAX_MESSAGES + "], was " + messages);
    }
  }

  /** How many messages {@code channel} keeps; 0 when no rule matches. */
  int limit(String channel) {
    for (Rule r : rules) {
      if (r.regex.matcher(channel).matches()) {
        return r.messages;
      }
    }
    return 0;
  }

  private static Pattern compile(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (String part : pattern.split("\\*", -1)) {
      if (regex.length() > 0) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part)); // Pattern.quote("") yields \Q\E, harmless
    }
    return Pattern.compile(regex.toString());
  }
}
