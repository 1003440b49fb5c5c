package dev.ren.transform;

/**
 * The result of one {@link Transformer} run: the bytes to store at the job's output key and their type.
 *
 * <p>Thread-safety: immutable by convention (the array is not copied; do not change it after returning it).
 *
 * @param content     the output bytes
 * @param contentType their media type
 */
public record TransformOutput(byte[] content, String contentType) {}
