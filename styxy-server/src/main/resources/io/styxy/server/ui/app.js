// Styxy's live port map: loads GET /v1/overview, then follows GET /v1/events (Server-Sent Events) and changes the
// page in place. The browser's session cookie authenticates every request; this script never sees a token.
// Everything shown comes from the daemon and from other processes (command lines!): it is only ever set as text.
'use strict';

(() => {
  const FEED_LIMIT = 50;
  const BUCKETS_ABOVE = 400;   // ranges larger than this are drawn with one square per group of ports
  const RESYNC_MS = 30000;     // a full reload now and then: quarantine has no event, and ages move on
  const AGE_TICK_MS = 15000;

  const state = {
    types: [],
    leases: new Map(),      // lock_id -> lease
    listeners: new Map(),   // key -> listener
    quarantined: new Set(),
    moves: [],
    version: '',
    observer: '',
    loadedAt: null,
    ended: false,
  };
  const fresh = new Set();  // lock ids granted since the page loaded, highlighted once

  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...children) => {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null) continue;
        if (k === 'className') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'title' || k === 'datetime') {
          e.setAttribute(k, String(v));
        } else e[k] = v;
      }
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  };

  // ---------------------------------------------------------------------------------------------- words

  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

  function age(createdAt) {
    const t = Date.parse(createdAt);
    if (Number.isNaN(t)) return '';
    const s = Math.max(0, Math.round((Date.now() - t) / 1000));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h} h ${m % 60} min`;
    return `${Math.floor(h / 24)} d`;
  }

  function clock(iso) {
    const t = Date.parse(iso);
    return Number.isNaN(t) ? '' : new Date(t).toLocaleTimeString();
  }

  function processName(command) {
    if (!command) return 'a process';
    const first = String(command).trim().split(/\s+/)[0] || '';
    const base = first.split('/').pop();
    return base || 'a process';
  }

  function listenerKey(l) {
    return `${l.protocol}|${l.family}|${l.address}|${l.port}|${l.pid}`;
  }

  function leaseLabel(l) {
    return l.service_name ? `${l.service_type} · ${l.service_name}` : l.service_type;
  }

  // ---------------------------------------------------------------------------------------------- status

  function setConnection(kind, text) {
    const c = $('connection');
    if (c.dataset.state === kind && $('connection-text').textContent === text) return;
    c.dataset.state = kind;
    $('connection-text').textContent = text;
  }

  function announce(text) {
    const a = $('announcer');
    a.textContent = '';
    window.setTimeout(() => { a.textContent = text; }, 50);
  }

  function sessionEnded() {
    if (state.ended) return;
    state.ended = true;
    if (source) source.close();
    setConnection('ended', 'Logged out');
    $('session-ended').hidden = false;
    document.querySelectorAll('button.release').forEach((b) => { b.disabled = true; });
    if ($('confirm').open) $('confirm').close();
  }

  // ---------------------------------------------------------------------------------------------- API

  async function api(method, path) {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      cache: 'no-store',
    });
    if (res.status === 401) {
      sessionEnded();
      throw new Error('the session has ended');
    }
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    return { status: res.status, body };
  }

  let loading = null;
  let again = false; // something happened while an overview was on its way: it may be stale, load once more
  async function load() {
    if (state.ended) return;
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        const { status, body } = await api('GET', '/v1/overview');
        if (status !== 200 || !body) throw new Error(`overview answered ${status}`);
        if (again) return; // events came in meanwhile: this picture is older than the page; the next one is not
        state.types = body.service_types || [];
        state.leases = new Map((body.leases || []).map((l) => [l.lock_id, l]));
        state.listeners = new Map((body.listeners || []).map((l) => [listenerKey(l), l]));
        state.quarantined = new Set(body.quarantined_ports || []);
        state.moves = (body.reassignments || []).slice(0, FEED_LIMIT);
        state.version = body.version || '';
        state.observer = body.observer || '';
        state.loadedAt = body.generated_at;
        render();
      } catch (e) {
        if (!state.ended) setConnection('reconnecting', 'Cannot reach the daemon; retrying…');
      } finally {
        loading = null;
        if (again) {
          again = false;
          scheduleRefresh(0);
        }
      }
    })();
    return loading;
  }

  let refreshTimer = null;
  function scheduleRefresh(delay) {
    if (refreshTimer) window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(() => { refreshTimer = null; load(); }, delay);
  }

  // ---------------------------------------------------------------------------------------------- events

  let source = null;
  function connect() {
    if (state.ended) return;
    source = new EventSource('/v1/events');
    source.addEventListener('open', () => {
      setConnection('live', 'Live');
      scheduleRefresh(0); // catch up with whatever happened while not connected
    });
    source.addEventListener('error', () => {
      if (state.ended) return;
      if (source.readyState === EventSource.CLOSED) {
        setConnection('reconnecting', 'Disconnected; reconnecting…');
        source = null;
        load(); // tells a dead session from a daemon that is away
        window.setTimeout(() => { if (!source) connect(); }, 3000);
      } else {
        setConnection('reconnecting', 'Reconnecting…');
      }
    });
    const on = (name, fn) => source.addEventListener(name, (ev) => {
      let data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      fn(data);
      if (loading) again = true;
      render();
    });
    on('lease.granted', (l) => {
      state.leases.set(l.lock_id, l);
      fresh.add(l.lock_id);
      scheduleRefresh(400); // the owner's command line comes with the overview
    });
    on('lease.released', (l) => { state.leases.delete(l.lock_id); });
    on('port.reassigned', (r) => {
      state.moves = [r, ...state.moves.filter((m) => m.id !== r.id)].slice(0, FEED_LIMIT);
    });
    on('listener.appeared', (l) => { state.listeners.set(listenerKey(l), l); });
    on('listener.vanished', (l) => { state.listeners.delete(listenerKey(l)); });
    on('service_type.created', () => scheduleRefresh(0));
    on('dropped', () => scheduleRefresh(0));
  }

  // ---------------------------------------------------------------------------------------------- rendering

  function render() {
    renderRanges();
    renderLeases();
    renderListeners();
    renderMoves();
    const parts = [`Styxy daemon ${state.version}`.trim()];
    if (state.observer) parts.push(`observer ${state.observer}`);
    $('daemon-info').textContent = parts.join(' · ');
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  }

  /** Port -> state for one range, from the live state (so events change the strips at once). */
  function occupancy(type) {
    const start = type.port_range.start;
    const end = type.port_range.end;
    const states = new Map();
    for (const l of state.listeners.values()) {
      if (l.port >= start && l.port <= end) states.set(l.port, 'foreign');
    }
    for (const p of state.quarantined) {
      if (p >= start && p <= end && !states.has(p)) states.set(p, 'quarantined');
    }
    for (const l of state.leases.values()) {
      if (l.port >= start && l.port <= end) states.set(l.port, 'leased');
    }
    return states;
  }

  const RANK = { free: 0, quarantined: 1, foreign: 2, leased: 3 };
  const WORDS = { leased: 'leased', foreign: 'foreign listener', quarantined: 'quarantined', free: 'free' };

  function renderRanges() {
    const box = $('ranges');
    const keep = new Map([...box.children].map((c) => [c.dataset.type, c]));
    state.types.forEach((type, i) => {
      const states = occupancy(type);
      const size = type.port_range.end - type.port_range.start + 1;
      const count = { leased: 0, foreign: 0, quarantined: 0 };
      for (const s of states.values()) count[s] += 1;
      const free = size - states.size;
      const busy = states.size > 0;

      let card = keep.get(type.name);
      if (!card) {
        card = el('div', { className: 'range', 'data-type': type.name },
          el('div', { className: 'range-name' },
            el('h3', null, type.name,
              el('span', { className: 'ports-span', text: `ports ${type.port_range.start}–${type.port_range.end}` })),
            el('p', { className: 'desc', text: type.description || '' })),
          el('div', { className: 'range-body' },
            el('div', { className: 'strip', role: 'img' }),
            el('p', { className: 'counts' })));
      }
      keep.delete(type.name);
      if (box.children[i] !== card) box.insertBefore(card, box.children[i] || null);
      card.dataset.busy = String(busy);

      const strip = card.querySelector('.strip');
      const signature = [...states.entries()].map(([p, s]) => `${p}${s[0]}`).join(',') + `/${size}`;
      if (strip.dataset.signature !== signature) {
        strip.dataset.signature = signature;
        drawStrip(strip, type, states, size);
      }
      const ports = (kind) => [...states.entries()].filter(([, s]) => s === kind).map(([p]) => p);
      const describe = (kind, n) => (n ? `${n} ${WORDS[kind]}${n === 1 ? '' : 's'} (${ports(kind).slice(0, 12).join(', ')}${n > 12 ? ', …' : ''})` : null);
      strip.setAttribute('aria-label', `${type.name}, ports ${type.port_range.start} to ${type.port_range.end}: `
        + [describe('leased', count.leased), describe('foreign', count.foreign),
          describe('quarantined', count.quarantined), `${free} free`].filter(Boolean).join(', '));

      const counts = card.querySelector('.counts');
      counts.replaceChildren(
        el('strong', { text: `${count.leased} leased` }), ' · ',
        `${count.foreign} foreign · ${count.quarantined} quarantined · ${free} free`);
    });
    for (const stale of keep.values()) stale.remove();
  }

  function drawStrip(strip, type, states, size) {
    const start = type.port_range.start;
    const per = size > BUCKETS_ABOVE ? Math.ceil(size / 200) : 1;
    strip.classList.toggle('bucketed', per > 1);
    const cells = [];
    for (let first = start; first <= type.port_range.end; first += per) {
      const last = Math.min(type.port_range.end, first + per - 1);
      let kind = 'free';
      let holder = null;
      for (let p = first; p <= last; p++) {
        const s = states.get(p);
        if (s && RANK[s] > RANK[kind]) { kind = s; holder = p; }
      }
      const span = per === 1 ? `${first}` : `${first}–${last}`;
      let title = `${span}: ${WORDS[kind]}`;
      if (kind === 'leased' && holder !== null) {
        const lease = [...state.leases.values()].find((l) => l.port === holder);
        if (lease) title += ` (${leaseLabel(lease)})`;
      }
      cells.push(el('span', { className: `cell ${kind}`, title }));
    }
    strip.replaceChildren(...cells);
  }

  /** Keeps one row per key, in order, without moving rows that are already in place (a focused button stays). */
  function syncRows(tbody, items, keyOf, build, update) {
    const existing = new Map([...tbody.rows].map((r) => [r.dataset.key, r]));
    items.forEach((item, i) => {
      const key = keyOf(item);
      let row = existing.get(key);
      if (!row) {
        row = build(item);
        row.dataset.key = key;
      }
      existing.delete(key);
      update(row, item);
      if (tbody.rows[i] !== row) tbody.insertBefore(row, tbody.rows[i] || null);
    });
    for (const stale of existing.values()) stale.remove();
  }

  function cell(label, className) {
    return el('td', { className, 'data-label': label });
  }

  function renderLeases() {
    const leases = [...state.leases.values()].sort((a, b) => a.port - b.port);
    $('lease-count').textContent = `(${leases.length})`;
    $('leases-empty').hidden = leases.length > 0;
    $('leases').hidden = leases.length === 0;
    syncRows($('leases').tBodies[0], leases, (l) => l.lock_id, (l) => {
      const row = el('tr', null,
        cell('Port', 'port'), cell('Type'), cell('Name'), cell('Project'), cell('Owner'), cell('Age', 'age'),
        cell('', 'action'));
      const button = el('button', { type: 'button', className: 'button release', text: 'Release' });
      button.addEventListener('click', () => askRelease(row.dataset.key, button));
      row.cells[6].append(button);
      if (fresh.has(l.lock_id)) {
        row.classList.add('fresh');
        fresh.delete(l.lock_id);
      }
      return row;
    }, (row, l) => {
      const c = row.cells;
      setText(c[0], String(l.port));
      c[1].replaceChildren(el('span', { className: 'tag', text: l.service_type }));
      setText(c[2], l.service_name || '—');
      if (l.project_path) {
        const base = l.project_path.split('/').filter(Boolean).pop() || l.project_path;
        c[3].replaceChildren(el('span', null, base), el('span', { className: 'cmd', title: l.project_path, text: l.project_path }));
      } else setText(c[3], '—');
      if (l.owner) {
        const owner = [el('span', null, `pid ${l.owner.pid}`)];
        if (l.owner_command) owner.push(el('span', { className: 'cmd mono', title: l.owner_command, text: l.owner_command }));
        c[4].replaceChildren(...owner);
      } else {
        c[4].replaceChildren(el('span', null, 'no owner process'),
          el('span', { className: 'sub', text: l.instance_id ? `instance ${l.instance_id}` : 'until released' }));
      }
      c[5].replaceChildren(el('time', { datetime: l.created_at, title: l.created_at, text: age(l.created_at) }));
      const button = c[6].querySelector('button');
      button.setAttribute('aria-label', `Release port ${l.port} (${leaseLabel(l)})`);
      button.disabled = state.ended;
    });
  }

  function setText(node, text) {
    if (node.childNodes.length !== 1 || node.firstChild.nodeType !== Node.TEXT_NODE || node.textContent !== text) {
      node.textContent = text;
    }
  }

  function renderListeners() {
    const leasedPorts = new Set([...state.leases.values()].map((l) => l.port));
    const foreign = [...state.listeners.values()].filter((l) => !leasedPorts.has(l.port))
      .sort((a, b) => a.port - b.port || String(a.address).localeCompare(String(b.address)));
    $('listener-count').textContent = `(${foreign.length})`;
    $('listeners-empty').hidden = foreign.length > 0;
    $('listeners').hidden = foreign.length === 0;
    syncRows($('listeners').tBodies[0], foreign, listenerKey,
      () => el('tr', null, cell('Port', 'port'), cell('Address'), cell('Process'), cell('Looks like')),
      (row, l) => {
        const c = row.cells;
        setText(c[0], String(l.port));
        const address = String(l.address).includes(':') ? `[${l.address}]` : l.address;
        c[1].replaceChildren(el('span', { className: 'mono', text: address }),
          el('span', { className: 'sub', text: `${l.protocol} · ${l.family}` }));
        const who = l.pid ? `${l.process || processName(l.command)} (pid ${l.pid})` : (l.process || 'another user\'s process');
        const parts = [el('span', null, who)];
        if (l.command) parts.push(el('span', { className: 'cmd mono', title: l.command, text: l.command }));
        c[2].replaceChildren(...parts);
        c[3].replaceChildren(l.service_type ? el('span', { className: 'tag', text: l.service_type }) : document.createTextNode('—'));
      });
  }

  function renderMoves() {
    const list = $('moves');
    $('moves-empty').hidden = state.moves.length > 0;
    list.hidden = state.moves.length === 0;
    const existing = new Map([...list.children].map((li) => [li.dataset.key, li]));
    state.moves.forEach((m, i) => {
      const key = String(m.id);
      let li = existing.get(key);
      if (!li) {
        li = el('li', { 'data-key': key },
          el('span', { className: 'what' }, `${processName(m.command)} (pid ${m.pid})`),
          ' asked for ', el('span', { className: 'ports', text: String(m.asked_port) }),
          ', got ', el('span', { className: 'ports', text: String(m.given_port) }),
          el('span', { className: 'sub' },
            [m.service_type, el('time', { datetime: m.at, text: clock(m.at) })].reduce((acc, x, j) => {
              if (j > 0) acc.push(' · ');
              acc.push(x);
              return acc;
            }, [])),
          m.command ? el('span', { className: 'cmd mono', title: m.command, text: m.command }) : null);
      }
      existing.delete(key);
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
    for (const stale of existing.values()) stale.remove();
  }

  function tickAges() {
    document.querySelectorAll('#leases td.age time').forEach((t) => {
      t.textContent = age(t.getAttribute('datetime'));
    });
  }

  // ---------------------------------------------------------------------------------------------- release

  let pending = null; // { lockId, button }

  function askRelease(lockId, button) {
    const lease = state.leases.get(lockId);
    if (!lease || state.ended) return;
    pending = { lockId, button };
    $('confirm-heading').textContent = `Release port ${lease.port}?`;
    const owner = lease.owner ? ` Its owner (pid ${lease.owner.pid}) keeps running.` : '';
    $('confirm-text').textContent = `The lease of ${leaseLabel(lease)} on port ${lease.port} ends.${owner}`
      + ' Styxy may then hand the port to another service.';
    $('confirm-error').hidden = true;
    $('confirm-release').textContent = `Release port ${lease.port}`;
    $('confirm-release').disabled = false;
    $('confirm').showModal();
    $('confirm-cancel').focus();
  }

  async function confirmRelease() {
    if (!pending) return;
    const { lockId } = pending;
    const lease = state.leases.get(lockId);
    const port = lease ? lease.port : '';
    $('confirm-release').disabled = true;
    try {
      const { status, body } = await api('DELETE', `/v1/leases/${encodeURIComponent(lockId)}`);
      if (status === 200 || status === 404) {
        const next = nextReleaseButton(lockId);
        state.leases.delete(lockId);
        pending = null;
        $('confirm').close();
        render();
        announce(status === 200 ? `Released port ${port}.` : `Port ${port} was already released.`);
        (next || $('leases-heading')).focus();
        return;
      }
      const message = body && body.error && body.error.message ? body.error.message : `the daemon answered ${status}`;
      showConfirmError(`Not released: ${message}`);
    } catch (e) {
      if (!state.ended) showConfirmError('Not released: the daemon cannot be reached.');
    }
  }

  function showConfirmError(text) {
    const e = $('confirm-error');
    e.textContent = text;
    e.hidden = false;
    $('confirm-release').disabled = false;
  }

  function nextReleaseButton(lockId) {
    const rows = [...$('leases').tBodies[0].rows];
    const i = rows.findIndex((r) => r.dataset.key === lockId);
    const next = rows[i + 1] || rows[i - 1];
    return next ? next.querySelector('button.release') : null;
  }

  function wireDialog() {
    const dialog = $('confirm');
    $('confirm-cancel').addEventListener('click', () => dialog.close());
    $('confirm-release').addEventListener('click', confirmRelease);
    dialog.addEventListener('close', () => {
      if (pending) {
        const { button } = pending;
        pending = null;
        if (button && button.isConnected) button.focus();
        else $('leases-heading').focus();
      }
    });
  }

  // ---------------------------------------------------------------------------------------------- start

  // A form would post with "Origin: null" under this page's no-referrer policy (and be refused as cross-site);
  // fetch sends the page's own origin.
  async function logout() {
    state.ended = true;
    if (source) source.close();
    try {
      await fetch('/ui/logout', { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
    } finally {
      window.location.assign('/ui/');
    }
  }

  function start() {
    wireDialog();
    $('logout').addEventListener('click', logout);
    load();
    connect();
    window.setInterval(() => { if (!state.ended) load(); }, RESYNC_MS);
    window.setInterval(tickAges, AGE_TICK_MS);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
