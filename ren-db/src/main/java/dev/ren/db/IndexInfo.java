package dev.ren.db;

import java.util.List;

/**
 * A declared index: its name and the dotted field paths it covers.
 *
 * <p>Thread-safety: immutable.
 */
public record IndexInfo(String name, List<String> fields) {
  public IndexInfo {
    fields = List.copyOf(fields);
  }
}
