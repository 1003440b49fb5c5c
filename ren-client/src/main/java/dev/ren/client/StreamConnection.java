package dev.ren.client;

import dev.ren.EventTypes;
import org.jspecify.annotations.Nullable;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attempt at the stream: a {@code GET} with {@code Accept: text/event-stream}, {@code Cache-Control: no-cache},
 * {@code X-Ren-Client} and, when resuming, {@code Last-Event-ID}; the status check; the body fed through an
 * {@link SseParser}; and the read timeout. It ends exactly once, and says so to its {@link Owner}; reconnecting is
 * the owner's business.
 *
 * <p>Status handling: 200 with {@code text/event-stream} opens the stream; 200 with another type ends the attempt
 * with an {@link IllegalStateException}; any other status ends it with a {@link StreamHttpErrorException} carrying
 * the start of the body (the server's JSON error).
 *
 * <p>Read timeout: a timer on the scheduler fires {@code readTimeout} after the last byte (heartbeat comments
 * included) and ends the attempt with an {@link HttpTimeoutException}; each time it fires early it re-arms itself
 * for the rest, so there is one pending task per connection and no polling.
 *
 * <p>A storage change written under both its names is two frames with one id, {@code storage.put} (or
 * {@code storage.delete}) and then its object name; the second frame (same id as the frame just before it on this
 * connection, the object name of that frame's table name) is not delivered again.
 *
 * <p>Thread-safety and ownership: the HTTP client's threads deliver the body serially (the {@link Flow} contract),
 * so the parser and {@code gotMessage} belong to whichever thread is delivering; {@link #cancel} may come from any
 * thread (the read timer, {@link RenClient#close()}); the fields they share are volatile or atomic.
 */
final class StreamConnection implements Flow.Subscriber<List<ByteBuffer>>, SseParser.Handler {

  /**
   * What a connection reports, on its delivery threads (the read timer's thread for a timeout, the caller's for
   * {@link #cancel}). Each call names the connection, so an owner can ignore one it has already replaced.
   */
  interface Owner {
    /** The server accepted the stream. */
    void opened(StreamConnection c);

    /** The first message of this connection is about to be delivered: the connection worked. */
    void firstMessage(StreamConnection c);

    /** A message, in stream order. */
    void message(StreamConnection c, RenMessage m);

    /** A comment line, e.g. a {@code :ping} heartbeat. */
    void comment(StreamConnection c, String text);

    /** The last-event-id buffer at a dispatch point (non-empty): where a reconnect resumes. */
    void lastEventId(StreamConnection c, String id);

    /** A valid {@code retry:} field. */
    void retry(StreamConnection c, Duration reconnectionTime);

    /** The attempt is over; {@code cause} null means the server ended the stream or the owner cancelled it. */
    void ended(StreamConnection c, @Nullable Throwable cause);
  }

  static final int MAX_ERROR_BODY = 2048;
  static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

  private final StreamSettings settings;
  private final Owner owner;
  private final @Nullable String resumeFrom;
  private final SseParser parser; // delivery thread
  private boolean gotMessage; // delivery thread
  /** The id of the frame delivered last on this connection ("" for none): a frame repeating it is skipped. */
  private String lastDeliveredId = ""; // delivery thread
  private String lastDeliveredType = ""; // delivery thread

  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile long lastByteNanos;
  private volatile Flow.@Nullable Subscription subscription;
  private volatile @Nullable CompletableFuture<HttpResponse<Void>> future;
  private volatile @Nullable Future<?> readTimer;
  private volatile @Nullable String errorBody;

  /** An attempt that resumes after {@code resumeFrom} (null: from now). Nothing happens before {@link #open()}. */
  StreamConnection(StreamSettings settings, Owner owner, @Nullable String resumeFrom) {
    this.settings = settings;
    this.owner = owner;
    this.resumeFrom = resumeFrom;
    this.parser = new SseParser(this, resumeFrom == null ? "" : resumeFrom, MAX_LINE_BYTES);
  }

  /** Sends the request and arms the read timer; the outcome arrives at the owner. Call once. */
  void open() {
    CompletableFuture<HttpResponse<Void>> f;
    try {
      HttpRequest request = request();
      HttpClient http = settings.http().get();
      touch();
      armReadTimer(settings.readTimeoutNanos());
      f = http.sendAsync(request, this::bodyFor);
    } catch (RuntimeException e) {
      finish(e);
      return;
    }
    future = f;
    if (finished.get()) {
      f.cancel(true); // cancelled while sendAsync was being called
      return;
    }
    // the handler reports everything through finish(); the future it returns has nothing more to say
    CompletableFuture<?> unused = f.whenComplete((resp, ex) -> {
      if (ex != null) {
        finish(ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex);
      } else if (resp.statusCode() != 200) {
        String body = errorBody;
        finish(new StreamHttpErrorException(resp.statusCode(), body == null ? "" : body));
      } else {
        finish(null);
      }
    });
  }

  /** Stops this attempt; {@code cause} null means a deliberate close. Idempotent, any thread. */
  void cancel(@Nullable Throwable cause) {
    finish(cause);
  }

  HttpRequest request() {
    HttpRequest.Builder req = HttpRequest.newBuilder(settings.streamUri(resumeFrom))
        .GET()
        .header("Accept", "text/event-stream")
        .header("Cache-Control", "no-cache")
        .header(RenClient.CLIENT_HEADER, settings.clientId());
    if (resumeFrom != null) {
      req.header("Last-Event-ID", resumeFrom);
    }
    if ("http".equalsIgnoreCase(settings.endpoint().getScheme())) {
      req.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance on a long-lived stream
    }
    return req.build();
  }

  private HttpResponse.BodySubscriber<Void> bodyFor(HttpResponse.ResponseInfo info) {
    touch();
    if (info.statusCode() != 200) {
      return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
          s -> {
            errorBody = s.length() > MAX_ERROR_BODY ? s.substring(0, MAX_ERROR_BODY) : s;
            return null;
          });
    }
    String type = info.headers().firstValue("Content-Type").orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
      finish(new IllegalStateException("REN stream answered 200 with Content-Type '" + type
          + "', expected text/event-stream"));
      return HttpResponse.BodySubscribers.replacing(null);
    }
    owner.opened(this);
    return HttpResponse.BodySubscribers.fromSubscriber(this);
  }

  // ---------------------------------------------------------------- body (delivery thread)

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (finished.get()) {
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    touch();
    if (finished.get()) {
      return;
    }
    try {
      for (ByteBuffer b : item) {
        parser.feed(b);
      }
    } catch (RuntimeException e) {
      finish(e); // a line over the limit, or a bug in a parser callback: drop this connection, not the client
      return;
    }
    Flow.Subscription s = subscription;
    if (s != null) {
      s.request(1);
    }
  }

  @Override
  public void onError(Throwable throwable) {
    finish(throwable);
  }

  @Override
  public void onComplete() {
    finish(null);
  }

  // ---------------------------------------------------------------- parser callbacks (delivery thread)

  @Override
  public void onEvent(String id, String type, String data) {
    if (finished.get()) {
      return;
    }
    if (!gotMessage) {
      gotMessage = true;
      owner.firstMessage(this);
    }
    // one change written under two names (storage.put, then storage.object.created) is two frames with one id:
    // listeners see it once, under the first name
    if (!id.isEmpty() && id.equals(lastDeliveredId) && lastDeliveredType.equals(EventTypes.storageTableName(type))) {
      return;
    }
    lastDeliveredId = id;
    lastDeliveredType = type;
    owner.message(this, RenMessage.decode(id.isEmpty() ? null : id, type, data));
  }

  @Override
  public void onLastEventId(String id) {
    if (!id.isEmpty() && !finished.get()) {
      owner.lastEventId(this, id);
    }
  }

  @Override
  public void onComment(String comment) {
    if (!finished.get()) {
      owner.comment(this, comment);
    }
  }

  @Override
  public void onRetry(long millis) {
    if (!finished.get()) {
      owner.retry(this, Duration.ofMillis(millis));
    }
  }

  // ---------------------------------------------------------------- read timeout (scheduler thread)

  private void touch() {
    lastByteNanos = settings.nanoTime().getAsLong();
  }

  private void armReadTimer(long delayNanos) {
    Future<?> t = settings.scheduler().schedule(this::checkReadTimeout, delayNanos, TimeUnit.NANOSECONDS);
    readTimer = t;
    if (finished.get()) {
      t.cancel(false); // finish() ran between schedule and the write above and saw the old timer
    }
  }

  private void checkReadTimeout() {
    if (finished.get()) {
      return;
    }
    long timeout = settings.readTimeoutNanos();
    long left = timeout - (settings.nanoTime().getAsLong() - lastByteNanos);
    if (left > 0) {
      try {
        armReadTimer(left);
      } catch (RejectedExecutionException e) {
        finish(e); // the scheduler was shut down under a live connection: it can no longer be supervised
      }
      return;
    }
    finish(new HttpTimeoutException("no data (not even a heartbeat) for "
        + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms"));
  }

  // ---------------------------------------------------------------- end

  /** Ends this attempt once: the first cause wins (cancelling below completes the future with another). */
  private void finish(@Nullable Throwable cause) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    Future<?> t = readTimer;
    if (t != null) {
      t.cancel(false);
    }
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    CompletableFuture<HttpResponse<Void>> f = future;
    if (f != null) {
      f.cancel(true);
    }
    owner.ended(this, cause);
  }
}
