// mfgcal web page: polls /api/state and draws every chart as inline SVG (no external libraries).
// Views: #overview (every region: health, latest drift score, skill, active alerts; default) and #region=ID.
// State schema (DashboardState.toJson): {version,
//   overview:[{region, timeZone, binMillis, lastBin, health: OK|RECOVERED|DEGRADED|null, degradedBins, drift, skill,
//              activeAlerts}],
//   regions:[{region, timeZone, binMillis, zones, observed:[{bin, shares}], oneAhead:[{bin, mean, lower, upper}], errors,
//   forecast:{issuedAtBin, bandLevel, steps}, parameters:{name:{target:[[bin,v]]}},
//   skill:{horizons:[h], persistence:[ratio|null], seasonalNaive:[ratio|null], count:[n]} (model MAE / baseline MAE),
//   health:[{bin, picard, adjoint, steps, exploitability, latencyMillis, loss, start, state, reason}], drift:[[bin, score]],
//   alerts:[DriftAlert]}]}   (regions: only the one asked for with ?region=ID)
// Time: bin k starts k * binMillis ms after the Unix epoch; axes and alert times are shown in the region's time zone.
'use strict';

const NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#2563eb', '#d97706', '#059669', '#9333ea', '#dc2626', '#0891b2', '#4d7c0f', '#be185d',
  '#7c3aed', '#0f766e', '#b45309', '#1d4ed8'];
const POLL_MS = 2000;
const MINUTE = 60000;
// tick steps of a time axis, minutes
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 4320, 10080];

let state = null;
let version = -1;
let view = {kind: 'overview', region: null};
let currentParam = null;

window.addEventListener('error', e => { document.body.dataset.errors = (document.body.dataset.errors || '') + e.message + ';'; });

function svgEl(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in (attrs || {})) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 10000 || a < 0.01) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

function ticks(lo, hi, n) {
  const out = [];
  for (let i = 0; i <= n; i++) out.push(lo + (hi - lo) * i / n);
  return out;
}

// ---- time in a region's time zone ----

const FORMATTERS = new Map();

function formatter(tz) {
  let f = FORMATTERS.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short'});
    FORMATTERS.set(tz, f);
  }
  return f;
}

// {y, mo, d, h, mi, zone} of epoch ms in tz
function parts(ms, tz) {
  const p = {};
  for (const x of formatter(tz).formatToParts(new Date(ms))) p[x.type] = x.value;
  return {y: p.year, mo: p.month, d: p.day, h: p.hour === '24' ? '00' : p.hour, mi: p.minute, zone: p.timeZoneName};
}

// ISO local date and time, e.g. 2001-01-05 06:00
function isoLocal(ms, tz) {
  const p = parts(ms, tz);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}`;
}

// local time minus UTC at ms, in ms
function offsetMs(ms, tz) {
  const p = parts(ms, tz);
  const local = Date.UTC(+p.y, +p.mo - 1, +p.d, +p.h, +p.mi);
  return local - Math.floor(ms / MINUTE) * MINUTE;
}

function binTime(r, bin) {
  return isoLocal(bin * r.binMillis, r.timeZone);
}

// Ticks of a time axis over [t0, t1] ms with at most maxTicks labels, on whole local minutes/hours/days:
// [{t, label}]; a label is the date (YYYY-MM-DD) at local midnight, else the time (HH:MM).
function timeTicks(t0, t1, tz, maxTicks) {
  const span = Math.max(t1 - t0, MINUTE);
  let step = STEPS[STEPS.length - 1] * MINUTE;
  for (const s of STEPS) {
    if (span / (s * MINUTE) <= maxTicks) { step = s * MINUTE; break; }
  }
  const off = offsetMs(t0, tz);
  const out = [];
  for (let t = Math.ceil((t0 + off) / step) * step - off; t <= t1 && out.length <= maxTicks; t += step) {
    const p = parts(t, tz);
    const midnight = p.h === '00' && p.mi === '00';
    out.push({t, label: midnight || step >= 1440 * MINUTE ? `${p.y}-${p.mo}-${p.d}` : `${p.h}:${p.mi}`});
  }
  return out;
}

// ---- charts ----

// opts: {width, height, time:{binMillis, tz}, series:[{name, points, color, dashed, dots}], bands:[{lower, upper, color, cls}],
//        vlines:[x], hlines:[y], marks:[x] (degraded bins), yZero, legend}
function chart(container, opts) {
  const W = opts.width || 320, H = opts.height || 150, L = 48, R = 12, T = 8, B = 30;
  const svg = svgEl('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img'});
  const xs = [], ys = [];
  for (const s of opts.series) for (const p of s.points) { xs.push(p[0]); if (p[1] !== null) ys.push(p[1]); }
  for (const b of (opts.bands || [])) for (const p of b.lower.concat(b.upper)) { xs.push(p[0]); ys.push(p[1]); }
  for (const y of (opts.hlines || [])) ys.push(y);
  if (xs.length === 0 || ys.length === 0) {
    svgEl('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle'}, svg).textContent = 'no data yet';
    container.replaceChildren(svg);
    return svg;
  }
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const x of xs) { if (x < x0) x0 = x; if (x > x1) x1 = x; }
  for (const y of ys) { if (y < y0) y0 = y; if (y > y1) y1 = y; }
  if (opts.yZero) y0 = Math.min(0, y0);
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= Math.abs(y0) * 0.1 + 1e-3; y1 += Math.abs(y1) * 0.1 + 1e-3; }
  const pad = (y1 - y0) * 0.05; y0 -= opts.yZero && y0 === 0 ? 0 : pad; y1 += pad;
  const X = x => L + (x - x0) / (x1 - x0) * (W - L - R);
  const Y = y => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  for (const t of ticks(y0, y1, 3)) {
    svgEl('line', {class: 'grid', x1: L, x2: W - R, y1: Y(t), y2: Y(t)}, svg);
    svgEl('text', {x: L - 4, y: Y(t) + 3, 'text-anchor': 'end'}, svg).textContent = fmt(t);
  }
  for (const m of (opts.marks || [])) {
    if (m < x0 || m > x1) continue;
    const w = Math.max(2, (W - L - R) / (x1 - x0 + 1));
    svgEl('rect', {class: 'degraded', x: (X(m) - w / 2).toFixed(1), y: T, width: w.toFixed(1), height: H - T - B}, svg);
  }
  const xAxis = svgEl('g', {class: 'xaxis'}, svg);
  if (opts.time) {
    const {binMillis, tz} = opts.time;
    const maxTicks = Math.max(1, Math.floor((W - L - R) / 70));
    for (const tk of timeTicks(x0 * binMillis, x1 * binMillis, tz, maxTicks)) {
      const x = X(tk.t / binMillis);
      const half = tk.label.length * 3;
      const anchor = x + half > W - 1 ? 'end' : (x - half < 1 ? 'start' : 'middle');
      svgEl('line', {class: 'tick', x1: x, x2: x, y1: H - B, y2: H - B + 3}, xAxis);
      const tx = svgEl('text', {x: x.toFixed(1), y: H - B + 13, 'text-anchor': anchor, class: 'timetick'}, xAxis);
      tx.textContent = tk.label;
      tx.dataset.t = new Date(tk.t).toISOString();
    }
    const first = parts(x0 * binMillis, tz);
    svgEl('text', {x: L, y: H - 3, 'text-anchor': 'start', class: 'axiscaption'}, xAxis).textContent =
      `from ${isoLocal(x0 * binMillis, tz)}, ${tz} (${first.zone})`;
  } else {
    for (const t of ticks(x0, x1, 4)) {
      svgEl('text', {x: X(t), y: H - B + 13, 'text-anchor': 'middle'}, xAxis).textContent = fmt(t);
    }
  }
  svgEl('line', {class: 'axis', x1: L, x2: L, y1: T, y2: H - B}, svg);
  svgEl('line', {class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B}, svg);
  for (const b of (opts.bands || [])) {
    if (b.lower.length === 0) continue;
    const pts = b.upper.map(p => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`)
      .concat(b.lower.slice().reverse().map(p => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`));
    svgEl('polygon', {class: b.cls || 'band', points: pts.join(' '), fill: b.color}, svg);
  }
  for (const y of (opts.hlines || [])) {
    svgEl('line', {class: 'threshold', x1: L, x2: W - R, y1: Y(y), y2: Y(y)}, svg);
  }
  for (const x of (opts.vlines || [])) {
    if (x < x0 || x > x1) continue;
    svgEl('line', {class: 'alertline', x1: X(x), x2: X(x), y1: T, y2: H - B}, svg);
  }
  let dots = 0;
  for (const s of opts.series) {
    const pts = s.points.filter(p => p[1] !== null);
    if (pts.length === 0) continue;
    if (!s.dotsOnly) {
      const d = pts.map((p, i) => (i ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1)).join(' ');
      svgEl('path', {class: 'series' + (s.dashed ? ' dashed' : ''), d, stroke: s.color}, svg);
    }
    if (s.dots || s.dotsOnly) {
      for (const p of pts) {
        svgEl('circle', {class: 'pt', cx: X(p[0]).toFixed(1), cy: Y(p[1]).toFixed(1), r: s.r || 1.8,
          fill: p[2] || s.color}, svg);
        dots++;
      }
    }
  }
  svg.dataset.points = String(dots);
  const wrap = document.createElement('div');
  wrap.appendChild(svg);
  if (opts.legend) {
    const lg = el('div', {class: 'legend'});
    for (const s of opts.series.slice(0, 16)) {
      const span = document.createElement('span');
      const i = el('i');
      i.style.background = s.color;
      span.appendChild(i);
      span.appendChild(document.createTextNode(s.name));
      lg.appendChild(span);
    }
    wrap.appendChild(lg);
  }
  container.replaceChildren(wrap);
  return svg;
}

// ---- overview ----

function healthBadge(h) {
  const s = el('span', {class: 'badge ' + (h ? h.toLowerCase() : 'none')}, h ? h.toLowerCase() : 'no update yet');
  return s;
}

function renderOverview() {
  const body = document.querySelector('#overview-table tbody');
  body.replaceChildren();
  for (const o of state.overview) {
    const tr = el('tr', {class: 'region-row' + (o.activeAlerts > 0 ? ' alerting' : '')});
    tr.dataset.region = o.region;
    const name = el('td');
    name.appendChild(el('a', {href: '#region=' + encodeURIComponent(o.region)}, o.region));
    tr.appendChild(name);
    const health = el('td', {class: 'health'});
    health.appendChild(healthBadge(o.health));
    if (o.degradedBins > 0) health.appendChild(document.createTextNode(` ${o.degradedBins} degraded bin(s)`));
    tr.appendChild(health);
    tr.appendChild(el('td', {class: 'last'}, o.lastBin === null ? '–' : `${isoLocal(o.lastBin * o.binMillis, o.timeZone)}`));
    tr.appendChild(el('td', {class: 'tz'}, o.timeZone));
    tr.appendChild(el('td', {class: 'drift' + (o.drift !== null && o.drift >= 1 ? ' hot' : '')},
      o.drift === null ? '–' : o.drift.toFixed(2)));
    tr.appendChild(el('td', {class: 'skill' + (o.skill !== null && o.skill >= 1 ? ' hot' : '')},
      o.skill === null ? '–' : o.skill.toFixed(2)));
    tr.appendChild(el('td', {class: 'active' + (o.activeAlerts > 0 ? ' hot' : '')}, String(o.activeAlerts)));
    body.appendChild(tr);
  }
  const alerting = state.overview.filter(o => o.activeAlerts > 0).length;
  const degraded = state.overview.filter(o => o.health === 'DEGRADED').length;
  document.getElementById('overview-summary').textContent =
    `${state.overview.length} region(s) · ${alerting} with active drift alerts · ${degraded} degraded`;
}

// ---- one region ----

function alertBins(r, match) {
  return r.alerts.filter(a => a.state === 'RAISED' && match(a)).map(a => a.firstBin);
}

function degradedBins(r) {
  return r.health.filter(h => h.state === 'DEGRADED').map(h => h.bin);
}

function renderZones(r, time, marks) {
  const grid = document.getElementById('zones');
  grid.replaceChildren();
  const steps = r.forecast ? r.forecast.steps : [];
  r.zones.forEach((zone, i) => {
    const card = el('div', {class: 'card zone'});
    card.dataset.zone = zone;
    card.appendChild(el('h3', {}, zone));
    const body = document.createElement('div');
    card.appendChild(body);
    grid.appendChild(card);
    chart(body, {
      width: 320, height: 150, time, marks,
      series: [
        {name: 'observed', points: r.observed.map(o => [o.bin, o.shares[i]]), color: '#101828', dotsOnly: true, r: 1.6},
        {name: 'forecast (1 bin ahead)', points: r.oneAhead.map(s => [s.bin, s.mean[i]]), color: PALETTE[0]},
        {name: 'latest forecast', points: steps.map(s => [s.bin, s.mean[i]]), color: PALETTE[1], dashed: true},
      ],
      bands: [
        {lower: r.oneAhead.map(s => [s.bin, s.lower[i]]), upper: r.oneAhead.map(s => [s.bin, s.upper[i]]), color: PALETTE[0]},
        {lower: steps.map(s => [s.bin, s.lower[i]]), upper: steps.map(s => [s.bin, s.upper[i]]), color: PALETTE[1], cls: 'fan'},
      ],
      vlines: alertBins(r, a => a.target === zone || a.target.startsWith(zone + '->')),
    });
  });
}

function renderParams(r, time, marks) {
  const sel = document.getElementById('param');
  const names = Object.keys(r.parameters);
  if (!names.includes(currentParam)) {
    const alerted = r.alerts.find(a => a.state === 'RAISED' && names.includes(a.parameter));
    currentParam = alerted ? alerted.parameter : (names[0] || null);
  }
  sel.replaceChildren(...names.map(n => el('option', {value: n}, n)));
  sel.value = currentParam || '';
  sel.onchange = () => { currentParam = sel.value; render(); };
  const byTarget = currentParam ? r.parameters[currentParam] : {};
  const series = Object.keys(byTarget).map((t, k) => ({name: t, points: byTarget[t], color: PALETTE[k % PALETTE.length], dots: true, r: 1.2}));
  chart(document.getElementById('params'), {width: 900, height: 230, series, legend: true, time, marks,
    vlines: alertBins(r, a => a.parameter === currentParam)});
}

function renderHealth(r, time, marks) {
  const pts = key => r.health.map(h => [h.bin, h[key], h.start === 'COLD' ? '#d92d20' : undefined]);
  chart(document.getElementById('iters'), {yZero: true, legend: true, time, marks, series: [
    {name: 'Picard', points: pts('picard'), color: PALETTE[0], dots: true},
    {name: 'adjoint', points: pts('adjoint'), color: PALETTE[2], dots: true},
    {name: 'gradient steps', points: pts('steps'), color: PALETTE[3], dots: true}]});
  chart(document.getElementById('exploit'), {yZero: true, time, marks, series: [
    {name: 'exploitability', points: pts('exploitability'), color: PALETTE[4], dots: true}]});
  chart(document.getElementById('latency'), {yZero: true, legend: true, time, marks, series: [
    {name: 'latency ms (red dot: cold start)', points: pts('latencyMillis'), color: PALETTE[5], dots: true}]});
  chart(document.getElementById('drift'), {yZero: true, hlines: [1], time, marks, series: [
    {name: 'drift score', points: r.drift, color: PALETTE[7], dots: true}]});
}

function renderAlerts(r) {
  const body = document.querySelector('#alerts tbody');
  body.replaceChildren();
  if (r.alerts.length === 0) {
    const tr = el('tr');
    tr.appendChild(el('td', {colspan: '10'}, 'no alerts'));
    body.appendChild(tr);
  }
  for (const a of r.alerts) {
    const tr = el('tr', {class: 'alert ' + a.state.toLowerCase()});
    tr.dataset.id = a.id;
    tr.dataset.firstBin = String(a.firstBin);
    for (const v of [a.state, a.target, a.parameter, a.direction, fmt(a.magnitude), pct(a.observedChange),
      pct(a.modelChange), a.reference, binTime(r, a.firstBin), binTime(r, a.bin)]) {
      tr.appendChild(el('td', {}, String(v)));
    }
    body.appendChild(tr);
  }
}

function pct(v) {
  return (v > 0 ? '+' : '') + (100 * v).toFixed(1) + '%';
}

// One line: model MAE / baseline MAE per horizon since start (below 1: the forecast beats the baseline).
function renderSkill(r) {
  const p = document.getElementById('skill');
  const s = r.skill;
  if (!s || s.count.every(c => c === 0)) {
    p.textContent = 'Forecast skill: no realised forecast yet';
    return;
  }
  const line = ratios => s.horizons.map((h, i) => `h${h} ${ratios[i] === null ? '–' : ratios[i].toFixed(2)}`).join(' · ');
  p.textContent = `Forecast skill (MAE ÷ baseline MAE, below 1 beats it) — vs persistence: ${line(s.persistence)}`
    + ` — vs seasonal naive: ${line(s.seasonalNaive)}`;
}

function renderRegion(r) {
  const time = {binMillis: r.binMillis, tz: r.timeZone};
  const marks = degradedBins(r);
  document.getElementById('region-title').textContent = r.region;
  const last = r.observed.length ? r.observed[r.observed.length - 1].bin : null;
  document.getElementById('region-info').textContent = `time zone ${r.timeZone} · bins of ${r.binMillis / MINUTE} min`
    + (last === null ? '' : ` · latest bin ${binTime(r, last)}`)
    + ` · ${marks.length} degraded bin(s) kept (shaded orange)`;
  renderAlerts(r);
  renderSkill(r);
  renderZones(r, time, marks);
  renderParams(r, time, marks);
  renderHealth(r, time, marks);
}

function renderNav() {
  const sel = document.getElementById('region-select');
  const names = state.overview.map(o => o.region);
  if (sel.options.length !== names.length + 1 || names.some((n, i) => sel.options[i + 1].value !== n)) {
    sel.replaceChildren(el('option', {value: ''}, 'all regions (overview)'), ...names.map(n => el('option', {value: n}, n)));
  }
  sel.value = view.kind === 'region' ? view.region : '';
  sel.onchange = () => { location.hash = sel.value ? '#region=' + encodeURIComponent(sel.value) : '#overview'; };
}

function render() {
  if (!state) return;
  const t0 = performance.now();
  const empty = state.overview.length === 0;
  document.getElementById('empty').hidden = !empty;
  renderNav();
  const r = view.kind === 'region' ? state.regions.find(x => x.region === view.region) : null;
  document.getElementById('overview').hidden = empty || r !== null && r !== undefined;
  document.getElementById('region').hidden = !r;
  if (r) {
    renderRegion(r);
  } else if (!empty) {
    renderOverview();
  }
  document.body.dataset.view = r ? 'region' : 'overview';
  document.body.dataset.version = String(state.version);
  document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
  document.body.dataset.cutLabels = String(cutLabels());
}

// Text of the charts drawn outside its SVG's view box (a cut label), measured by the browser's layout.
function cutLabels() {
  let cut = 0;
  for (const svg of document.querySelectorAll('section:not([hidden]) svg')) {
    const vb = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > vb.width + 0.5 || b.y + b.height > vb.height + 0.5) {
        cut++;
        t.classList.add('cut');
      }
    }
  }
  return cut;
}

function readHash() {
  const m = /^#region=(.+)$/.exec(location.hash);
  view = m ? {kind: 'region', region: decodeURIComponent(m[1])} : {kind: 'overview', region: null};
}

let timer = null;
let pollSeq = 0;

async function poll() {
  clearTimeout(timer);
  const seq = ++pollSeq;
  const status = document.getElementById('status');
  try {
    const region = view.kind === 'region' ? encodeURIComponent(view.region) : '';
    const res = await fetch(`/api/state?since=${version}&region=${region}`, {cache: 'no-store'});
    if (seq !== pollSeq) return; // a newer poll (view changed) took over
    if (res.status === 200) {
      state = await res.json();
      version = state.version;
      render();
    }
    status.textContent = `version ${version} · updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    status.textContent = 'connection lost, retrying…';
  }
  timer = setTimeout(poll, POLL_MS);
}

window.addEventListener('hashchange', () => { readHash(); version = -1; currentParam = null; poll(); });
readHash();
poll();
