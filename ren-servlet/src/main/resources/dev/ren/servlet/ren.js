// ren.js: the REN browser client (an ES module; no build step, no dependencies).
//
//   import { RenClient } from '/api/maravilla/ren/client.js';
//   const ren = new RenClient({ subscriptions: ['kv', 'db:todos'] });
//   const off = ren.on((event) => { if (event.src !== ren.getClientId()) refresh(event); });
//   ren.onReset(() => reloadEverything());          // the server could not resume: refetch state
//   await ren.renFetch('/api/kv/demo/todo:1', { method: 'PUT', headers: { 'Content-Type': 'application/json' },
//     body: JSON.stringify(todo) });     // JSON endpoints take application/json only (415 otherwise)
//
// Transport: fetch() with a streaming SSE parser over the response's ReadableStream, not EventSource.
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
 * The REN stream client. Options: endpoint, subscriptions (array or comma string; default all), clientId
 * (default the persisted browser id), autoReconnect (true), maxBackoffMs (15000), debug (false; also on with
 * localStorage.REN_DEBUG = '1'), and beyond the documented ones initialBackoffMs (1000), heartbeatMs (15000, the
 * server's heartbeat; no byte for 2.5x this reconnects), lastEventId (resume point for the first connection),
 * withCredentials (send cookies cross-origin).
 */
export class RenClient {
  constructor(options = {}) {
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

  _log(...args) {
    if (this._debug) console.debug('[ren]', ...args);
  }
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
