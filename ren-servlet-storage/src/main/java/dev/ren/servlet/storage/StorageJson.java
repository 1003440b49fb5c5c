package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.internal.Printable;
import dev.ren.servlet.http.HttpError;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.PresignedUrl;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The storage binding's JSON: the shapes it answers with ({@code {key, size, contentType, etag, lastModified,
 * metadata, owner?}}, signed URLs) and the fields and headers it reads, each refused with a {@code 400} that names it.
 *
 * <p>Thread-safety: stateless.
 */
final class StorageJson {

  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private StorageJson() {}

  static ObjectNode info(BlobInfo info) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("key", info.key());
    n.put("size", info.size());
    n.put("contentType", info.contentType());
    n.put("etag", info.etag());
    n.put("lastModified", info.lastModified().toString());
    ObjectNode m = n.putObject("metadata");
    info.metadata().forEach(m::put);
    String owner = info.owner();
    if (owner != null) {
      n.put("owner", owner);
    }
    return n;
  }

  /**
   * {@code {url, method, headers, expiresIn, expiresAt}}: the URL under {@code publicBase} when one is configured,
   * else relative to the server ({@code /context/api/storage/...}). Never from the request's {@code Host}, which
   * the client chooses.
   */
  static ObjectNode url(HttpServletRequest req, @Nullable String publicBase, PresignedUrl url) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("url", (publicBase != null ? publicBase : req.getContextPath()) + url.url());
    n.put("method", url.method());
    ObjectNode h = n.putObject("headers");
    url.headers().forEach(h::put);
    n.put("expiresIn", url.expiresIn());
    n.put("expiresAt", url.expiresAt().toString());
    return n;
  }

  /** The {@code X-Metadata} header: a JSON object of scalar values, as strings; empty when absent. */
  static Map<String, String> metadataHeader(HttpServletRequest req) {
    String h = req.getHeader("X-Metadata");
    if (h == null || h.isBlank()) {
      return Map.of();
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(h);
    } catch (IOException e) {
      throw HttpError.badRequest("X-Metadata must be a JSON object: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw HttpError.badRequest("X-Metadata must be a JSON object of string values");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (var e : node.properties()) {
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw HttpError.badRequest("X-Metadata value of '" + Printable.of(e.getKey())
            + "' must be a string, number or boolean");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  static String requiredText(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw HttpError.badRequest("'" + field + "' is required and must be a non-empty string");
    }
    return v.asText();
  }

  /** The first of {@code names} present (not null), which must be a string; null when none is. */
  static @Nullable String text(ObjectNode body, String... names) {
    for (String name : names) {
      JsonNode v = body.get(name);
      if (v != null && !v.isNull()) {
        if (!v.isTextual()) {
          throw HttpError.badRequest("'" + name + "' must be a string");
        }
        return v.asText();
      }
    }
    return null;
  }

  /** The first of {@code names} present (not null), which must be an integer; {@code fallback} when none is. */
  static long number(ObjectNode body, long fallback, String... names) {
    for (String name : names) {
      JsonNode v = body.get(name);
      if (v != null && !v.isNull()) {
        if (!v.canConvertToLong() || !v.isIntegralNumber()) {
          throw HttpError.badRequest("'" + name + "' must be an integer, was " + v);
        }
        return v.asLong();
      }
    }
    return fallback;
  }
}
