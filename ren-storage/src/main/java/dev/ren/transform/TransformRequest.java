package dev.ren.transform;

import dev.ren.access.RenCaller;
import org.jspecify.annotations.Nullable;

import java.util.Map;
import java.util.Objects;

/**
 * One transform to submit ({@link TransformService#submit(TransformRequest)}): the operation, the source object and
 * the options, and on whose behalf: the client whose share of the queue it takes, the tenant whose objects it reads
 * and writes, and the user submitting it.
 *
 * <p>The output is stored in the same tenant as the source, owned by the source's owner, or by {@code user} when
 * the source has none (a write never takes an object from its owner, so a job whose output key belongs to another
 * user fails). Every event of the job carries the tenant and that owner ({@code uid}).
 *
 * <pre>{@code
 * transforms.submit(TransformRequest.of("thumbnail", "photos/cat.jpg", Map.of("size", "128"))
 *     .inTenant(caller.tenant()).byUser(caller.user()).forClient(clientKey));
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param op      the operation name ({@code resize}, {@code thumbnail}, or a registered one)
 * @param srcKey  the source object's key
 * @param options the operation's options
 * @param client  whose share of the queue the job takes ({@link TransformService.Builder#queueSharePerClient}), or
 *                null for none
 * @param tenant  the tenant the job works in, or null for the default tenant
 * @param user    the authenticated user submitting it, or null
 */
public record TransformRequest(String op, String srcKey, Map<String, String> options, @Nullable String client,
                               @Nullable String tenant, @Nullable String user) {

  public TransformRequest {
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(srcKey, "srcKey");
    options = Map.copyOf(options);
    if (tenant != null) {
      RenCaller.checkTenant(tenant);
    }
  }

  /** A request in the default tenant, for no client and no user. */
  public static TransformRequest of(String op, String srcKey, Map<String, String> options) {
    return new TransformRequest(op, srcKey, options, null, null, null);
  }

  /** This request counted against {@code clientKey}'s share of the queue (null: no share). */
  public TransformRequest forClient(@Nullable String clientKey) {
    return new TransformRequest(op, srcKey, options, clientKey, tenant, user);
  }

  /** This request in {@code tenantId} (null: the default tenant). */
  public TransformRequest inTenant(@Nullable String tenantId) {
    return new TransformRequest(op, srcKey, options, client, tenantId, user);
  }

  /** This request made by {@code userName} (null: nobody authenticated). */
  public TransformRequest byUser(@Nullable String userName) {
    return new TransformRequest(op, srcKey, options, client, tenant, userName);
  }
}
