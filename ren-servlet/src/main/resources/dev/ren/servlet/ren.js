// ren.js: the REN browser client (an ES module; no build step, no dependencies).
//
//   import { RenClient } from '/api/maravilla/ren/client.js';
//   const ren = new RenClient({ subscriptions: ['kv', 'db:todos'] });
//   const off = ren.on((event) => { if (event.src !== ren.getClientId()) refresh(event); });
//   ren.onReset(() => reloadEverything());          // the server could not resume: refetch state
//   await ren.renFetch('/api/kv/demo/todo:1', { method: 'PUT', headers: { 'Content-Type': 'application/json' },
//     body: JSON.stringify(todo) });     // JSON endpoints take application/json only (415 otherwise)
//
//   import { RealtimeClient } from '/api/maravilla/ren/client.js';   // channels and presence over /_rt/ws
//   const rt = new RealtimeClient();
//   const off = rt.subscribe('room-1', (frame) => show(frame), { lastEventId: 0 });
//   rt.presence('room-1').join('alice', { name: 'Alice' });     // leaves by itself when the tab closes
//
// RealtimeClient (below) is the WebSocket client of REN's realtime endpoint, with the surface of Maravilla's
// realtime client; leaveOnPageHide() makes presence joined over HTTP leave when the page goes away.
//
// RenClient's transport: fetch() with a streaming SSE parser over the response's ReadableStream, not EventSource.
// - An EventSource only reports named events you registered for in advance; REN event types are open-ended
//   (custom domains, types added later), and here every frame reaches the listeners whatever its name.
// - We own reconnection: backoff with jitter (1 s doubling, capped at maxBackoffMs, reset after a connection
//   delivers its first message), the server's `retry:` honoured as a floor, a dead connection detected when no
//   byte (heartbeat included) arrives for 2.5 x the heartbeat, and the resume point sent on every reconnect.
//   EventSource gives up for good on any non-200 answer and retries at a fixed pace.
// - The resume point (last event id) and the client id travel as query parameters (`lastEventId`, `cid`) and the
//   only request header is `Accept`, so a cross-origin stream (dev page on :5173, server on :3001) is a "simple"
//   CORS request without a preflight.
// Storage changes: the server writes each one under its table name (storage.put / storage.delete) and then its
// object name (storage.object.created|updated|deleted), both frames with one id; listeners see it once, as the
// first frame (subscribe to 'storage.object' for the object names only).
// Parsing follows the HTML standard's event-stream rules: lines end at CRLF, LF or a lone CR (also when split
// across chunks), data lines join with LF, an id containing NUL is ignored, retry must be all digits, an event
// cut off before its blank line is dropped, and the last event id only moves at a blank line.

const STORAGE_KEY = 'maravillaClientId';
const DEBUG_KEY = 'REN_DEBUG';
const STREAM_PATH = '/api/maravilla/ren';
const DEV_PORTS = new Set(['5173', '5174', '4173']);
const DEV_SERVER_PORT = '3001';
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The table name of a storage object event type (storage.put / storage.delete), else null. */
export function storageTableName(type) {
  if (type === 'storage.object.created' || type === 'storage.object.updated') return 'storage.put';
  if (type === 'storage.object.deleted') return 'storage.delete';
  return null;
}

function storage() {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch (e) {
    return null; // storage blocked (privacy settings, sandboxed iframe)
  }
}

function randomId() {
  const c = typeof crypto !== 'undefined' ? crypto : null;
  if (c && typeof c.randomUUID === 'function') {
    return c.randomUUID();
  }
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') {
    c.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The persisted client id of this browser (created and stored on first use). */
export function getClientId() {
  const s = storage();
  let id = null;
  try {
    id = s ? s.getItem(STORAGE_KEY) : null;
  } catch (e) {
    id = null;
  }
  if (!id || !CLIENT_ID.test(id)) {
    id = randomId();
    try {
      if (s) s.setItem(STORAGE_KEY, id);
    } catch (e) {
      // quota or blocked storage: the id just lives for this page
    }
  }
  return id;
}

function debugFromStorage() {
  try {
    const s = storage();
    return !!s && s.getItem(DEBUG_KEY) === '1';
  } catch (e) {
    return false;
  }
}

/**
 * The stream endpoint: an explicit one always wins; else, when this module was served by a REN server
 * (`.../ren/client.js`), the stream on that same server; else a page on a development port (5173, ...) talks to
 * `http://<host>:3001/api/maravilla/ren`; else the relative path on the page's own origin.
 */
export function resolveEndpoint(explicit, moduleUrl = import.meta.url, loc = globalThis.location) {
  if (explicit) {
    return String(explicit).replace(/\/+$/, '');
  }
  try {
    const u = new URL(moduleUrl);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && /\/client\.js$/.test(u.pathname)) {
      return u.origin + u.pathname.replace(/\/client\.js$/, '');
    }
  } catch (e) {
    // not a URL (bundled or inlined): use the documented rule
  }
  if (loc && DEV_PORTS.has(String(loc.port))) {
    return `${loc.protocol === 'https:' ? 'https:' : 'http:'}//${loc.hostname}:${DEV_SERVER_PORT}${STREAM_PATH}`;
  }
  return STREAM_PATH;
}

/** Backoff base for a number of consecutive failures: initial * 2^failures, capped. */
export function backoffMs(initialMs, maxMs, failures) {
  const base = initialMs * Math.pow(2, Math.min(failures, 30));
  return Math.min(base, maxMs);
}

/** "Equal jitter": a wait in [base/2, base]. */
function jittered(base) {
  const half = base / 2;
  return Math.round(half + Math.random() * (base - half));
}

/**
 * Incremental text/event-stream parser. Feed decoded text in any chunking; handlers are
 * { event(lastEventId, type, data), comment(text), retry(ms), lastEventId(id) }.
 */
export class SseParser {
  constructor(handlers, lastEventId = '') {
    this._h = handlers;
    this._line = '';
    this._pendingCr = false;
    this._data = [];
    this._type = '';
    this._lastEventId = lastEventId || '';
  }

  feed(text) {
    let start = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 /* LF */) {
        if (this._pendingCr) {
          this._pendingCr = false; // second half of CRLF: the line ended at the CR
          start = i + 1;
          continue;
        }
        this._endLine(text.slice(start, i));
        start = i + 1;
      } else if (c === 13 /* CR */) {
        this._endLine(text.slice(start, i));
        this._pendingCr = true;
        start = i + 1;
      } else if (this._pendingCr) {
        this._pendingCr = false;
      }
    }
    if (start < n) {
      this._line += text.slice(start);
    }
  }

  _endLine(tail) {
    const line = this._line + tail;
    this._line = '';
    this._pendingCr = false;
    if (line === '') {
      this._dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) {
      if (this._h.comment) this._h.comment(line.slice(1));
      return;
    }
    const colon = line.indexOf(':');
    let field = line;
    let value = '';
    if (colon >= 0) {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    }
    switch (field) {
      case 'event':
        this._type = value;
        break;
      case 'data':
        this._data.push(value);
        break;
      case 'id':
        if (value.indexOf('\u0000') < 0) this._lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]{1,15}$/.test(value) && this._h.retry) this._h.retry(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  _dispatch() {
    if (this._h.lastEventId) this._h.lastEventId(this._lastEventId);
    if (this._data.length === 0) {
      this._type = '';
      return;
    }
    const data = this._data.join('\n');
    const type = this._type || 'message';
    this._data = [];
    this._type = '';
    this._h.event(this._lastEventId, type, data);
  }
}

/**
 * What both clients share: listeners called one by one (one that throws is logged, the others still run), and a
 * connection state whose listeners hear each change once; 'closed' is final.
 */
class Listened {
  _emit(set, arg) {
    for (const fn of Array.from(set)) {
      try {
        fn(arg);
      } catch (e) {
        console.error('[ren] callback failed', e);
      }
    }
  }

  _setState(s) {
    if (this._state === s || this._state === 'closed') return;
    this._state = s;
    this._emit(this._stateListeners, s);
  }
}

/**
 * The REN stream client. Options: endpoint, subscriptions (array or comma string; default all), clientId
 * (default the persisted browser id), autoReconnect (true), maxBackoffMs (15000), debug (false; also on with
 * localStorage.REN_DEBUG = '1'), and beyond the documented ones initialBackoffMs (1000), heartbeatMs (15000, the
 * server's heartbeat; no byte for 2.5x this reconnects), lastEventId (resume point for the first connection),
 * withCredentials (send cookies cross-origin).
 */
export class RenClient extends Listened {
  constructor(options = {}) {
    super();
    const o = options || {};
    this._endpoint = resolveEndpoint(o.endpoint);
    const subs = Array.isArray(o.subscriptions)
      ? o.subscriptions
      : (o.subscriptions ? String(o.subscriptions).split(',') : []);
    this._subscriptions = subs.map((s) => String(s).trim()).filter((s) => s.length > 0);
    if (o.clientId !== undefined && o.clientId !== null && !CLIENT_ID.test(String(o.clientId))) {
      throw new TypeError(`clientId '${o.clientId}' must match [A-Za-z0-9_-]{1,64}`);
    }
    this._clientId = o.clientId ? String(o.clientId) : getClientId();
    this._autoReconnect = o.autoReconnect !== false;
    this._maxBackoffMs = positive(o.maxBackoffMs, 15000, 'maxBackoffMs');
    this._initialBackoffMs = Math.min(positive(o.initialBackoffMs, 1000, 'initialBackoffMs'), this._maxBackoffMs);
    this._heartbeatMs = positive(o.heartbeatMs, 15000, 'heartbeatMs');
    this._credentials = o.withCredentials ? 'include' : 'same-origin';
    this._debug = !!o.debug || debugFromStorage();
    this._lastEventId = o.lastEventId ? String(o.lastEventId) : null;

    this._listeners = new Set();
    this._resetListeners = new Set();
    this._stateListeners = new Set();
    this._errorListeners = new Set();

    this._state = 'idle';
    this._closed = false;
    this._failures = 0;
    this._serverRetryMs = 0;
    this._abort = null;
    this._timer = null;
    this._watchdog = null;
    this._lastByte = 0;
    this._generation = 0;

    // back online while waiting out a backoff: try now instead of after the wait
    this._onOnline = () => {
      if (this._state === 'waiting' && this._timer !== null) {
        clearTimeout(this._timer);
        this._timer = null;
        this._connect();
      }
    };
    if (typeof addEventListener === 'function') addEventListener('online', this._onOnline);

    // connect after the constructor returns, so listeners registered right after `new` see the first frame
    Promise.resolve().then(() => this._connect());
  }

  /** Registers listener(event, message) for every message; returns a function that unsubscribes. */
  on(listener) {
    return add(this._listeners, listener);
  }

  /** Registers fn(meta) for ren.meta resets (the resume point was gone: refetch); returns an unsubscribe. */
  onReset(fn) {
    return add(this._resetListeners, fn);
  }

  /** Registers fn(state) for 'connecting' | 'open' | 'waiting' | 'closed'; returns an unsubscribe. */
  onStateChange(fn) {
    return add(this._stateListeners, fn);
  }

  /** Registers fn(error) for connection errors; returns an unsubscribe. */
  onError(fn) {
    return add(this._errorListeners, fn);
  }

  getClientId() {
    return this._clientId;
  }

  getLastEventId() {
    return this._lastEventId;
  }

  get endpoint() {
    return this._endpoint;
  }

  get state() {
    return this._state;
  }

  /** fetch() with X-Ren-Client set, so the events this request causes carry this client as `src`. */
  renFetch(input, init = {}) {
    const headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
    headers.set('X-Ren-Client', this._clientId);
    return fetch(input, Object.assign({}, init, { headers }));
  }

  /** Closes the stream for good; calling it again does nothing. */
  close() {
    if (this._closed) return;
    this._closed = true;
    if (typeof removeEventListener === 'function') removeEventListener('online', this._onOnline);
    clearTimeout(this._timer);
    clearInterval(this._watchdog);
    this._timer = null;
    this._watchdog = null;
    if (this._abort) this._abort.abort();
    this._abort = null;
    this._setState('closed');
    this._log('closed');
  }

  // ------------------------------------------------------------------ internals

  _streamUrl() {
    const base = this._endpoint;
    const params = new URLSearchParams();
    if (this._subscriptions.length > 0) params.set('s', this._subscriptions.join(','));
    params.set('cid', this._clientId);
    if (this._lastEventId) params.set('lastEventId', this._lastEventId);
    return base + (base.indexOf('?') >= 0 ? '&' : '?') + params.toString();
  }

  async _connect() {
    if (this._closed) return;
    const generation = ++this._generation;
    const ctrl = new AbortController();
    this._abort = ctrl;
    this._timedOut = false;
    this._setState('connecting');
    this._lastByte = Date.now();
    this._startWatchdog(ctrl);
    let gotMessage = false;
    let error = null;
    let permanent = false;
    try {
      const res = await fetch(this._streamUrl(), {
        method: 'GET',
        headers: { Accept: 'text/event-stream' },
        cache: 'no-store',
        credentials: this._credentials,
        signal: ctrl.signal,
      });
      if (res.status !== 200) {
        let body = '';
        try {
          body = (await res.text()).slice(0, 2048);
        } catch (e) {
          body = '';
        }
        error = Object.assign(new Error(`REN stream answered HTTP ${res.status}${body ? ': ' + body : ''}`),
          { status: res.status, body });
        permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
      } else if (!/^text\/event-stream/i.test(res.headers.get('Content-Type') || '')) {
        error = new Error(`REN stream answered Content-Type '${res.headers.get('Content-Type')}'`);
      } else if (!res.body || typeof res.body.getReader !== 'function') {
        error = new Error('this browser cannot stream fetch responses');
        permanent = true;
      } else {
        this._setState('open');
        this._log('connected', this._endpoint);
        const reader = res.body.getReader();
        const decoder = new TextDecoder('utf-8'); // streaming mode keeps UTF-8 sequences split across chunks
        let prevId = '';
        let prevType = '';
        const parser = new SseParser({
          event: (id, type, data) => {
            if (!gotMessage) {
              gotMessage = true;
              this._failures = 0;
            }
            // a storage change under both names is two frames with one id (storage.put, then
            // storage.object.created): listeners see it once, under the first name
            if (id && id === prevId && storageTableName(type) === prevType) return;
            prevId = id;
            prevType = type;
            this._deliver(id, type, data);
          },
          lastEventId: (id) => {
            if (id) this._lastEventId = id;
          },
          retry: (ms) => {
            this._serverRetryMs = ms;
          },
          comment: () => {},
        }, this._lastEventId || '');
        for (;;) {
          const { value, done } = await reader.read();
          if (done || generation !== this._generation || this._closed) break;
          this._lastByte = Date.now();
          parser.feed(decoder.decode(value, { stream: true }));
        }
      }
    } catch (e) {
      if (this._closed) return;
      error = this._timedOut ? new Error(`no data (not even a heartbeat) for ${this._readTimeoutMs()} ms`) : e;
    } finally {
      clearInterval(this._watchdog);
      this._watchdog = null;
      ctrl.abort(); // release an unread or unfinished body; harmless after the stream ended
    }
    if (this._closed || generation !== this._generation) return;
    this._abort = null;
    if (error) {
      this._log('stream failed:', error.message || error);
      this._emit(this._errorListeners, error);
    } else {
      this._log('stream ended by the server');
    }
    if (!this._autoReconnect || permanent) {
      if (permanent) console.warn('[ren] giving up:', error && error.message);
      this.close();
      return;
    }
    const base = backoffMs(this._initialBackoffMs, this._maxBackoffMs, this._failures);
    this._failures++;
    const delay = Math.max(jittered(base), this._serverRetryMs);
    this._log(`reconnecting in ${delay} ms`);
    this._setState('waiting');
    this._timer = setTimeout(() => {
      this._timer = null;
      this._connect();
    }, delay);
  }

  _readTimeoutMs() {
    return Math.round(this._heartbeatMs * 2.5);
  }

  _startWatchdog(ctrl) {
    clearInterval(this._watchdog);
    const limit = this._readTimeoutMs();
    this._watchdog = setInterval(() => {
      if (Date.now() - this._lastByte > limit) {
        this._timedOut = true;
        clearInterval(this._watchdog);
        ctrl.abort();
      }
    }, Math.max(50, Math.floor(limit / 5)));
  }

  _deliver(id, type, data) {
    let event;
    try {
      event = JSON.parse(data);
    } catch (e) {
      event = undefined;
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      event = { t: type, data: event === undefined ? data : event };
    }
    const message = { id: id || null, type, data };
    this._log('event', type, id);
    for (const l of Array.from(this._listeners)) {
      try {
        l(event, message);
      } catch (e) {
        console.error('[ren] listener failed; the stream goes on', e);
      }
    }
    if (type === 'ren.meta' && event.reset === true) {
      this._log('reset: the resume point was gone, refetch state');
      this._emit(this._resetListeners, event);
    }
  }

  _log(...args) {
    if (this._debug) console.debug('[ren]', ...args);
  }
}

// ------------------------------------------------------------------ realtime over WebSocket (/_rt/ws)

const REALTIME_WS_PATH = '/_rt/ws';
const REALTIME_HTTP_PATH = '/api/realtime';
const MODULE_SUFFIX = STREAM_PATH + '/client.js';
const WS_CONNECTING = 0;
const WS_OPEN = 1;
/** Frames (publishes, presence updates) kept while the socket is down, sent once it is back. */
const MAX_PENDING_FRAMES = 256;

/**
 * Where the REN server's paths start: the origin and context path this module was served from when it came from
 * `<base>/api/maravilla/ren/client.js` (a WAR's context path included); else the page's own origin, or
 * `http://<host>:3001` from a development port (5173, ...), as for the stream.
 */
export function resolveServerBase(moduleUrl = import.meta.url, loc = globalThis.location) {
  try {
    const u = new URL(moduleUrl);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.pathname.endsWith(MODULE_SUFFIX)) {
      return u.origin + u.pathname.slice(0, u.pathname.length - MODULE_SUFFIX.length);
    }
  } catch (e) {
    // not a URL (bundled or inlined): use the page
  }
  if (loc && DEV_PORTS.has(String(loc.port))) {
    return `${loc.protocol === 'https:' ? 'https:' : 'http:'}//${loc.hostname}:${DEV_SERVER_PORT}`;
  }
  return loc && loc.origin && loc.origin !== 'null' ? loc.origin : '';
}

/**
 * The realtime WebSocket URL: an explicit one wins (`http(s):` becomes `ws(s):`, a relative one is resolved against
 * the page); else `<server base>/_rt/ws` (see resolveServerBase).
 */
export function resolveRealtimeUrl(explicit, moduleUrl = import.meta.url, loc = globalThis.location) {
  const raw = explicit ? String(explicit) : resolveServerBase(moduleUrl, loc) + REALTIME_WS_PATH;
  const u = new URL(raw, loc && loc.href ? loc.href : undefined);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new TypeError(`realtime url '${raw}' must be ws:, wss:, http: or https:`);
  }
  return u.toString();
}

/**
 * Leaves presence joined over HTTP (`POST /api/realtime/presence/{channel}/join`, held by this page's SSE stream)
 * when the page goes away: on `pagehide` it POSTs `.../presence/{channel}/leave` with `fetch(..., { keepalive:
 * true })`, which the browser sends even as the page is torn down, so the member leaves at once instead of after the
 * server notices the stream's closed socket (probes every 2 s) and the grace period. Same origin only (a keepalive
 * request with these headers cannot be sent cross-origin). Options: realtimeBase (default the `/api/realtime` of the
 * REN server this module came from), clientId (X-Ren-Client, default the persisted browser id: it must be the id the
 * member was joined with), headers (e.g. Authorization), token (a channel token for a private- channel). Returns a
 * function that cancels it. Presence held by a RealtimeClient needs none of this: it leaves over its socket.
 */
export function leaveOnPageHide(channel, userId, options = {}) {
  const o = options || {};
  const base = String(o.realtimeBase || resolveServerBase() + REALTIME_HTTP_PATH).replace(/\/+$/, '');
  const clientId = o.clientId ? String(o.clientId) : getClientId();
  const onHide = () => {
    const headers = Object.assign({ 'Content-Type': 'application/json', 'X-Ren-Client': clientId }, o.headers || {});
    const body = { userId };
    if (o.token) body.token = o.token;
    try {
      fetch(`${base}/presence/${encodeURIComponent(channel)}/leave`, {
        method: 'POST', keepalive: true, headers, body: JSON.stringify(body), credentials: 'same-origin',
      }).catch(() => {});
    } catch (e) {
      // the stream's close covers it, a few seconds later
    }
  };
  if (typeof addEventListener !== 'function') return () => {};
  addEventListener('pagehide', onHide);
  return () => removeEventListener('pagehide', onHide);
}

/**
 * RealtimeClient: channels and presence over one WebSocket to REN's `/_rt/ws` (the protocol of Maravilla's
 * realtime client, same surface).
 *
 *   import { RealtimeClient } from '/api/maravilla/ren/client.js';
 *   const rt = new RealtimeClient();                  // ws(s)://<the REN server>/_rt/ws?cid=<browser client id>
 *   const off = rt.subscribe('room-1', (f) => {      // every frame of the channel: message, presence:*, ...
 *     if (f.event === 'message') show(f.data, f.userId, f.seq);
 *   }, { lastEventId: 0 });                           // history channel: replay what is kept after seq 0, then live
 *   rt.publish('room-1', { text: 'hi' });
 *   const here = rt.presence('room-1');
 *   here.onJoin((f) => add(f.userId, f.metadata));
 *   here.onUpdate((f) => add(f.userId, f.metadata));
 *   here.onLeave((f) => remove(f.userId));
 *   here.join('alice', { name: 'Alice' });            // with a login the server takes the member from it
 *   here.update({ name: 'Alice', typing: true });
 *   off();                                            // the channel's last listener gone: unsubscribed
 *   rt.disconnect();                                  // leaves, closes, stops reconnecting
 *
 * Options: url (default: `/_rt/ws` of the REN server this module came from; http(s) URLs become ws(s)), clientId
 * (default the persisted browser id; it is the `from` of what this client publishes and the holder of its members),
 * streamToken (a stream token from `POST /api/maravilla/ren/token`, or a function returning one or a promise of
 * one, called before every connect and, shortly before the token expires, again to renew it on the open socket
 * with `auth`: browsers cannot send an Authorization header with a WebSocket), maxBackoffMs
 * (30000), initialBackoffMs (1000), pingIntervalMs (25000), leaveOnPageHide (true), debug (false; also on with
 * localStorage.REN_DEBUG = '1').
 *
 * - subscribe(channel, callback, { token, lastEventId }) → unsubscribe(). callback(frame) gets every frame of the
 *   channel: `message` {channel, id, seq?, data, userId?, from?, ts}, `presence:join|update|leave` {channel, userId,
 *   metadata?, from?, ts}, `subscribed` {channel, seq?, truncated?} (after every (re)subscribe: a good moment to
 *   refetch the member list), `reset` {channel} (the channel's sequence started over: what follows is numbered
 *   from 1), and `error` {code, message, action?, channel?}. `token` is a channel token for a
 *   private- channel; `lastEventId` a channel sequence number to catch up from (history channels). Both apply when
 *   the channel's first listener subscribes (a later `token` re-sends the subscription with it).
 * - onAny(callback) → unsubscribe(): every frame, of every channel and none (`pong`, errors).
 * - publish(channel, data, { userId, token }): sent now, or queued while the socket is down and sent after the
 *   reconnect (at most 256 frames wait; beyond, publish throws). Never repeated: a frame lost with a dying socket is
 *   lost.
 * - presence(channel): { join(userId, metadata, { token }), update(metadata), leave(), onJoin(cb), onUpdate(cb),
 *   onLeave(cb) }; each onX subscribes to the channel (presence events reach subscribers) and returns an
 *   unsubscribe. A joined member is joined again after every reconnect.
 * - isConnected(), getClientId(), onStateChange(fn) ('connecting' | 'open' | 'waiting' | 'closed'), onError(fn)
 *   (error frames and connection failures), disconnect().
 *
 * Connection life: a ping every 25 s (a connection whose last ping got no answer by the next one is replaced);
 * after a loss it reconnects with a backoff of 1 s doubling up to maxBackoffMs (each wait jittered down by at most
 * half; reset once the new connection receives a frame), then subscribes again to every channel with lastEventId
 * = the last sequence number seen on it (history channels: the server sends what was missed first; a sequence
 * number already seen is dropped, so listeners see no gap and no duplicate), joins its presence again and sends
 * what was queued. When the server says a channel's sequence started over below that number (`reset`: the
 * server's realtime restarted, or the channel was dropped while idle; before what the channel holds now, from
 * seq 1), the client forgets the number and counts from the new sequence. On `pagehide` it sends `presence:leave`
 * for its members over the open socket, so a closed tab leaves at once; a page restored from the back-forward
 * cache reconnects and joins again. With a streamToken function it renews the socket's token before it expires
 * (`auth`, when a `pong` says the expiry), so the socket is not closed at the expiry.
 */
export class RealtimeClient extends Listened {
  constructor(options = {}) {
    super();
    const o = options || {};
    this._url = resolveRealtimeUrl(o.url);
    if (o.clientId !== undefined && o.clientId !== null && !CLIENT_ID.test(String(o.clientId))) {
      throw new TypeError(`clientId '${o.clientId}' must match [A-Za-z0-9_-]{1,64}`);
    }
    this._clientId = o.clientId ? String(o.clientId) : getClientId();
    this._streamToken = o.streamToken === undefined ? null : o.streamToken;
    this._maxBackoffMs = positive(o.maxBackoffMs, 30000, 'maxBackoffMs');
    this._initialBackoffMs = Math.min(positive(o.initialBackoffMs, 1000, 'initialBackoffMs'), this._maxBackoffMs);
    this._pingIntervalMs = positive(o.pingIntervalMs, 25000, 'pingIntervalMs');
    this._debug = !!o.debug || debugFromStorage();

    this._channels = new Map(); // channel -> { listeners: Set, token, catchUp, lastSeq }
    this._joins = new Map(); // channel -> { userId, metadata, token }
    this._presence = new Map(); // channel -> the object presence(channel) returns
    this._any = new Set();
    this._stateListeners = new Set();
    this._errorListeners = new Set();
    this._pending = []; // frames to send once connected

    this._ws = null;
    this._state = 'idle';
    this._closed = false;
    this._suspended = false; // in the back-forward cache
    this._failures = 0;
    this._generation = 0;
    this._timer = null;
    this._pinger = null;
    this._renewTimer = null; // renews the stream token before it expires (auth)
    this._token = null; // the stream token the socket was opened or last renewed with
    this._connectTimer = null;
    this._heardSincePing = true;

    this._onOnline = () => {
      if (this._state === 'waiting' && this._timer !== null) {
        clearTimeout(this._timer);
        this._timer = null;
        this._connect();
      }
    };
    this._onPageHide = (e) => {
      this._leaveAll();
      if (e && e.persisted) {
        // into the back-forward cache: close now, come back on pageshow
        this._suspended = true;
        this._drop(1000, 'page hidden');
      }
    };
    this._onPageShow = (e) => {
      if (e && e.persisted && this._suspended && !this._closed) {
        this._suspended = false;
        clearTimeout(this._timer);
        this._timer = null;
        this._connect();
      }
    };
    if (typeof addEventListener === 'function') {
      addEventListener('online', this._onOnline);
      addEventListener('pageshow', this._onPageShow);
      if (o.leaveOnPageHide !== false) addEventListener('pagehide', this._onPageHide);
    }
    // connect after the constructor returns, so what is set up right after `new` goes out with the first connect
    Promise.resolve().then(() => this._connect());
  }

  /** Calls callback(frame) for every frame of `channel` until the returned function is called. */
  subscribe(channel, callback, options = {}) {
    const ch = checkChannel(channel);
    if (typeof callback !== 'function') throw new TypeError('callback must be a function');
    const o = options || {};
    let sub = this._channels.get(ch);
    if (!sub) {
      const catchUp = o.lastEventId !== undefined && o.lastEventId !== null;
      sub = { listeners: new Set(), token: o.token ? String(o.token) : null, catchUp,
        lastSeq: catchUp ? sequenceNumber(o.lastEventId) : 0 };
      this._channels.set(ch, sub);
      sub.listeners.add(callback);
      this._sendNow(this._subscribeFrame(ch, sub));
    } else {
      sub.listeners.add(callback);
      if (o.token && String(o.token) !== sub.token) {
        sub.token = String(o.token);
        this._sendNow(this._subscribeFrame(ch, sub));
      }
    }
    const s = sub;
    return () => {
      if (!s.listeners.delete(callback)) return;
      if (s.listeners.size === 0 && this._channels.get(ch) === s) {
        this._channels.delete(ch);
        this._sendNow({ action: 'unsubscribe', channel: ch });
      }
    };
  }

  /** Calls callback(frame) for every frame received; returns a function that stops it. */
  onAny(callback) {
    return add(this._any, callback);
  }

  /** Registers fn(state) for 'connecting' | 'open' | 'waiting' | 'closed'; returns an unsubscribe. */
  onStateChange(fn) {
    return add(this._stateListeners, fn);
  }

  /** Registers fn(error) for error frames (error.code, error.frame) and connection failures; returns an unsubscribe. */
  onError(fn) {
    return add(this._errorListeners, fn);
  }

  /** Publishes `data` on `channel` (queued while the socket is down). */
  publish(channel, data, options = {}) {
    const o = options || {};
    const frame = { action: 'publish', channel: checkChannel(channel), data: data === undefined ? null : data };
    if (o.userId !== undefined && o.userId !== null) frame.userId = String(o.userId);
    if (o.token) frame.token = String(o.token);
    this._sendOrQueue(frame);
  }

  /** Presence on `channel`: join, update, leave, and listeners of joins, updates and leaves. */
  presence(channel) {
    const ch = checkChannel(channel);
    let p = this._presence.get(ch);
    if (p) return p;
    const only = (event, cb) => {
      if (typeof cb !== 'function') throw new TypeError('callback must be a function');
      return this.subscribe(ch, (f) => { if (f.event === event) cb(f); });
    };
    p = {
      join: (userId, metadata, options = {}) => {
        const o = options || {};
        const j = { userId: userId === undefined || userId === null ? null : String(userId),
          metadata: metadata === undefined ? null : metadata, token: o.token ? String(o.token) : null };
        this._joins.set(ch, j);
        this._sendNow(joinFrame('presence:join', ch, j));
      },
      update: (metadata) => {
        const j = this._joins.get(ch);
        if (!j) throw new Error(`not joined on channel '${ch}': join first`);
        j.metadata = metadata === undefined ? null : metadata;
        // while the socket is down the next join carries it
        this._sendNow(joinFrame('presence:update', ch, j));
      },
      leave: () => {
        const j = this._joins.get(ch);
        this._joins.delete(ch);
        if (j) this._sendNow(leaveFrame(ch, j)); // while the socket is down the server dropped it already
      },
      onJoin: (cb) => only('presence:join', cb),
      onUpdate: (cb) => only('presence:update', cb),
      onLeave: (cb) => only('presence:leave', cb),
    };
    this._presence.set(ch, p);
    return p;
  }

  /** Whether the socket is open. */
  isConnected() {
    return !!this._ws && this._ws.readyState === WS_OPEN;
  }

  getClientId() {
    return this._clientId;
  }

  get url() {
    return this._url;
  }

  get state() {
    return this._state;
  }

  /** Leaves presence, closes the socket and stops reconnecting; calling it again does nothing. */
  disconnect() {
    if (this._closed) return;
    this._leaveAll();
    this._closed = true;
    if (typeof removeEventListener === 'function') {
      removeEventListener('online', this._onOnline);
      removeEventListener('pageshow', this._onPageShow);
      removeEventListener('pagehide', this._onPageHide);
    }
    clearTimeout(this._timer);
    this._timer = null;
    this._drop(1000, 'disconnect');
    this._pending = [];
    this._setState('closed');
    this._log('disconnected');
  }

  // ------------------------------------------------------------------ internals

  async _connect() {
    if (this._closed || this._suspended) return;
    const generation = ++this._generation;
    this._setState('connecting');
    let url = this._url;
    try {
      const params = new URLSearchParams();
      params.set('cid', this._clientId);
      const t = typeof this._streamToken === 'function' ? await this._streamToken() : this._streamToken;
      this._token = t ? String(t) : null;
      if (t) params.set('token', String(t));
      url += (url.indexOf('?') >= 0 ? '&' : '?') + params.toString();
    } catch (e) {
      if (generation !== this._generation || this._closed) return;
      this._emit(this._errorListeners, e);
      this._retry();
      return;
    }
    if (generation !== this._generation || this._closed || this._suspended) return;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      this._emit(this._errorListeners, e);
      this._retry();
      return;
    }
    this._ws = ws;
    clearTimeout(this._connectTimer);
    this._connectTimer = setTimeout(() => {
      if (this._ws === ws && ws.readyState === WS_CONNECTING) {
        this._log('connect timed out');
        ws.close();
      }
    }, 10000);
    ws.onopen = () => {
      if (this._ws !== ws) return;
      clearTimeout(this._connectTimer);
      this._log('connected', this._url);
      this._setState('open');
      // the server holds nothing of an earlier connection: subscriptions first, then presence, then the queue
      for (const [ch, sub] of this._channels) this._send(ws, this._subscribeFrame(ch, sub));
      for (const [ch, j] of this._joins) this._send(ws, joinFrame('presence:join', ch, j));
      const queued = this._pending;
      this._pending = [];
      for (const f of queued) this._send(ws, f);
      this._heardSincePing = true;
      clearInterval(this._pinger);
      this._pinger = setInterval(() => this._ping(ws), this._pingIntervalMs);
      if (this._token) this._send(ws, { action: 'ping' }); // its pong says when the token expires
    };
    ws.onmessage = (m) => {
      if (this._ws !== ws) return;
      this._heardSincePing = true;
      if (this._failures > 0) this._failures = 0;
      this._receive(m.data);
    };
    ws.onerror = () => {
      // onclose follows with the code
    };
    ws.onclose = (e) => {
      if (this._ws !== ws) return;
      this._ws = null;
      clearTimeout(this._connectTimer);
      clearInterval(this._pinger);
      this._pinger = null;
      if (this._closed || this._suspended) return;
      this._log('socket closed', e.code, e.reason);
      this._emit(this._errorListeners, Object.assign(new Error(`realtime socket closed (${e.code}${e.reason
        ? ' ' + e.reason : ''})`), { code: e.code, reason: e.reason }));
      this._retry();
    };
  }

  _retry() {
    if (this._closed || this._suspended) return;
    const base = backoffMs(this._initialBackoffMs, this._maxBackoffMs, this._failures);
    this._failures++;
    const delay = jittered(base);
    this._log(`reconnecting in ${delay} ms`);
    this._setState('waiting');
    clearTimeout(this._timer);
    this._timer = setTimeout(() => {
      this._timer = null;
      this._connect();
    }, delay);
  }

  /** Pings; a connection whose previous ping got no answer (no frame at all since) is replaced. */
  _ping(ws) {
    if (this._ws !== ws) return;
    if (!this._heardSincePing) {
      this._log('no answer to the last ping: replacing the connection');
      this._drop(4000, 'no pong');
      this._retry();
      return;
    }
    this._heardSincePing = false;
    this._send(ws, { action: 'ping' });
  }

  /**
   * Plans the renewal of the stream token `remainingMs` before it expires (a `pong` or `authed` said when): with a
   * streamToken function, a fresh token is sent as `auth` shortly before the expiry, so the server does not cut the
   * socket (and its presence does not leave and join again). A fixed token cannot be renewed: the socket is cut at
   * its expiry and reconnects.
   */
  _scheduleRenewal(remainingMs) {
    clearTimeout(this._renewTimer);
    this._renewTimer = null;
    if (typeof this._streamToken !== 'function' || !this._token || remainingMs <= 500) return;
    const ws = this._ws;
    const due = Date.now() + remainingMs;
    const delay = Math.max(500, remainingMs - Math.max(1500, remainingMs / 4));
    this._renewTimer = setTimeout(() => this._renew(ws, due), delay);
  }

  async _renew(ws, due) {
    if (this._ws !== ws || !ws || ws.readyState !== WS_OPEN) return;
    let t;
    try {
      t = await this._streamToken();
    } catch (e) {
      this._emit(this._errorListeners, e); // cut at the expiry; the reconnect asks for a token again
      return;
    }
    if (this._ws !== ws || ws.readyState !== WS_OPEN) return;
    if (!t || String(t) === this._token) {
      this._scheduleRenewal(due - Date.now()); // not a fresher one yet: ask again nearer the expiry
      return;
    }
    this._token = String(t);
    this._log('renewing the stream token');
    this._send(ws, { action: 'auth', token: this._token });
  }

  /** Closes the current socket without reconnecting from its close event. */
  _drop(code, reason) {
    const ws = this._ws;
    this._ws = null;
    this._generation++;
    clearTimeout(this._connectTimer);
    clearInterval(this._pinger);
    this._pinger = null;
    clearTimeout(this._renewTimer);
    this._renewTimer = null;
    if (ws) {
      try {
        ws.close(code, reason);
      } catch (e) {
        // already closing
      }
    }
  }

  _receive(text) {
    let f;
    try {
      f = JSON.parse(text);
    } catch (e) {
      f = null;
    }
    if (f === null || typeof f !== 'object' || Array.isArray(f) || typeof f.event !== 'string') {
      this._log('ignored a frame that is not a JSON object with an event', text);
      return;
    }
    if ((f.event === 'pong' || f.event === 'authed') && typeof f.expiresAt === 'number') {
      this._scheduleRenewal(f.expiresAt - (typeof f.ts === 'number' ? f.ts : Date.now())); // the server's clock
    }
    const ch = typeof f.channel === 'string' ? f.channel : null;
    const sub = ch === null ? null : this._channels.get(ch);
    if (f.event === 'message' && typeof f.seq === 'number' && sub) {
      if (f.seq <= sub.lastSeq) {
        this._log('dropped a message already seen', ch, f.seq);
        return;
      }
      sub.lastSeq = f.seq;
    } else if (f.event === 'reset' && sub) {
      // the channel's sequence started over below the number held (the server's realtime restarted, or the
      // channel was dropped while idle): what follows is numbered from 1, and a resubscribe asks from 0
      this._log('sequence of', ch, 'started over');
      sub.lastSeq = 0;
      sub.catchUp = true;
    } else if (f.event === 'subscribed' && typeof f.seq === 'number' && sub && f.seq > sub.lastSeq) {
      sub.lastSeq = f.seq;
    }
    this._log('frame', f.event, ch);
    if (sub) {
      for (const l of Array.from(sub.listeners)) {
        try {
          l(f);
        } catch (e) {
          console.error('[ren] realtime listener failed; the connection goes on', e);
        }
      }
    }
    for (const l of Array.from(this._any)) {
      try {
        l(f);
      } catch (e) {
        console.error('[ren] realtime listener failed; the connection goes on', e);
      }
    }
    if (f.event === 'error') {
      this._emit(this._errorListeners, Object.assign(new Error(`realtime ${f.code}: ${f.message}`),
        { code: f.code, frame: f }));
    }
  }

  /** The subscribe frame, about to be sent. */
  _subscribeFrame(ch, sub) {
    const f = { action: 'subscribe', channel: ch };
    if (sub.token) f.token = sub.token;
    if (sub.catchUp || sub.lastSeq > 0) f.lastEventId = sub.lastSeq;
    return f;
  }

  /** Sends presence:leave for every member over the open socket (kept, so a restored page joins again). */
  _leaveAll() {
    const ws = this._ws;
    if (!ws || ws.readyState !== WS_OPEN) return;
    for (const [ch, j] of this._joins) this._send(ws, leaveFrame(ch, j));
  }

  /** Sends on the open socket; else nothing (subscriptions and joins are sent again on connect). */
  _sendNow(frame) {
    const ws = this._ws;
    if (ws && ws.readyState === WS_OPEN) this._send(ws, frame);
  }

  _sendOrQueue(frame) {
    const ws = this._ws;
    if (ws && ws.readyState === WS_OPEN) {
      this._send(ws, frame);
      return;
    }
    if (this._closed) throw new Error('realtime client is disconnected: publish after disconnect()');
    if (this._pending.length >= MAX_PENDING_FRAMES) {
      throw new Error(`realtime: ${MAX_PENDING_FRAMES} frames already wait for the connection; not queued`);
    }
    this._pending.push(frame);
  }

  _send(ws, frame) {
    try {
      ws.send(JSON.stringify(frame));
    } catch (e) {
      this._log('send failed', e);
    }
  }

  _log(...args) {
    if (this._debug) console.debug('[ren realtime]', ...args);
  }
}

const CHANNEL = /^[A-Za-z0-9_.:-]{1,128}$/;

function checkChannel(channel) {
  const ch = String(channel);
  if (!CHANNEL.test(ch)) throw new TypeError(`channel '${ch}' must match [A-Za-z0-9_.:-]{1,128}`);
  return ch;
}

function sequenceNumber(value) {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(`lastEventId must be a sequence number >= 0, was ${value}`);
  }
  return n;
}

function joinFrame(action, ch, j) {
  const f = { action, channel: ch, metadata: j.metadata };
  if (j.userId !== null) f.userId = j.userId;
  if (j.token) f.token = j.token;
  return f;
}

function leaveFrame(ch, j) {
  const f = { action: 'presence:leave', channel: ch };
  if (j.userId !== null) f.userId = j.userId;
  return f;
}

function add(set, fn) {
  if (typeof fn !== 'function') throw new TypeError('listener must be a function');
  set.add(fn);
  return () => {
    set.delete(fn);
  };
}

function positive(value, fallback, name) {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1) throw new TypeError(`${name} must be a number >= 1, was ${value}`);
  return n;
}

/** fetch() with this browser's persisted client id as X-Ren-Client. */
export function renFetch(input, init = {}) {
  const headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
  headers.set('X-Ren-Client', getClientId());
  return fetch(input, Object.assign({}, init, { headers }));
}

export default RenClient;
