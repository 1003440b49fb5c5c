package dev.ren.examples;

import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.access.AccessRules;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code --users} file syntax and the policy its roles stand for. */
class DemoUsersFileTest {

  @Test
  void parse_commentsBlankLinesAndSpaces_areSkippedAndTrimmed() {
    DemoUsers u = DemoUsers.parse("u.txt", List.of("\uFEFF# users", "", "   ", "  # indented comment",
        " alice = pw , a , write , read ", "nobody=pw,a"));
    assertEquals(2, u.size());
  }

  @Test
  void parse_noEquals_failsNamingTheLine() {
    assertMalformed(List.of("# x", "alice:pw,a,write"), "u.txt, line 2: no '='");
  }

  @Test
  void parse_noTenant_failsNamingTheLine() {
    assertMalformed(List.of("alice=pw"), "u.txt, line 1: no tenant");
  }

  @Test
  void parse_emptyPassword_fails() {
    assertMalformed(List.of("alice= ,a,write"), "u.txt, line 1: the password is empty");
  }

  @Test
  void parse_badTenant_fails() {
    assertMalformed(List.of("alice=pw,a b,write"), "u.txt, line 1: the tenant 'a b'");
  }

  @Test
  void parse_badName_fails() {
    assertMalformed(List.of("al ice=pw,a,write"), "u.txt, line 1: the name 'al ice'");
  }

  @Test
  void parse_unknownRole_failsNamingRoleAndLine() {
    assertMalformed(List.of("alice=pw,a,write", "bob=pw,b,root"), "u.txt, line 2: unknown role 'root'");
  }

  @Test
  void parse_emptyRole_fails() {
    assertMalformed(List.of("alice=pw,a,write,"), "u.txt, line 1: an empty role");
  }

  @Test
  void parse_nameTwice_failsNamingBothLines() {
    assertMalformed(List.of("alice=pw,a,write", "", "alice=pw2,b,read"),
        "u.txt, line 3: user 'alice' was already defined on line 1");
  }

  @Test
  void parse_noUsers_fails() {
    assertMalformed(List.of("# nobody", ""), "users file u.txt defines no users");
  }

  @Test
  void parse_malformedLine_neverEchoesThePassword() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DemoUsers.parse("u.txt", List.of("alice=hunter2-secret,a,wrote")));
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }

  @Test
  void policy_rolesReadWriteAdmin_grantWhatTheySay() {
    AccessRules p = DemoUsers.policy();
    RenCaller reader = RenCaller.user("carol", Set.of("read"), "a");
    RenCaller writer = RenCaller.user("alice", Set.of("write"), "a");
    RenCaller admin = RenCaller.user("dave", Set.of("admin"), "a");
    RenCaller none = RenCaller.user("nobody", Set.of(), "a");
    RenResource todo = RenResource.kv("demo", "todo:1");
    assertTrue(p.allows(reader, RenOperation.KV_GET, todo));
    assertFalse(p.allows(reader, RenOperation.KV_PUT, todo));
    assertTrue(p.allows(writer, RenOperation.KV_GET, todo));
    assertTrue(p.allows(writer, RenOperation.KV_PUT, todo));
    assertTrue(p.allows(admin, RenOperation.KV_DELETE, todo));
    assertFalse(p.allows(none, RenOperation.KV_GET, todo));
    assertFalse(p.allows(RenCaller.anonymous(), RenOperation.KV_GET, todo));
  }

  private static void assertMalformed(List<String> lines, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoUsers.parse("u.txt", lines));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
