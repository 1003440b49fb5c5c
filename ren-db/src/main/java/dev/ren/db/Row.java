package dev.ren.db;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One row read from {@code ren_documents}: a document with its id and revision, as the transaction that read it
 * saw it.
 *
 * <p>Thread-safety: immutable record; {@code doc} is a private copy that nobody mutates after the read.
 */
record Row(String id, long rev, ObjectNode doc) {

  Document toDocument() {
    return new Document(id, rev, doc);
  }
}
