package dev.ren.servlet.dropin;

import dev.ren.access.AccessRules;
import dev.ren.internal.Printable;
import jakarta.servlet.ServletException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The text form of {@link AccessRules} in the context parameter {@code ren.access.rules}: one rule per line (or
 * separated by {@code ;}), blank lines and {@code #} comments ignored.
 *
 * <pre>
 * read      kv todos   reader,writer     # receive kv:todos events, get and list its keys
 * write     kv todos   writer
 * readwrite db notes   *authenticated    # any logged-in user
 * owned     db notes                     # a note is reachable only by the user who created it
 * read      realtime * *anyone           # the anonymous too
 * admin     admin                        # everything, owned resources included
 * </pre>
 *
 * <ul>
 *   <li>{@code read|write|readwrite <domain> <namespace> <roles>}: domain {@code kv}, {@code db}, {@code storage},
 *       {@code transform}, {@code realtime}, {@code presence} (or {@code *}); namespace exact, a prefix ending in
 *       {@code *}, or {@code *}; roles comma-separated, with {@code *authenticated} and {@code *anyone} as
 *       placeholders ({@link AccessRules#AUTHENTICATED}, {@link AccessRules#ANYONE}).</li>
 *   <li>{@code owned <domain> <namespace>}: beyond a grant, resources there belong to their owner.</li>
 *   <li>{@code admin <roles>}: callers with one of them may do everything.</li>
 * </ul>
 *
 * <p>A line that does not parse fails the deployment, naming the line and what is wrong. The roles named are the
 * ones the container is asked about ({@code isUserInRole}).
 *
 * <p>Thread-safety: immutable.
 *
 * @param rules the parsed rules
 * @param roles every role the rules name (placeholders excluded), in order of first mention
 */
record AccessRulesText(AccessRules rules, List<String> roles) {

  private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9_.:@-]{1,64}");
  private static final List<String> VERBS = List.of("read", "write", "readwrite", "owned", "admin");

  AccessRulesText {
    roles = List.copyOf(roles);
  }

  /** Parses {@code text}; {@code param} names the parameter in messages. */
  static AccessRulesText parse(String param, String text) throws ServletException {
    AccessRules.Builder b = AccessRules.builder();
    Set<String> roles = new LinkedHashSet<>();
    int count = 0;
    String[] lines = text.split("\\R|;", -1);
    for (int i = 0; i < lines.length; i++) {
      String raw = lines[i];
      int hash = raw.indexOf('#');
      String line = (hash < 0 ? raw : raw.substring(0, hash)).trim();
      if (line.isEmpty()) {
        continue;
      }
      String where = param + " rule " + (i + 1) + " '" + Printable.of(line) + "': ";
      String[] words = line.split("\\s+");
      String verb = words[0].toLowerCase(Locale.ROOT);
      try {
        switch (verb) {
          case "read", "write", "readwrite" -> {
            if (words.length < 4) {
              throw new ServletException(where + "expected " + verb + " <domain> <namespace> <role>[,<role>...]");
            }
            String[] granted = roles(where, words, 3, roles);
            if (verb.equals("read")) {
              b.read(words[1], words[2], granted);
            } else if (verb.equals("write")) {
              b.write(words[1], words[2], granted);
            } else {
              b.readWrite(words[1], words[2], granted);
            }
          }
          case "owned" -> {
            if (words.length != 3) {
              throw new ServletException(where + "expected owned <domain> <namespace>");
            }
            b.owned(words[1], words[2]);
          }
          case "admin" -> {
            if (words.length < 2) {
              throw new ServletException(where + "expected admin <role>[,<role>...]");
            }
            String[] admins = roles(where, words, 1, roles);
            for (String r : admins) {
              if (r.startsWith("*")) {
                throw new ServletException(where + "admin takes role names, not " + r);
              }
            }
            b.admin(admins);
          }
          default -> throw new ServletException(where + "unknown rule '" + Printable.of(words[0]) + "'; rules are "
              + String.join(", ", VERBS));
        }
      } catch (IllegalArgumentException e) {
        throw new ServletException(where + e.getMessage(), e);
      }
      count++;
    }
    if (count == 0) {
      throw new ServletException(param + " holds no rule: everything would be refused; write rules such as "
          + "'read kv todos reader' (one per line or separated by ;)");
    }
    return new AccessRulesText(b.build(), new ArrayList<>(roles));
  }

  /** The comma-separated roles in {@code words[from..]} (spaces after commas allowed); noted in {@code all}. */
  private static String[] roles(String where, String[] words, int from, Set<String> all) throws ServletException {
    String joined = String.join("", Arrays.copyOfRange(words, from, words.length));
    List<String> out = new ArrayList<>();
    for (String r : joined.split(",", -1)) {
      if (r.equals(AccessRules.AUTHENTICATED) || r.equals(AccessRules.ANYONE)) {
        out.add(r);
        continue;
      }
      if (!ROLE.matcher(r).matches()) {
        throw new ServletException(where + "role '" + Printable.of(r) + "' must match " + ROLE.pattern()
            + " (or be " + AccessRules.AUTHENTICATED + " or " + AccessRules.ANYONE + ")");
      }
      out.add(r);
      all.add(r);
    }
    return out.toArray(String[]::new);
  }
}
