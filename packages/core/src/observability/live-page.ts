/**
 * The live page (`GET /` of observabilityHandler): one self-contained HTML document, styles and
 * script inline, nothing fetched from elsewhere, so it works offline and needs no build step. It
 * reads `/events` (server-sent events, one LiveSnapshot per second; it falls back to polling
 * `/api/snapshot`) and draws the topology with its rates, the tasks, the lag per partition, the
 * stores, dropped records, rebalances and recent errors.
 */
export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rivulet live</title>
<style>
  :root { --bg:#0f1720; --panel:#17212c; --line:#2a3a4a; --text:#dbe6f0; --dim:#8aa0b4; --accent:#4fb3ff; --ok:#3ecf8e; --warn:#f5b942; --bad:#ff6b6b; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; flex-wrap:wrap; gap:16px; align-items:center; padding:14px 20px; border-bottom:1px solid var(--line); }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  .badge { padding:2px 10px; border-radius:12px; font-weight:600; font-size:12px; background:var(--line); }
  .badge.RUNNING, .badge.ok { background:#14442f; color:var(--ok); }
  .badge.REBALANCING, .badge.warn { background:#4a3a12; color:var(--warn); }
  .badge.ERROR, .badge.bad, .badge.NOT_RUNNING { background:#4a1c1c; color:var(--bad); }
  .stat { color:var(--dim); } .stat b { color:var(--text); font-variant-numeric: tabular-nums; }
  main { display:grid; grid-template-columns: 2fr 1fr; gap:16px; padding:16px 20px; }
  section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; }
  section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); margin:0 0 10px; }
  .wide { grid-column: 1 / -1; }
  table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
  td, th { text-align:left; padding:3px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { color:var(--dim); font-weight:500; }
  td.num { text-align:right; }
  .bar { height:8px; background:var(--accent); border-radius:4px; min-width:1px; }
  svg text { fill:var(--text); font-size:12px; }
  svg .sub { fill:none; stroke:var(--line); stroke-dasharray:4 3; }
  svg .node rect { fill:#1f2d3b; stroke:#3b5168; }
  svg .node.source rect { stroke:var(--ok); } svg .node.sink rect { stroke:var(--accent); }
  svg .edge { stroke:#52697f; fill:none; marker-end:url(#arrow); }
  svg .rate { fill:var(--warn); font-weight:600; } svg .meta { fill:var(--dim); font-size:11px; }
  .empty { color:var(--dim); }
  .err { color:var(--bad); } .reasons { color:var(--warn); font-size:12px; }
  #conn { margin-left:auto; color:var(--dim); font-size:12px; }
</style>
</head>
<body>
<header>
  <h1 id="app">Rivulet</h1>
  <span id="state" class="badge">…</span>
  <span id="live" class="badge">live ?</span>
  <span id="ready" class="badge">ready ?</span>
  <span class="stat">processed <b id="process-total">0</b></span>
  <span class="stat"><b id="process-rate">0</b> records/s</span>
  <span class="stat"><b id="commit-rate">0</b> commits/s</span>
  <span class="stat">dropped <b id="dropped-total">0</b></span>
  <span id="conn">connecting…</span>
</header>
<div class="reasons" id="reasons" style="padding:0 20px"></div>
<main>
  <section class="wide"><h2>Topology</h2><svg id="graph" width="100%" height="120"></svg><div id="level" class="empty"></div></section>
  <section><h2>Tasks</h2><table id="tasks"></table></section>
  <section><h2>Consumer lag</h2><table id="lags"></table></section>
  <section><h2>Stores</h2><table id="stores"></table><div id="restore" class="empty"></div></section>
  <section><h2>Dropped records</h2><table id="dropped"></table></section>
  <section><h2>Rebalances</h2><table id="rebalances"></table></section>
  <section><h2>Recent errors</h2><table id="errors"></table></section>
</main>
<script>
(function () {
  var fmt = new Intl.NumberFormat('en');
  function n(x, digits) { return x === undefined || x === null || !isFinite(x) ? '–' : (digits ? x.toFixed(digits) : fmt.format(Math.round(x))); }
  function el(tag, attrs, text) {
    var e = document.createElementNS(tag === 'svg' || attrs && attrs.svg ? 'http://www.w3.org/2000/svg' : 'http://www.w3.org/1999/xhtml', tag);
    for (var k in attrs || {}) if (k !== 'svg') e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function s(tag, attrs, text) { attrs = attrs || {}; attrs.svg = true; return el(tag, attrs, text); }
  function table(id, head, rows, empty) {
    var t = document.getElementById(id); t.textContent = '';
    if (rows.length === 0) { var tr0 = el('tr'); var td0 = el('td', { class: 'empty' }, empty); tr0.appendChild(td0); t.appendChild(tr0); return; }
    var hr = el('tr'); head.forEach(function (h) { hr.appendChild(el('th', {}, h)); }); t.appendChild(hr);
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (c) {
        if (c && c.node) { var td = el('td'); td.appendChild(c.node); tr.appendChild(td); }
        else if (typeof c === 'number') tr.appendChild(el('td', { class: 'num' }, n(c)));
        else { var text = String(c); tr.appendChild(el('td', text.length > 44 ? { title: text } : {}, text.length > 44 ? text.slice(0, 20) + '…' + text.slice(-23) : text)); }
      });
      t.appendChild(tr);
    });
  }
  var layoutKey = '';
  function drawGraph(snap) {
    var svg = document.getElementById('graph');
    var key = JSON.stringify(snap.topology);
    var W = 200, H = 64, GX = 60, GY = 18, PAD = 28;
    if (key !== layoutKey) {
      layoutKey = key; svg.textContent = '';
      var defs = s('defs'); var m = s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
      m.appendChild(s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#52697f' })); defs.appendChild(m); svg.appendChild(defs);
      var y0 = 10, width = 0;
      snap.topology.subTopologies.forEach(function (sub) {
        var depth = {}, pos = {}, rows = {};
        sub.nodes.forEach(function (node) { if (depth[node.name] === undefined) depth[node.name] = 0; node.successors.forEach(function (c) { depth[c] = Math.max(depth[c] || 0, depth[node.name] + 1); }); });
        var maxRow = 0, maxDepth = 0;
        sub.nodes.forEach(function (node) { var d = depth[node.name]; var r = rows[d] || 0; rows[d] = r + 1; maxRow = Math.max(maxRow, r); maxDepth = Math.max(maxDepth, d); pos[node.name] = { x: PAD + d * (W + GX), y: y0 + PAD + r * (H + GY) }; });
        var h = PAD * 2 + (maxRow + 1) * (H + GY) - GY;
        width = Math.max(width, PAD * 2 + (maxDepth + 1) * (W + GX) - GX);
        svg.appendChild(s('rect', { class: 'sub', x: 2, y: y0, width: PAD * 2 + (maxDepth + 1) * (W + GX) - GX - 4, height: h, rx: 8 }));
        svg.appendChild(s('text', { x: 12, y: y0 + 16, class: 'meta', 'data-sub': String(sub.id) }, 'sub-topology ' + sub.id));
        sub.nodes.forEach(function (node) { node.successors.forEach(function (c) {
          var a = pos[node.name], b = pos[c]; if (!b) return;
          svg.appendChild(s('path', { class: 'edge', d: 'M' + (a.x + W) + ' ' + (a.y + H / 2) + ' C ' + (a.x + W + GX / 2) + ' ' + (a.y + H / 2) + ', ' + (b.x - GX / 2) + ' ' + (b.y + H / 2) + ', ' + b.x + ' ' + (b.y + H / 2) }));
        }); });
        sub.nodes.forEach(function (node) {
          var p = pos[node.name]; var g = s('g', { class: 'node ' + node.kind, 'data-node': node.name, transform: 'translate(' + p.x + ',' + p.y + ')' });
          g.appendChild(s('rect', { width: W, height: H, rx: node.kind === 'processor' ? 6 : 18 }));
          g.appendChild(s('text', { x: 10, y: 18 }, node.name.length > 28 ? node.name.slice(0, 27) + '…' : node.name));
          var meta = node.kind === 'processor' ? (node.stores.length ? 'stores: ' + node.stores.join(', ') : 'processor') : node.kind + ': ' + node.topics.join(', ');
          g.appendChild(s('text', { x: 10, y: 35, class: 'meta' }, meta.length > 32 ? meta.slice(0, 31) + '…' : meta));
          g.appendChild(s('text', { x: 10, y: 54, class: 'rate', 'data-rate': node.name }, ''));
          svg.appendChild(g);
        });
        y0 += h + 14;
      });
      svg.setAttribute('height', String(y0));
      svg.setAttribute('viewBox', '0 0 ' + Math.max(width, 300) + ' ' + y0);
      svg.style.maxWidth = Math.max(width, 300) + 'px';
    }
    var rates = snap.rates;
    snap.topology.subTopologies.forEach(function (sub) {
      var subRate = rates.subTopologies[String(sub.id)];
      sub.nodes.forEach(function (node) {
        var t = svg.querySelector('[data-rate="' + CSS.escape(node.name) + '"]'); if (!t) return;
        var r = rates.nodes[node.name];
        if (r) t.textContent = n(r.rate, r.rate < 10 ? 1 : 0) + '/s · ' + n(r.total);
        else if (node.kind === 'source' && subRate) t.textContent = n(subRate.rate, subRate.rate < 10 ? 1 : 0) + '/s · ' + n(subRate.total) + ' (sub-topology)';
        else t.textContent = '';
      });
    });
    document.getElementById('level').textContent = snap.level === 'INFO' ? 'Per-node rates need metricsRecordingLevel DEBUG; sources show their sub-topology\\'s rate.' : '';
  }
  function render(snap) {
    document.title = 'Rivulet: ' + snap.applicationId;
    document.getElementById('app').textContent = snap.applicationId;
    var st = document.getElementById('state'); st.textContent = snap.state; st.className = 'badge ' + snap.state;
    var lv = document.getElementById('live'); lv.textContent = snap.health.live ? 'live' : 'not live'; lv.className = 'badge ' + (snap.health.live ? 'ok' : 'bad');
    var rd = document.getElementById('ready'); rd.textContent = snap.health.ready ? 'ready' : 'not ready'; rd.className = 'badge ' + (snap.health.ready ? 'ok' : 'warn');
    document.getElementById('reasons').textContent = snap.health.reasons.join(' · ');
    document.getElementById('process-total').textContent = n(snap.rates.processTotal);
    document.getElementById('process-rate').textContent = n(snap.rates.process, snap.rates.process < 10 ? 1 : 0);
    document.getElementById('commit-rate').textContent = n(snap.rates.commit, 2);
    document.getElementById('dropped-total').textContent = n(snap.dropped.total);
    drawGraph(snap);
    table('tasks', ['task', 'state', 'processed', 'records/s', 'dropped'], snap.tasks.map(function (t) { return [t.id, t.state, t.processed, t.rate, t.dropped]; }), 'no tasks on this instance');
    var maxLag = Math.max.apply(null, [1].concat(snap.lags.map(function (l) { return l.lag; })));
    table('lags', ['topic', 'partition', 'lag', ''], snap.lags.map(function (l) { var b = el('div', { class: 'bar', style: 'width:' + Math.max(1, 60 * l.lag / maxLag) + 'px' }); return [l.topic, l.partition, l.lag, { node: b }]; }), 'nothing fetched yet');
    table('stores', ['store', 'task', 'entries'], snap.stores.map(function (x) { return [x.name, x.taskId, x.entries === undefined ? '–' : x.entries]; }), 'no stores');
    document.getElementById('restore').textContent = snap.restore.restoring.length ? 'restoring: ' + snap.restore.restoring.join(', ') + ' (' + n(snap.restore.recordsRestored) + ' records restored)' : n(snap.restore.recordsRestored) + ' changelog records restored since start';
    table('dropped', ['reason', 'records'], Object.keys(snap.dropped.byReason).map(function (k) { return [k, snap.dropped.byReason[k]]; }), 'none dropped');
    table('rebalances', ['when', 'ms', 'gained', 'lost'], snap.rebalances.map(function (r) { return [new Date(r.time).toLocaleTimeString(), r.durationMs, r.gained.join(' ') || '–', r.lost.join(' ') || '–']; }), 'none since the page opened');
    table('errors', ['when', 'category', 'message'], snap.errors.map(function (e) { return [new Date(e.time).toLocaleTimeString(), e.category, e.message.length > 140 ? e.message.slice(0, 139) + '…' : e.message]; }), 'none');
  }
  var conn = document.getElementById('conn');
  function poll() {
    fetch('api/snapshot').then(function (r) { return r.json(); }).then(function (snap) { conn.textContent = 'polling · ' + new Date().toLocaleTimeString(); render(snap); }, function () { conn.textContent = 'disconnected'; }).finally(function () { setTimeout(poll, 1000); });
  }
  if (window.EventSource) {
    var es = new EventSource('events'); var opened = false;
    es.onmessage = function (ev) { opened = true; conn.textContent = 'live · ' + new Date().toLocaleTimeString(); render(JSON.parse(ev.data)); };
    es.onerror = function () { if (!opened) { es.close(); poll(); } else conn.textContent = 'reconnecting…'; };
  } else poll();
})();
</script>
</body>
</html>
`;
