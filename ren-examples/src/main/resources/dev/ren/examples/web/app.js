// The REN demo app: plain ES modules served from the jar, no build step. URLs are relative (./api/...), so the
// same files work at / (demo server) and under a WAR's context path.
//
// One RenClient (SSE) feeds the app (todos, files); a second one, with the filter box's subscriptions, feeds the
// event inspector. The chat and its presence list run over one RealtimeClient (WebSocket at /_rt/ws): messages,
// joins and leaves both ways, caught up by sequence number after a reconnect; a closed tab leaves at once. Every
// tab has its own client id (the same on both transports), so a tab skips the echoes of its own writes
// (event.src) but sees every other tab's. Each panel degrades to a visible notice when its HTTP binding is not
// installed (404).
//
// Access (access.js): the page asks the server how it runs (GET ./demo/config). Open: a banner says so. With
// --users: a login form first; then every API call carries the user's Basic credentials and every stream a
// stream token, renewed before it expires. A refused write (403 for a read-only user) shows the server's message
// in the panel that tried it.

import { accessMode, apiFetch, LiveStream, login, logout, showMode, showSession, StreamTokens } from './access.js';

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** A fresh id for this tab: [A-Za-z0-9_-], also where crypto.randomUUID is missing (plain http on a LAN IP). */
function tabId(prefix) {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Thrown for a route that answers 404 with no JSON error naming a missing resource: the binding is absent. */
class Missing extends Error {}

function notice(section, text) {
  const n = $('.notice', section);
  n.textContent = text || '';
  n.hidden = !text;
}

async function json(res, what) {
  if (res.status === 404 || res.status === 405) throw new Missing(`${what}: HTTP ${res.status}`);
  if (!res.ok) {
    let msg = '';
    try { const b = await res.json(); msg = b.message || b.error || ''; } catch (e) { msg = ''; }
    throw new Error(`${what}: HTTP ${res.status}${msg ? ' ' + msg : ''}`);
  }
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** A binding is "absent" when the servlet container answers 404 with its own (non-JSON) page. */
async function bindingAbsent(res) {
  if (res.status !== 404) return false;
  return !/json/i.test(res.headers.get('Content-Type') || '');
}

let RenClient;
let RealtimeClient;
try {
  ({ RenClient, RealtimeClient } = await import('./api/maravilla/ren/client.js'));
} catch (e) {
  const f = $('#fatal');
  f.textContent = 'The REN browser client (/api/maravilla/ren/client.js) could not be loaded: ' + e.message;
  f.hidden = false;
  throw e;
}

const access = await accessMode();
showMode(access);
const session = access.mode === 'users' ? await login() : null; // resolves once the user has logged in

const clientId = tabId('tab-');
$('#client-id').textContent = clientId;
const tokens = session ? new StreamTokens(session, access.tokenTtl) : null;
// the user's own credentials stopped working (the server restarted with another users file): log in again
const credentialsRefused = () => logout(null, 'The server no longer accepts that name and password: log in again.');
const app = new LiveStream(RenClient, {
  clientId,
  subscriptions: ['kv:demo', 'storage', 'transform'],
}, tokens, credentialsRefused);
const api = apiFetch(clientId, session);
const demo = { clientId, states: [], mode: access.mode, user: session ? session.user : null,
  tokensMinted: () => (tokens ? tokens.minted : 0) };
window.renDemo = demo; // for the browser tests and for poking around in the console
if (session) showSession(session, () => { app.close(); logout(tokens); });

// ---------------------------------------------------------------- connection state

function showState(badge, state, wasOpen) {
  const label = state === 'open' ? 'live'
    : state === 'closed' ? 'closed'
      : (wasOpen || state === 'waiting') ? 'reconnecting' : 'connecting';
  badge.textContent = label;
  badge.dataset.state = label;
  return label;
}

let appWasOpen = false;
app.onStateChange((s) => {
  const label = showState($('#conn'), s, appWasOpen);
  if (s === 'open') appWasOpen = true;
  if (demo.states[demo.states.length - 1] !== label) demo.states.push(label);
});
app.onError((e) => console.warn('[demo] stream error:', e && e.message));
app.onReset(() => {
  // the server could not resume (restart, or we were away too long): everything we hold may be stale
  todos.load();
  files.load();
});
app.on((event) => {
  switch (event.r) {
    case 'kv': todos.onEvent(event); break;
    case 'storage': files.onStorage(event); break;
    case 'transform': files.onTransform(event); break;
    default: break;
  }
});

// ---------------------------------------------------------------- todos (KV namespace demo, keys todo:<id>)

const todos = (() => {
  const section = $('#todo');
  const list = $('#todo-list');
  const items = new Map(); // key -> {title, done, createdAt}
  let loading = null;
  let queued = [];
  let available = true;
  const kvUrl = (key) => `./api/kv/demo/${encodeURIComponent(key)}`;

  const rows = new Map(); // key -> li, reused so a change elsewhere does not rebuild (and unfocus) every row

  function row(key) {
    let li = rows.get(key);
    if (!li) {
      li = el('li', { dataset: { key } },
        el('input', { type: 'checkbox', class: 'toggle', 'aria-label': 'done',
          onchange: () => { const t = items.get(key); if (t) save(key, { ...t, done: !t.done }); } }),
        el('span', { class: 'title' }),
        el('button', { type: 'button', class: 'delete link', 'aria-label': 'delete', onclick: () => remove(key) }, '✕'));
      rows.set(key, li);
    }
    const t = items.get(key);
    li.className = t.done ? 'done' : '';
    $('.toggle', li).checked = !!t.done;
    const title = String(t.title ?? '');
    if ($('.title', li).textContent !== title) $('.title', li).textContent = title;
    return li;
  }

  function render() {
    const sorted = [...items.entries()].sort((a, b) => (a[1].createdAt || 0) - (b[1].createdAt || 0)
      || a[0].localeCompare(b[0]));
    for (const key of [...rows.keys()]) {
      if (!items.has(key)) {
        rows.get(key).remove();
        rows.delete(key);
      }
    }
    sorted.forEach(([key], i) => {
      const li = row(key);
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
    $('#todo-count').textContent = String(items.size);
  }

  function unavailable(e) {
    available = false;
    notice(section, e instanceof Missing
      ? 'The KV binding is not installed on this server (404 from /api/kv), so todos are off.'
      : 'Todos: ' + e.message);
    $('#todo-add').disabled = true;
  }

  async function fetchOne(key) {
    const res = await api(kvUrl(key));
    if (res.status === 404 && !(await bindingAbsent(res))) return null; // deleted in the meantime
    return json(res, 'GET ' + key);
  }

  async function listKeys() {
    const keys = [];
    let cursor = null;
    for (let page = 0; page < 100; page++) {
      const body = { prefix: 'todo:', limit: 1000 };
      if (cursor) body.cursor = cursor;
      const res = await api('./api/kv/demo', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body) });
      const r = await json(res, 'list todos');
      for (const x of r.result || []) keys.push(x.name);
      cursor = r.result_info && r.result_info.cursor;
      if (!cursor) break;
    }
    return keys;
  }

  /** (Re)loads the whole list; events that arrive meanwhile are applied after it. */
  function load() {
    if (loading) { loading.again = true; return loading.done; }
    const run = { again: false };
    loading = run;
    run.done = (async () => {
      try {
        do {
          run.again = false;
          const keys = await listKeys();
          const values = await Promise.all(keys.map((k) => fetchOne(k).then((v) => [k, v])));
          items.clear();
          for (const [k, v] of values) if (v && typeof v === 'object') items.set(k, v);
        } while (run.again);
        available = true;
        notice(section, '');
        $('#todo-add').disabled = false;
      } catch (e) {
        unavailable(e);
      } finally {
        loading = null;
        const q = queued;
        queued = [];
        render();
        for (const ev of q) onEvent(ev);
      }
    })();
    return run.done;
  }

  async function onEvent(ev) {
    if (ev.ns !== 'demo' || typeof ev.k !== 'string' || !ev.k.startsWith('todo:')) return;
    if (ev.src && ev.src === clientId) return; // our own write, already on screen
    if (loading) { queued.push(ev); return; }
    if (ev.t === 'kv.put') {
      try {
        const v = await fetchOne(ev.k);
        if (v && typeof v === 'object') items.set(ev.k, v); else items.delete(ev.k);
      } catch (e) {
        console.warn('[demo] could not fetch', ev.k, e);
        return;
      }
    } else if (ev.t === 'kv.delete' || ev.t === 'kv.expired' || ev.t === 'kv.evicted') {
      items.delete(ev.k);
    } else {
      return;
    }
    render();
  }

  async function save(key, value) {
    const before = items.get(key);
    items.set(key, value);
    render();
    try {
      await json(await api(kvUrl(key), { method: 'PUT', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(value) }), 'PUT ' + key);
    } catch (e) {
      if (before) items.set(key, before); else items.delete(key);
      render();
      if (e instanceof Missing) unavailable(e); else notice(section, 'Could not save: ' + e.message);
    }
  }

  async function remove(key) {
    const before = items.get(key);
    items.delete(key);
    render();
    try {
      const res = await api(kvUrl(key), { method: 'DELETE' });
      if (res.status === 404 && !(await bindingAbsent(res))) return; // already gone
      await json(res, 'DELETE ' + key);
    } catch (e) {
      if (before) items.set(key, before);
      render();
      if (e instanceof Missing) unavailable(e); else notice(section, 'Could not delete: ' + e.message);
    }
  }

  $('#todo-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('#todo-title');
    const title = input.value.trim();
    if (!title || !available) return;
    input.value = '';
    const id = Date.now().toString(36) + tabId('').slice(0, 8);
    save('todo:' + id, { title, done: false, createdAt: Date.now() });
  });

  return { load, onEvent };
})();

// ---------------------------------------------------------------- files (storage + thumbnail transform jobs)

const files = (() => {
  const section = $('#files');
  const input = $('#file-input');
  const bar = $('#upload-progress');
  const status = $('#upload-status');
  const thumbs = $('#thumbs');
  const jobs = new Map(); // output key -> {box, caption}
  const early = new Map(); // output key -> last transform event seen before the job's POST answered
  let refreshTimer = null;
  const objectUrl = (key) => './api/storage/' + key.split('/').map(encodeURIComponent).join('/');

  /** With --users an <img> or a link cannot send credentials: fetch the object with them, show it as a blob: URL. */
  async function blobUrl(key) {
    const res = await api(objectUrl(key));
    if (!res.ok) throw new Error(`GET ${key}: HTTP ${res.status}`);
    return URL.createObjectURL(await res.blob());
  }

  function openObject(e, key) {
    if (!session) return; // open mode: the plain link works
    e.preventDefault();
    const w = window.open('', '_blank');
    blobUrl(key).then((u) => { if (w) w.location.href = u; else location.href = u; })
      .catch((err) => { if (w) w.close(); notice(section, 'Files: ' + err.message); });
  }

  async function load() {
    try {
      const res = await api('./api/storage?prefix=' + encodeURIComponent('uploads/') + '&limit=100');
      const list = await json(res, 'list files');
      const rows = (Array.isArray(list) ? list : []).slice().sort((a, b) => (b.lastModified || 0) - (a.lastModified || 0));
      $('#file-list').replaceChildren(...rows.map((f) => el('li', { dataset: { key: f.key } },
        el('a', { href: objectUrl(f.key), target: '_blank', rel: 'noopener', onclick: (e) => openObject(e, f.key) },
          f.key.replace(/^uploads\//, '')),
        el('span', { class: 'muted' }, formatSize(f.size)))));
      notice(section, '');
      input.disabled = false;
    } catch (e) {
      notice(section, e instanceof Missing
        ? 'The storage binding is not installed on this server (404 from /api/storage), so uploads are off.'
        : 'Files: ' + e.message);
      if (e instanceof Missing) input.disabled = true;
    }
  }

  function formatSize(n) {
    if (typeof n !== 'number') return '';
    return n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KB' : (n / 1048576).toFixed(1) + ' MB';
  }

  function onStorage(ev) {
    if (typeof ev.k !== 'string' || !ev.k.startsWith('uploads/')) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(load, 150); // a burst of uploads refreshes the list once
  }

  function onTransform(ev) {
    const job = typeof ev.k === 'string' ? jobs.get(ev.k) : undefined;
    if (!job) {
      if (typeof ev.k === 'string') {
        early.set(ev.k, ev);
        if (early.size > 50) early.delete(early.keys().next().value);
      }
      return;
    }
    showJob(job, ev);
  }

  function showJob(job, ev) {
    const d = ev.data || {};
    const stage = ev.t.replace(/^transform\./, '');
    job.card.dataset.status = stage;
    if (ev.t === 'transform.complete') {
      const img = el('img', { class: 'thumbnail', alt: 'thumbnail of ' + job.name });
      if (session) {
        blobUrl(ev.k).then((u) => { img.src = u; }).catch((err) => { job.caption.textContent = err.message; });
      } else {
        img.src = objectUrl(ev.k);
      }
      job.box.replaceChildren(img);
      job.caption.textContent = job.name + ' · thumbnail ready';
    } else if (ev.t === 'transform.failed') {
      job.box.textContent = '✕';
      job.caption.textContent = job.name + ' · failed: ' + (d.error || 'unknown error');
    } else {
      const pct = typeof d.percent === 'number' ? ` ${Math.round(d.percent)}%` : '';
      job.box.textContent = stage + pct;
      job.caption.textContent = job.name + (d.stage ? ' · ' + d.stage : '');
    }
  }

  function upload(file) {
    const safe = file.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80) || 'file';
    const key = `uploads/${Date.now().toString(36)}-${safe}`;
    bar.hidden = false;
    bar.value = 0;
    status.textContent = `uploading ${file.name}…`;
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', objectUrl(key));
    xhr.setRequestHeader('X-Ren-Client', clientId);
    if (session) xhr.setRequestHeader('Authorization', session.header);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    };
    xhr.onerror = () => { status.textContent = `upload of ${file.name} failed (network)`; };
    xhr.onload = () => {
      if (xhr.status === 404) {
        status.textContent = '';
        bar.hidden = true;
        notice(section, 'The storage binding is not installed on this server (404 from /api/storage).');
        return;
      }
      if (xhr.status < 200 || xhr.status >= 300) {
        let msg = '';
        try { msg = JSON.parse(xhr.responseText).message || ''; } catch (e) { msg = ''; }
        status.textContent = `upload of ${file.name} failed: HTTP ${xhr.status}${msg ? ' ' + msg : ''}`;
        bar.hidden = true;
        return;
      }
      bar.value = 100;
      status.textContent = `uploaded ${file.name}`;
      load();
      if ((file.type || '').startsWith('image/')) thumbnail(key, file.name);
    };
    xhr.send(file);
  }

  async function thumbnail(srcKey, name) {
    const box = el('div', { class: 'box' }, 'queued');
    const caption = el('div', {}, name);
    const card = el('figure', { class: 'thumb', dataset: { src: srcKey, status: 'requested' } }, box, caption);
    thumbs.prepend(card);
    try {
      const res = await api('./api/media/transforms/thumbnail', { method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ srcKey, opts: { size: 128 } }) }); // a 128 x 128 centred crop
      const job = await json(res, 'thumbnail');
      const entry = { box, caption, card, name };
      card.dataset.output = job.output_key;
      jobs.set(job.output_key, entry);
      const seen = early.get(job.output_key);
      early.delete(job.output_key);
      if (seen) showJob(entry, seen);
      else if (job.status === 'complete') showJob(entry, { t: 'transform.complete', k: job.output_key });
    } catch (e) {
      box.textContent = '—';
      caption.textContent = e instanceof Missing
        ? 'no thumbnail: the transform binding is not installed (404 from /api/media/transforms)'
        : 'no thumbnail: ' + e.message;
    }
  }

  input.addEventListener('change', () => {
    for (const f of input.files) upload(f);
    input.value = '';
  });

  return { load, onStorage, onTransform };
})();

// ---------------------------------------------------------------- chat channel + presence (WebSocket)

const chat = (() => {
  const section = $('#chat');
  const log = $('#chat-log');
  const people = $('#presence-list');
  const badge = $('#chat-conn');
  const members = new Map(); // userId -> metadata
  const nameInput = $('#chat-name');
  let name = '';
  try { name = sessionStorage.getItem('renDemoName') || ''; } catch (e) { name = ''; }
  if (!name) name = session ? session.user : 'guest-' + clientId.slice(4, 8);
  nameInput.value = name;
  // open: one presence entry per tab; with users the server takes the member from the login (one per user)
  const userId = session ? session.user : clientId;
  let wasOpen = false;
  let snapshot = null; // presence frames that arrive while the member list is being fetched, replayed onto it

  // the socket authenticates with a stream token (a WebSocket cannot send Authorization); after a failed connect
  // the token may be the reason (expired, revoked), so the next attempt mints a fresh one
  let lastToken = null;
  let rtFailed = false; // the last connection closed or never opened
  const streamToken = tokens ? async () => {
    if (rtFailed && lastToken) tokens.invalidate(lastToken);
    lastToken = (await tokens.get()).token;
    return lastToken;
  } : null;
  const rt = new RealtimeClient({ clientId, streamToken, maxBackoffMs: 15000 });
  demo.realtime = rt;
  demo.chatStates = [];
  const here = rt.presence('chat');

  function renderPeople() {
    people.replaceChildren(...[...members.entries()].map(([uid, meta]) => el('li',
      { class: uid === userId ? 'me' : '', dataset: { uid } },
      (meta && meta.name) || uid)));
  }

  function addMessage(f) {
    const d = f.data || {};
    const text = typeof d === 'string' ? d : d.text;
    if (typeof text !== 'string') return;
    const who = (d && d.name) || f.userId || 'someone';
    log.append(el('li', { class: f.userId === userId ? 'mine' : '', dataset: { seq: f.seq ?? '' } },
      el('b', {}, who + ': '), text));
    while (log.childElementCount > 200) log.firstElementChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  function applyPresence(f) {
    if (!f.userId) return;
    if (f.event === 'presence:leave') members.delete(f.userId);
    else members.set(f.userId, f.metadata || {});
  }

  /** The member list over HTTP; presence frames received meanwhile are applied after it, in order. */
  async function loadMembers() {
    snapshot = [];
    try {
      const res = await api('./api/realtime/presence/chat');
      const p = await json(res, '/api/realtime/presence');
      members.clear();
      for (const m of p.members || []) members.set(m.userId, m.metadata);
    } catch (e) {
      notice(section, 'Chat: ' + e.message);
    } finally {
      for (const f of snapshot) applyPresence(f);
      snapshot = null;
      renderPeople();
    }
  }

  // history first (replayed from sequence 0), then live; after a reconnect only what was missed
  rt.subscribe('chat', (f) => {
    switch (f.event) {
      case 'message': addMessage(f); break;
      case 'presence:join':
      case 'presence:update':
      case 'presence:leave':
        if (snapshot) snapshot.push(f);
        applyPresence(f);
        renderPeople();
        break;
      case 'subscribed': loadMembers(); break; // (re)subscribed: who is here may have changed meanwhile
      case 'error': notice(section, `Chat: ${f.message} (${f.code})`); break;
      default: break;
    }
  }, { lastEventId: 0 });
  here.join(userId, { name });

  rt.onStateChange((s) => {
    const label = showState(badge, s, wasOpen);
    if (s === 'open') {
      wasOpen = true;
      rtFailed = false;
      notice(section, '');
    }
    if (demo.chatStates[demo.chatStates.length - 1] !== label) demo.chatStates.push(label);
  });
  rt.onError((e) => {
    if (e && e.frame) return; // an error frame: shown above
    rtFailed = true;
    if (!wasOpen) {
      notice(section, 'Chat needs realtime over WebSocket (/_rt/ws), which this server does not offer or cannot '
        + 'be reached; retrying.');
    }
  });

  nameInput.addEventListener('change', () => {
    name = nameInput.value.trim() || name;
    nameInput.value = name;
    try { sessionStorage.setItem('renDemoName', name); } catch (e) { /* private mode */ }
    here.update({ name }); // while reconnecting, the next join carries it
  });

  $('#chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('#chat-text');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    try {
      rt.publish('chat', { text, name }, { userId });
    } catch (err) {
      notice(section, 'Chat: ' + err.message);
    }
  });

  /** Resolves once the first member list is shown (the page's first load waits for it). */
  const ready = new Promise((resolve) => {
    const off = rt.subscribe('chat', (f) => {
      if (f.event === 'subscribed') { off(); resolve(); }
    });
    rt.onError((e) => { if (!e.frame && !wasOpen) resolve(); });
  });

  return { ready };
})();

// ---------------------------------------------------------------- event inspector

const inspector = (() => {
  const section = $('#inspector');
  const logEl = $('#insp-log');
  const pauseBtn = $('#insp-pause');
  const count = $('#insp-count');
  const MAX = 500;
  let client = null;
  let paused = false;
  let held = [];
  let total = 0;
  let wasOpen = false;

  function row(event, raw) {
    const ts = new Date(event.ts || Date.now());
    const t = event.t || raw.type;
    const domain = (event.r || String(t).split('.')[0] || '').replace(/[^a-z]/g, '');
    const where = [event.ns, event.k, event.ch && '#' + event.ch, event.uid && '@' + event.uid]
      .filter(Boolean).join(' ');
    const li = el('li', { dataset: { type: t } },
      el('span', { class: 'ts' }, ts.toLocaleTimeString() + ' '),
      el('span', { class: 't ' + domain }, t),
      where ? ' ' + where : '',
      event.src ? el('span', { class: 'ts' }, ' src=' + event.src) : '',
      raw.id ? el('span', { class: 'ts' }, ' id=' + raw.id) : '',
      '\n' + raw.data);
    return li;
  }

  function show(items) {
    for (const [event, raw] of items) logEl.prepend(row(event, raw));
    while (logEl.childElementCount > MAX) logEl.lastElementChild.remove();
  }

  function updateCount() {
    count.textContent = `${total} events` + (paused ? ` · paused, ${held.length} waiting` : '');
  }

  function subscribe() {
    if (client) client.close();
    const filter = $('#insp-filter').value.trim() || '*';
    notice(section, '');
    logEl.replaceChildren(); // a new filter starts a new view
    held = [];
    total = 0;
    updateCount();
    wasOpen = false;
    client = new LiveStream(RenClient, { clientId: tabId('insp-'), subscriptions: filter === '*' ? [] : filter.split(',') },
      tokens, credentialsRefused);
    client.onStateChange((s) => {
      showState($('#insp-conn'), s, wasOpen);
      if (s === 'open') wasOpen = true;
    });
    client.onError((e) => {
      if (e && e.status >= 400 && e.status < 500) {
        let msg = e.message;
        try { msg = JSON.parse(e.body).message || msg; } catch (x) { /* not JSON */ }
        notice(section, `The server refused filter '${filter}': ${msg}`);
      }
    });
    client.on((event, raw) => {
      total++;
      if (paused) {
        held.push([event, raw]);
        if (held.length > MAX) held.shift();
      } else {
        show([[event, raw]]);
      }
      updateCount();
    });
  }

  $('#insp-form').addEventListener('submit', (e) => {
    e.preventDefault();
    subscribe();
  });
  pauseBtn.addEventListener('click', () => {
    paused = !paused;
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    pauseBtn.setAttribute('aria-pressed', String(paused));
    if (!paused) {
      show(held);
      held = [];
    }
    updateCount();
  });
  $('#insp-clear').addEventListener('click', () => {
    logEl.replaceChildren();
    held = [];
    total = 0;
    updateCount();
  });
  subscribe();
  return { subscribe };
})();

// ---------------------------------------------------------------- first load

await Promise.all([todos.load(), files.load(), chat.ready]);
demo.ready = true;
document.body.dataset.ready = 'true';
void inspector;
