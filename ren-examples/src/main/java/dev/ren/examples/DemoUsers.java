package dev.ren.examples;

import dev.ren.access.AccessRules;
import dev.ren.access.RenCaller;
import dev.ren.internal.Printable;
import dev.ren.servlet.security.InvalidCredentialsException;
import dev.ren.servlet.security.RenAuthenticator;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The demo's users, read from the file given to {@code --users}: one user per line,
 *
 * <pre>
 * # name=password,tenant[,role...]      roles: read, write, admin
 * alice=wonderland,acme,write
 * carol=s3cret,acme,read
 * bob=builder,globex,write
 * root=change-me,acme,admin
 * </pre>
 *
 * <p>Blank lines and lines starting with {@code #} are skipped. Every field is trimmed, so a password cannot begin or
 * end with a space or hold a comma. A name is 1-64 of {@code [A-Za-z0-9._@-]}; a tenant is a REN tenant id
 * ({@link RenCaller#isValidTenant}); roles are {@value #READ} (read every store and receive its events),
 * {@value #WRITE} (read and write everything) and {@value #ADMIN} (everything, as {@link AccessRules} admin); a user
 * with no role can log in and do nothing. A malformed line, an unknown role or a name given twice fails the load
 * with the line number; messages never repeat a password.
 *
 * <p>Only a SHA-256 of each password is kept, compared in constant time ({@link MessageDigest#isEqual}); an unknown
 * name is compared against a dummy digest so it takes as long as a wrong password. This is a demo's user list, not
 * a password store: the file itself holds the passwords in the clear.
 *
 * <p>Thread-safety: immutable and thread-safe.
 */
final class DemoUsers {

  /** Role: read every store and receive its events. */
  static final String READ = "read";
  /** Role: read and write every store. */
  static final String WRITE = "write";
  /** Role: everything, as an administrator. */
  static final String ADMIN = "admin";

  private static final Set<String> ROLES = Set.of(READ, WRITE, ADMIN);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final String SYNTAX = "expected name=password,tenant[,role...] with roles read, write, admin";
  private static final byte[] NO_SUCH_USER = sha256("\u0000no such user\u0000");

  /** One line of the file. Its password is kept as a digest only. */
  private static final class User {
    final String name;
    final byte[] passwordDigest;
    final String tenant;
    final Set<String> roles;
    final int line;

    User(String name, byte[] passwordDigest, String tenant, Set<String> roles, int line) {
      this.name = name;
      this.passwordDigest = passwordDigest;
      this.tenant = tenant;
      this.roles = Set.copyOf(roles);
      this.line = line;
    }
  }

  private final String source;
  private final Map<String, User> users;

  private DemoUsers(String source, Map<String, User> users) {
    this.source = source;
    this.users = Map.copyOf(users);
  }

  /**
   * Reads {@code file} (UTF-8).
   *
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException naming the file and the line, if a line is malformed or no user is defined
   */
  static DemoUsers load(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("users file " + file + " is not UTF-8 text", e);
    }
    return parse(file.toString(), lines);
  }

  /** Parses {@code lines}; {@code source} names them in error messages. */
  static DemoUsers parse(String source, List<String> lines) {
    Map<String, User> users = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      int n = i + 1;
      String line = lines.get(i).strip();
      if (i == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1).strip(); // a byte-order mark from a Windows editor
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      User u = parseLine(source, n, line);
      User before = users.putIfAbsent(u.name, u);
      if (before != null) {
        throw malformed(source, n, "user '" + u.name + "' was already defined on line " + before.line);
      }
    }
    if (users.isEmpty()) {
      throw new IllegalArgumentException("users file " + source + " defines no users (" + SYNTAX + ")");
    }
    return new DemoUsers(source, users);
  }

  private static User parseLine(String source, int n, String line) {
    int eq = line.indexOf('=');
    if (eq < 0) {
      throw malformed(source, n, "no '=' after the name; " + SYNTAX);
    }
    String name = line.substring(0, eq).strip();
    if (!NAME.matcher(name).matches()) {
      throw malformed(source, n, "the name '" + Printable.of(name) + "' must be 1-64 of [A-Za-z0-9._@-]; " + SYNTAX);
    }
    String[] fields = line.substring(eq + 1).split(",", -1);
    if (fields.length < 2) {
      throw malformed(source, n, "no tenant after the password; " + SYNTAX);
    }
    String password = fields[0].strip();
    if (password.isEmpty()) {
      throw malformed(source, n, "the password is empty; " + SYNTAX);
    }
    String tenant = fields[1].strip();
    if (!RenCaller.isValidTenant(tenant)) {
      throw malformed(source, n, "the tenant '" + Printable.of(tenant)
          + "' must match [A-Za-z0-9_-][A-Za-z0-9._-]{0,63}; " + SYNTAX);
    }
    Set<String> roles = new LinkedHashSet<>();
    for (int f = 2; f < fields.length; f++) {
      String role = fields[f].strip();
      if (!ROLES.contains(role)) {
        throw malformed(source, n, (role.isEmpty() ? "an empty role" : "unknown role '" + Printable.of(role) + "'")
            + "; roles are read, write, admin");
      }
      roles.add(role);
    }
    return new User(name, sha256(password), tenant, roles, n);
  }

  private static IllegalArgumentException malformed(String source, int line, String why) {
    return new IllegalArgumentException("users file " + source + ", line " + line + ": " + why);
  }

  /** How many users the file defines. */
  int size() {
    return users.size();
  }

  /** The file the users came from. */
  String source() {
    return source;
  }

  /**
   * The policy the roles stand for: {@value #READ} reads every domain and namespace (and receives their events),
   * {@value #WRITE} reads and writes them, {@value #ADMIN} may do everything.
   */
  static AccessRules policy() {
    return AccessRules.builder()
        .read("*", "*", READ, WRITE)
        .write("*", "*", WRITE)
        .admin(ADMIN)
        .build();
  }

  /**
   * HTTP Basic against these users: {@code Authorization: Basic base64(name:password)} is the caller named there,
   * in its tenant, with its roles. No {@code Basic} header: null (the next authenticator, or anonymous). A header
   * that does not decode, an unknown name or a wrong password: {@link InvalidCredentialsException} (a {@code 401}),
   * with one message for both of the last two so the answer does not tell which names exist.
   */
  RenAuthenticator basic() {
    return this::authenticate;
  }

  private @Nullable RenCaller authenticate(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(header.substring(6).strip());
    } catch (IllegalArgumentException e) {
      throw new InvalidCredentialsException("the Basic credentials are not Base64");
    }
    String pair = new String(decoded, StandardCharsets.UTF_8);
    int colon = pair.indexOf(':');
    if (colon < 0) {
      throw new InvalidCredentialsException("the Basic credentials have no ':' between name and password");
    }
    User u = users.get(pair.substring(0, colon));
    byte[] presented = sha256(pair.substring(colon + 1));
    // compared in full whether or not the name exists, so the time taken says nothing about the name
    boolean matches = MessageDigest.isEqual(presented, u != null ? u.passwordDigest : NO_SUCH_USER);
    if (u == null || !matches) {
      throw new InvalidCredentialsException("wrong name or password");
    }
    return RenCaller.user(u.name, u.roles, u.tenant);
  }

  private static byte[] sha256(String password) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "DemoUsers[" + users.size() + " from " + source + "]";
  }
}
