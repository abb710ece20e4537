/**
 * The dashboard's page: one HTML file, one stylesheet and one script, no framework and nothing from
 * another origin (the server's Content-Security-Policy allows only these). The script listens to
 * `/api/events` (server-sent events, one snapshot a second) and redraws; every text from a document
 * (ids, error messages) goes in through `textContent`, never as HTML.
 */

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>docflow</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>docflow</h1>
  <span id="version"></span>
  <span id="processes"></span>
  <span id="conn" class="badge" data-state="connecting">connecting</span>
  <span id="updated"></span>
</header>
<main>
  <section>
    <h2>Pipeline</h2>
    <ol id="pipeline" class="pipeline"></ol>
  </section>
  <section class="row">
    <div class="panel">
      <h2>Memory <small>(this process)</small></h2>
      <p><span id="mem-level" class="badge"></span> <span id="mem-rss"></span> of <span id="mem-limit"></span> · heap <span id="mem-heap"></span> · trend <span id="mem-trend"></span></p>
      <svg id="mem-chart" viewBox="0 0 300 60" preserveAspectRatio="none" role="img" aria-label="RSS over the last samples"><polyline points=""></polyline></svg>
    </div>
    <div class="panel">
      <h2>Worker pools <small>(this process)</small></h2>
      <table id="pools"><thead><tr><th>pool</th><th>threads</th><th>running</th><th>queued</th><th>completed</th><th>failed</th></tr></thead><tbody></tbody></table>
    </div>
  </section>
  <section>
    <h2>Recent failures <span id="failed-total" class="count"></span></h2>
    <table id="failures"><thead><tr><th>at</th><th>document</th><th>stage</th><th>code</th><th>reason</th></tr></thead><tbody></tbody></table>
    <p id="no-failures" class="quiet">No document has failed since this node started.</p>
  </section>
</main>
</body>
</html>
`;

export const DASHBOARD_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M1 4h4v8H1zM6 4h4v8H6zM11 4h4v8h-4z" fill="#2e7d32"/></svg>
`;

export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --ok: #2e7d32; --warn: #ef6c00; --bad: #c62828; --dim: #888; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem; }
header { display: flex; gap: 1rem; align-items: baseline; }
h1 { margin: 0; font-size: 1.4rem; }
h2 { font-size: 1rem; margin: 1.2rem 0 .5rem; }
.badge { padding: .1rem .5rem; border-radius: .6rem; font-size: .8rem; background: var(--dim); color: #fff; }
.badge[data-state="running"], .badge[data-state="live"], .badge[data-state="normal"] { background: var(--ok); }
.badge[data-state="restarting"], .badge[data-state="starting"], .badge[data-state="high"], .badge[data-state="connecting"] { background: var(--warn); }
.badge[data-state="failed"], .badge[data-state="critical"], .badge[data-state="offline"] { background: var(--bad); }
.pipeline { display: flex; gap: 1.4rem; list-style: none; padding: 0 0 .3rem 1px; margin: 0; overflow-x: auto; }
.stage { position: relative; flex: 1 1 0; border: 1px solid var(--dim); border-radius: .5rem; padding: .6rem .7rem; min-width: 8.5rem; }
.stage + .stage::before { content: "→"; position: absolute; left: -1.2rem; top: 40%; color: var(--dim); }
.stage h3 { margin: 0 0 .4rem; font-size: 1rem; display: flex; justify-content: space-between; gap: .5rem; }
.stage dl { display: grid; grid-template-columns: auto auto; gap: .1rem .8rem; margin: 0; font-size: .85rem; }
.stage dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
.stage dd[data-field="failed"]:not([data-v="0"]) { color: var(--bad); font-weight: bold; }
.row { display: flex; gap: 1rem; flex-wrap: wrap; }
.panel { flex: 1 1 20rem; }
svg { width: 100%; height: 60px; border: 1px solid var(--dim); border-radius: .3rem; }
polyline { fill: none; stroke: var(--warn); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #8884; }
td.reason { word-break: break-word; }
.count { color: var(--bad); }
.quiet { color: var(--dim); }
`;

export const DASHBOARD_JS = `'use strict';
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
};
const mb = (b) => (b / 1048576).toFixed(0) + ' MB';
const FIELDS = [['rate', 'docs/s'], ['pending', 'backlog'], ['inFlight', 'in flight'], ['processed', 'processed'], ['failed', 'failed'], ['retried', 'retried'], ['restarts', 'restarts']];

function stageCard(s) {
  const li = el('li', { class: 'stage', 'data-stage': s.name });
  const h = el('h3');
  h.append(el('span', {}, s.name), el('span', { class: 'badge', 'data-field': 'state', 'data-state': s.state }, s.state));
  if (s.processes > 1) h.append(el('span', { 'data-field': 'processes', 'data-v': String(s.processes), title: 'processes running this stage' }, '×' + s.processes));
  const dl = el('dl');
  for (const [key, label] of FIELDS) {
    const v = key === 'rate' ? s.rate.toFixed(1) : s[key];
    dl.append(el('dt', {}, label), el('dd', { 'data-field': key, 'data-v': String(v) }, v));
  }
  li.append(h, dl);
  return li;
}

function chart(points) {
  const line = $('mem-chart').querySelector('polyline');
  if (points.length < 2) { line.setAttribute('points', ''); return; }
  const t0 = points[0][0], t1 = points[points.length - 1][0];
  const vs = points.map((p) => p[1]);
  const lo = Math.min(...vs), hi = Math.max(...vs), span = Math.max(hi - lo, 1);
  line.setAttribute('points', points.map(([t, v]) => ((t - t0) / Math.max(t1 - t0, 1) * 300).toFixed(1) + ',' + (58 - (v - lo) / span * 56).toFixed(1)).join(' '));
}

function render(d) {
  $('version').textContent = 'v' + d.version;
  $('updated').textContent = 'updated ' + new Date(d.at).toLocaleTimeString();
  $('processes').textContent = d.processes > 1 ? d.processes + ' processes' : '';
  $('pipeline').replaceChildren(...d.stages.map(stageCard));
  const m = d.memory;
  const level = $('mem-level');
  level.textContent = m.level; level.dataset.state = m.level;
  $('mem-rss').textContent = mb(m.rssBytes);
  $('mem-limit').textContent = m.limitBytes > 0 ? mb(m.limitBytes) : 'no limit';
  $('mem-heap').textContent = mb(m.heapUsedBytes);
  $('mem-trend').textContent = (m.slopeBytesPerSec >= 0 ? '+' : '') + (m.slopeBytesPerSec * 60 / 1048576).toFixed(1) + ' MB/min';
  chart(m.rss);
  $('pools').tBodies[0].replaceChildren(...d.pools.map((p) => {
    const tr = el('tr', { 'data-pool': p.name });
    for (const v of [p.name, p.threads, p.running, p.queued, p.completed, p.failed]) tr.append(el('td', {}, v));
    return tr;
  }));
  $('failed-total').textContent = d.failedTotal > 0 ? '(' + d.failedTotal + ')' : '';
  $('no-failures').hidden = d.failures.length > 0;
  $('failures').tBodies[0].replaceChildren(...d.failures.map((f) => {
    const tr = el('tr', { 'data-doc': f.docId });
    tr.append(el('td', {}, new Date(f.at).toLocaleTimeString()), el('td', {}, f.docId), el('td', {}, f.stage), el('td', { class: 'code' }, f.code), el('td', { class: 'reason' }, f.message));
    return tr;
  }));
}

function connect() {
  const conn = $('conn');
  const source = new EventSource('/api/events');
  source.onopen = () => { conn.textContent = 'live'; conn.dataset.state = 'live'; };
  source.onmessage = (e) => render(JSON.parse(e.data));
  source.onerror = () => { conn.textContent = 'reconnecting'; conn.dataset.state = 'offline'; };
}
connect();
`;
