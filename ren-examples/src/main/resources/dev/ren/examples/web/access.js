// Access for the demo page: which mode the server runs in, the login form, and streams that carry stream tokens.
//
// - Mode: GET ./demo/config says {"mode":"open"} or {"mode":"users","tokenTtl":300}. The WAR has no such endpoint
//   and runs open (ren.access=open in its web.xml), so a 404 means open.
// - Users mode: the login form checks name and password with GET ./demo/me; the Basic credentials then live in
//   this page's memory and in sessionStorage (this tab only, gone when it closes), and go on every API call as
//   `Authorization: Basic ...`. The server never sends WWW-Authenticate, so the browser shows no dialog of its own.
// - Streams: a stream cannot send headers, so it opens with `?token=` minted by POST ./api/maravilla/ren/token.
//   LiveStream renews the token before it expires and reopens the stream from the last event id it saw (the
//   server replays what happened in between: no gap, no duplicate); a stream the server ends or refuses with 401
//   (token expired or revoked) is reopened the same way with a fresh token.

const SESSION_KEY = 'renDemoAuth';
const NOTICE_KEY = 'renDemoLoginNotice';

const $ = (sel, root = document) => root.querySelector(sel);

/** The stream endpoint, absolute (under a WAR's context path too, like the page's other relative URLs). */
function streamBase() {
  return String(new URL('./api/maravilla/ren', document.baseURI)).replace(/\/+$/, '');
}

/** The server's access mode: { mode: 'open' | 'users', tokenTtl (seconds, users mode), known }. */
export async function accessMode() {
  try {
    const res = await fetch('./demo/config', { cache: 'no-store' });
    if (res.ok) {
      const c = await res.json();
      if (c && (c.mode === 'open' || c.mode === 'users')) {
        return { mode: c.mode, tokenTtl: Number(c.tokenTtl) || 300, known: true };
      }
    }
  } catch (e) {
    // not the demo server (the WAR), or not reachable: the API calls will say more
  }
  return { mode: 'open', known: false };
}

/** Shows what the mode means at the top of the page. */
export function showMode(access) {
  const banner = $('#access-banner');
  if (access.mode === 'open') {
    banner.textContent = access.known
      ? 'This demo runs OPEN: anyone who can reach it can read and write everything and receive every event. '
        + 'Start it with --users FILE to require logins.'
      : 'This server does not say how it is secured (no /demo/config). The demo WAR runs OPEN (ren.access=open): '
        + 'anyone who can reach it can read and write everything.';
    banner.dataset.mode = 'open';
    banner.hidden = false;
  } else {
    banner.dataset.mode = 'users';
    banner.hidden = true;
  }
}

/** UTF-8 safe `Basic base64(name:password)`. */
export function basicHeader(name, password) {
  const bytes = new TextEncoder().encode(`${name}:${password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return 'Basic ' + btoa(bin);
}

/** The logged-in user: its Authorization header and what the server says about it. */
export class Session {
  constructor(header, me) {
    this.header = header;
    this.user = String(me.user);
    this.tenant = me.tenant === null || me.tenant === undefined ? null : String(me.tenant);
    this.roles = Array.isArray(me.roles) ? me.roles.map(String) : [];
  }

  /** Whether the roles allow writing (the server decides; this only words the banner). */
  get canWrite() {
    return this.roles.includes('write') || this.roles.includes('admin');
  }

  describe() {
    return `${this.user} · tenant ${this.tenant ?? '(default)'} · ${this.roles.length ? this.roles.join(', ') : 'no role'}`;
  }
}

function readStored() {
  try { return sessionStorage.getItem(SESSION_KEY); } catch (e) { return null; }
}

function store(header) {
  try {
    if (header) sessionStorage.setItem(SESSION_KEY, header); else sessionStorage.removeItem(SESSION_KEY);
  } catch (e) {
    // private mode: the credentials live in this page's memory only
  }
}

class RefusedError extends Error {}

/** GET ./demo/me with `header`: the server's view of the user, or a RefusedError with its message. */
async function whoAmI(header) {
  const res = await fetch('./demo/me', { headers: { Authorization: header }, cache: 'no-store' });
  if (res.status === 401) {
    let msg = 'wrong name or password';
    try { msg = (await res.json()).message || msg; } catch (e) { /* not JSON */ }
    throw new RefusedError(msg);
  }
  if (!res.ok) throw new Error(`GET /demo/me: HTTP ${res.status}`);
  return res.json();
}

/**
 * Resolves with a Session once the user is logged in: at once with the credentials this tab stored (if the server
 * still takes them), else after the login form succeeds. Until then the app is hidden and the form shown.
 */
export async function login() {
  const stored = readStored();
  if (stored) {
    try {
      return new Session(stored, await whoAmI(stored));
    } catch (e) {
      store(null);
    }
  }
  const section = $('#login');
  const form = $('#login-form');
  const error = $('#login-error');
  const main = $('#app-main');
  main.hidden = true;
  section.hidden = false;
  const badge = $('#conn');
  badge.textContent = 'logged out';
  badge.dataset.state = 'closed'; // the app's stream opens after the login
  let notice = null;
  try { notice = sessionStorage.getItem(NOTICE_KEY); sessionStorage.removeItem(NOTICE_KEY); } catch (e) { notice = null; }
  error.textContent = notice || '';
  error.hidden = !notice;
  $('#login-name').focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', async function onSubmit(e) {
      e.preventDefault();
      const name = $('#login-name').value.trim();
      const password = $('#login-password').value;
      if (!name || !password) return;
      $('#login-submit').disabled = true;
      try {
        const header = basicHeader(name, password);
        const session = new Session(header, await whoAmI(header));
        store(header);
        $('#login-password').value = '';
        error.hidden = true;
        section.hidden = true;
        main.hidden = false;
        form.removeEventListener('submit', onSubmit);
        resolve(session);
      } catch (err) {
        error.textContent = err instanceof RefusedError ? 'Login refused: ' + err.message : String(err.message || err);
        error.hidden = false;
      } finally {
        $('#login-submit').disabled = false;
      }
    });
  });
}

/** Shows who is logged in, and wires the logout button to `onLogout`. */
export function showSession(session, onLogout) {
  const box = $('#account');
  $('#account-who').textContent = session.describe();
  box.hidden = false;
  const banner = $('#access-banner');
  if (!session.canWrite) {
    banner.textContent = `${session.user} may only read: you see every change in tenant ${session.tenant}, `
      + 'and the server refuses your writes (403).';
    banner.hidden = false;
  }
  $('#logout').addEventListener('click', onLogout);
}

/**
 * Forgets the credentials, revokes the stream token (so a copied stream URL stops working) and reloads the page,
 * which shows the login form again. `notice` is shown above the form.
 */
export async function logout(tokens, notice) {
  store(null);
  try { if (notice) sessionStorage.setItem(NOTICE_KEY, notice); } catch (e) { /* no storage */ }
  const token = tokens && tokens.current();
  if (token) {
    try {
      await fetch('./demo/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
    } catch (e) {
      // the token expires on its own within its lifetime
    }
  }
  location.reload();
}

/** fetch() for the API: X-Ren-Client (so this tab can skip its own echoes) and, when logged in, Basic auth. */
export function apiFetch(clientId, session) {
  return (input, init = {}) => {
    const headers = new Headers((init && init.headers) || undefined);
    headers.set('X-Ren-Client', clientId);
    if (session) headers.set('Authorization', session.header);
    return fetch(input, Object.assign({}, init, { headers }));
  };
}

/** Stream tokens minted with the session's credentials, shared by every stream of the page. */
export class StreamTokens {
  constructor(session, ttlSeconds) {
    this._url = streamBase() + '/token';
    this._session = session;
    this._ttlMs = Math.max(10, ttlSeconds || 300) * 1000;
    this._current = null; // { token, expiresAt }
    this._pending = null;
    this.minted = 0; // tokens minted so far (the browser tests watch renewals)
  }

  /** How long before expiry a stream moves to a fresh token: a fifth of the lifetime, 2 to 30 s. */
  get marginMs() {
    return Math.max(2000, Math.min(30000, this._ttlMs / 5));
  }

  /** The current token, if any (for logout). */
  current() {
    return this._current ? this._current.token : null;
  }

  /** Drops `token` if it is the current one (the server refused it), so the next get() mints another. */
  invalidate(token) {
    if (this._current && this._current.token === token) this._current = null;
  }

  /** A token with more than marginMs of life left; one request at a time, shared by concurrent callers. */
  get() {
    const c = this._current;
    if (c && c.expiresAt - Date.now() > this.marginMs) return Promise.resolve(c);
    if (!this._pending) {
      this._pending = this._mint().finally(() => { this._pending = null; });
    }
    return this._pending;
  }

  async _mint() {
    const res = await fetch(this._url, { method: 'POST', headers: { Authorization: this._session.header },
      cache: 'no-store' });
    if (!res.ok) {
      let msg = '';
      try { msg = (await res.json()).message || ''; } catch (e) { msg = ''; }
      throw Object.assign(new Error(`stream token: HTTP ${res.status}${msg ? ' ' + msg : ''}`), { status: res.status });
    }
    const body = await res.json();
    const seconds = Number(body.expiresIn) || this._ttlMs / 1000;
    this._ttlMs = seconds * 1000;
    this._current = { token: String(body.token), expiresAt: Date.now() + this._ttlMs };
    this.minted++;
    return this._current;
  }
}

/**
 * A RenClient (from ren.js) that carries a stream token: the same listener methods (on, onReset, onStateChange,
 * onError), one underlying RenClient at a time. Without tokens (open mode) it is one plain RenClient.
 *
 * `onCredentialsRefused(error)` is called when a token cannot be minted because the server refuses the user's own
 * credentials (401): the page goes back to its login form.
 */
export class LiveStream {
  constructor(RenClient, options, tokens, onCredentialsRefused) {
    this._RenClient = RenClient;
    this._options = Object.assign({}, options);
    this._base = streamBase();
    this._tokens = tokens || null;
    this._onRefused = onCredentialsRefused || (() => {});
    this._listeners = new Set();
    this._resetListeners = new Set();
    this._stateListeners = new Set();
    this._errorListeners = new Set();
    this._client = null;
    this._token = null;
    this._closed = false;
    this._timer = null;
    this._refusals = 0; // consecutive 401s on the stream, reset when one opens
    this._lastEventId = options && options.lastEventId ? String(options.lastEventId) : null;
    Promise.resolve().then(() => this._open(this._lastEventId)); // listeners registered after `new` see it all
  }

  on(fn) { return add(this._listeners, fn); }

  onReset(fn) { return add(this._resetListeners, fn); }

  onStateChange(fn) { return add(this._stateListeners, fn); }

  onError(fn) { return add(this._errorListeners, fn); }

  getClientId() { return this._options.clientId; }

  getLastEventId() { return this._client ? this._client.getLastEventId() : this._lastEventId; }

  close() {
    if (this._closed) return;
    this._closed = true;
    clearTimeout(this._timer);
    const c = this._client;
    this._client = null;
    if (c) c.close();
    emit(this._stateListeners, 'closed');
  }

  async _open(lastEventId) {
    if (this._closed) return;
    let endpoint = this._base;
    if (this._tokens) {
      let t;
      try {
        t = await this._tokens.get();
      } catch (e) {
        if (this._closed) return;
        emit(this._errorListeners, e);
        if (e.status === 401) {
          this._onRefused(e);
          return;
        }
        emit(this._stateListeners, 'waiting');
        this._timer = setTimeout(() => this._open(lastEventId), 5000);
        return;
      }
      if (this._closed) return;
      this._token = t.token;
      endpoint += '?token=' + encodeURIComponent(t.token);
      clearTimeout(this._timer);
      this._timer = setTimeout(() => this._reopen(), Math.max(1000, t.expiresAt - this._tokens.marginMs - Date.now()));
    }
    const opts = Object.assign({}, this._options, { endpoint });
    if (lastEventId) opts.lastEventId = lastEventId; else delete opts.lastEventId;
    const c = new this._RenClient(opts);
    this._client = c;
    c.on((event, raw) => { if (this._client === c) emit2(this._listeners, event, raw); });
    c.onReset((meta) => { if (this._client === c) emit(this._resetListeners, meta); });
    c.onStateChange((s) => {
      if (this._client !== c) return; // a stream being replaced says nothing
      if (s === 'open') this._refusals = 0;
      emit(this._stateListeners, s);
    });
    c.onError((e) => {
      if (this._client !== c) return;
      if (this._tokens && e && e.status === 401) {
        // the token expired or was revoked: reopen from where this stream got to, with a fresh one
        this._tokens.invalidate(this._token);
        this._refusals++;
        this._reopen(Math.min(30000, this._refusals > 1 ? 1000 * 2 ** (this._refusals - 1) : 0));
        return;
      }
      emit(this._errorListeners, e);
    });
  }

  /** Replaces the stream by one with a fresh token, resuming from the last event id (after `delayMs`). */
  _reopen(delayMs = 0) {
    if (this._closed) return;
    const old = this._client;
    if (old) this._lastEventId = old.getLastEventId() || this._lastEventId;
    this._client = null;
    clearTimeout(this._timer);
    if (old) old.close();
    const last = this._lastEventId;
    if (delayMs > 0) {
      emit(this._stateListeners, 'waiting');
      this._timer = setTimeout(() => this._open(last), delayMs);
    } else {
      this._open(last);
    }
  }
}

function add(set, fn) {
  if (typeof fn !== 'function') throw new TypeError('listener must be a function');
  set.add(fn);
  return () => { set.delete(fn); };
}

function emit(set, arg) {
  for (const fn of Array.from(set)) {
    try { fn(arg); } catch (e) { console.error('[demo] listener failed', e); }
  }
}

function emit2(set, a, b) {
  for (const fn of Array.from(set)) {
    try { fn(a, b); } catch (e) { console.error('[demo] listener failed', e); }
  }
}
