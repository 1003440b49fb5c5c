// The live todo list: todos are KV keys todo:<id> in namespace demo; every change arrives over REN's stream.
import { RenClient } from '/api/maravilla/ren/client.js';

const NS = '/api/kv/demo';
const todos = new Map();                       // key -> {title, done}
const $ = (id) => document.getElementById(id);
const ren = new RenClient({ subscriptions: ['kv:demo'] });

function render() {
  const list = $('list');
  list.replaceChildren(...[...todos.entries()].sort().map(([key, t]) => {
    const li = document.createElement('li');
    li.className = t.done ? 'done' : '';
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: !!t.done });
    box.onchange = () => save(key, { ...t, done: box.checked });
    const del = Object.assign(document.createElement('button'), { textContent: '×', title: 'delete' });
    del.onclick = () => call(`${NS}/${encodeURIComponent(key)}`, { method: 'DELETE' });
    li.append(box, Object.assign(document.createElement('span'), { textContent: t.title }), del);
    return li;
  }));
}

async function call(url, init) {
  const res = await ren.renFetch(url, init);
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    $('error').textContent = `${res.status} ${body.error || ''}: ${body.message || ''}`;
  } else {
    $('error').textContent = '';
  }
  return res;
}

function save(key, todo) {
  return call(`${NS}/${encodeURIComponent(key)}`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(todo),
  });
}

async function load(key) {
  const res = await fetch(`${NS}/${encodeURIComponent(key)}`);
  if (res.ok) todos.set(key, await res.json()); else todos.delete(key);
}

async function loadAll() {
  todos.clear();
  const res = await fetch(NS, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prefix: 'todo:', limit: 1000 }) });
  if (res.ok) {
    const page = await res.json();
    await Promise.all(page.result.map((entry) => load(entry.name)));
  }
  render();
}

ren.on(async (event) => {
  if (event.t === 'kv.put') await load(event.k);
  else if (event.t === 'kv.delete' || event.t === 'kv.expired') todos.delete(event.k);
  else return;
  render();
});
ren.onReset(loadAll);

$('add').onsubmit = (e) => {
  e.preventDefault();
  save(`todo:${crypto.randomUUID()}`, { title: $('title').value, done: false });
  $('title').value = '';
};

const me = await (await fetch('/api/me')).json();
$('status').textContent = `signed in as ${me.user}` + (me.canWrite ? '' : ' (read only: changes are refused)');
await loadAll();
