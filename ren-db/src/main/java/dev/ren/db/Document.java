package dev.ren.db;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * A stored document: its {@code _id}, its revision (1 on insert, +1 on every change) and its JSON, which
 * includes {@code _id}.
 *
 * <p>Thread-safety: the record is immutable but {@code json} is a mutable Jackson tree owned by the caller; the
 * store never keeps a reference to it.
 *
 * @param id       the {@code _id}
 * @param revision the revision, starting at 1
 * @param json     the document with its {@code _id}
 */
public record Document(String id, long revision, ObjectNode json) {
  public Document {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(json, "json");
  }
}
