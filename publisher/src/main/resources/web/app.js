// mfgcal web page: polls /api/state and draws every chart as inline SVG (no external libraries).
// State schema (DashboardState.toJson): {version, regions:[{region, zones, observed:[{bin, shares}],
// oneAhead:[{bin, mean, lower, upper}], errors, forecast:{issuedAtBin, bandLevel, steps}, parameters:{name:{target:[[bin,v]]}},
// skill:{horizons:[h], persistence:[ratio|null], seasonalNaive:[ratio|null], count:[n]} (model MAE / baseline MAE),
// health:[{bin, picard, adjoint, steps, exploitability, latencyMillis, loss, start}], drift:[[bin, score]], alerts:[DriftAlert]}]}
'use strict';

const NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#2563eb', '#d97706', '#059669', '#9333ea', '#dc2626', '#0891b2', '#4d7c0f', '#be185d',
  '#7c3aed', '#0f766e', '#b45309', '#1d4ed8'];
const POLL_MS = 2000;

let state = null;
let version = -1;
let currentRegion = null;
let currentParam = null;

function svgEl(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000 || a < 0.01) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

function ticks(lo, hi, n) {
  const out = [];
  for (let i = 0; i <= n; i++) out.push(lo + (hi - lo) * i / n);
  return out;
}

// opts: {width, height, series:[{name, points, color, dashed, dots}], bands:[{lower, upper, color, cls}],
//        vlines:[x], hlines:[y], yZero, legend}
function chart(container, opts) {
  const W = opts.width || 320, H = opts.height || 150, L = 40, R = 8, T = 8, B = 18;
  const svg = svgEl('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img'});
  const xs = [], ys = [];
  for (const s of opts.series) for (const p of s.points) { xs.push(p[0]); ys.push(p[1]); }
  for (const b of (opts.bands || [])) for (const p of b.lower.concat(b.upper)) { xs.push(p[0]); ys.push(p[1]); }
  for (const y of (opts.hlines || [])) ys.push(y);
  if (xs.length === 0) {
    svgEl('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle'}, svg).textContent = 'no data yet';
    container.replaceChildren(svg);
    return svg;
  }
  let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
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
  for (const t of ticks(x0, x1, 4)) {
    svgEl('text', {x: X(t), y: H - 5, 'text-anchor': 'middle'}, svg).textContent = Math.round(t).toString();
  }
  svgEl('line', {class: 'axis', x1: L, x2: L, y1: T, y2: H - B}, svg);
  svgEl('line', {class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B}, svg);
  for (const b of (opts.bands || [])) {
    if (b.lower.length === 0) continue;
    const pts = b.upper.map(p => `${X(p[0])},${Y(p[1])}`).concat(b.lower.slice().reverse().map(p => `${X(p[0])},${Y(p[1])}`));
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
    if (s.points.length === 0) continue;
    if (!s.dotsOnly) {
      const d = s.points.map((p, i) => (i ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1)).join(' ');
      svgEl('path', {class: 'series' + (s.dashed ? ' dashed' : ''), d, stroke: s.color}, svg);
    }
    if (s.dots || s.dotsOnly) {
      for (const p of s.points) {
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
    const lg = document.createElement('div');
    lg.className = 'legend';
    for (const s of opts.series.slice(0, 16)) {
      const span = document.createElement('span');
      span.innerHTML = `<i style="background:${s.color}"></i>`;
      span.appendChild(document.createTextNode(s.name));
      lg.appendChild(span);
    }
    wrap.appendChild(lg);
  }
  container.replaceChildren(wrap);
  return svg;
}

function renderTabs() {
  const nav = document.getElementById('regions');
  nav.replaceChildren();
  for (const r of state.regions) {
    const b = document.createElement('button');
    b.textContent = r.region;
    b.className = r.region === currentRegion ? 'active' : '';
    b.onclick = () => { currentRegion = r.region; render(); };
    nav.appendChild(b);
  }
}

function alertBins(r, match) {
  return r.alerts.filter(a => a.state === 'RAISED' && match(a)).map(a => a.firstBin);
}

function renderZones(r) {
  const grid = document.getElementById('zones');
  grid.replaceChildren();
  const steps = r.forecast ? r.forecast.steps : [];
  r.zones.forEach((zone, i) => {
    const card = document.createElement('div');
    card.className = 'card zone';
    card.dataset.zone = zone;
    const h = document.createElement('h3');
    h.textContent = zone;
    card.appendChild(h);
    const body = document.createElement('div');
    card.appendChild(body);
    grid.appendChild(card);
    chart(body, {
      width: 300, height: 130,
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

function renderParams(r) {
  const sel = document.getElementById('param');
  const names = Object.keys(r.parameters);
  if (!names.includes(currentParam)) {
    const alerted = r.alerts.find(a => a.state === 'RAISED' && names.includes(a.parameter));
    currentParam = alerted ? alerted.parameter : (names[0] || null);
  }
  sel.replaceChildren(...names.map(n => { const o = document.createElement('option'); o.value = n; o.textContent = n; return o; }));
  sel.value = currentParam || '';
  sel.onchange = () => { currentParam = sel.value; render(); };
  const byTarget = currentParam ? r.parameters[currentParam] : {};
  const series = Object.keys(byTarget).map((t, k) => ({name: t, points: byTarget[t], color: PALETTE[k % PALETTE.length], dots: true, r: 1.2}));
  chart(document.getElementById('params'), {width: 900, height: 220, series, legend: true,
    vlines: alertBins(r, a => a.parameter === currentParam)});
}

function renderHealth(r) {
  const pts = key => r.health.map(h => [h.bin, h[key], h.start === 'COLD' ? '#d92d20' : undefined]);
  chart(document.getElementById('iters'), {yZero: true, legend: true, series: [
    {name: 'Picard', points: pts('picard'), color: PALETTE[0], dots: true},
    {name: 'adjoint', points: pts('adjoint'), color: PALETTE[2], dots: true},
    {name: 'gradient steps', points: pts('steps'), color: PALETTE[3], dots: true}]});
  chart(document.getElementById('exploit'), {yZero: true, series: [
    {name: 'exploitability', points: pts('exploitability'), color: PALETTE[4], dots: true}]});
  chart(document.getElementById('latency'), {yZero: true, legend: true, series: [
    {name: 'latency ms (red dot: cold start)', points: pts('latencyMillis'), color: PALETTE[5], dots: true}]});
  chart(document.getElementById('drift'), {yZero: true, hlines: [1], series: [
    {name: 'drift score', points: r.drift, color: PALETTE[7], dots: true}]});
}

function renderAlerts(r) {
  const body = document.querySelector('#alerts tbody');
  body.replaceChildren();
  if (r.alerts.length === 0) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td colspan="10">no alerts</td>';
    body.appendChild(tr);
  }
  for (const a of r.alerts) {
    const tr = document.createElement('tr');
    tr.className = 'alert ' + a.state.toLowerCase();
    tr.dataset.id = a.id;
    for (const v of [a.state, a.target, a.parameter, a.direction, fmt(a.magnitude), pct(a.observedChange),
      pct(a.modelChange), a.reference, a.firstBin, a.bin]) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.appendChild(td);
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

function render() {
  if (!state || state.regions.length === 0) return;
  if (!state.regions.some(r => r.region === currentRegion)) currentRegion = state.regions[0].region;
  const r = state.regions.find(x => x.region === currentRegion);
  document.getElementById('empty').hidden = true;
  document.getElementById('region').hidden = false;
  renderTabs();
  renderAlerts(r);
  renderSkill(r);
  renderZones(r);
  renderParams(r);
  renderHealth(r);
  document.body.dataset.version = String(state.version);
}

async function poll() {
  const status = document.getElementById('status');
  try {
    const res = await fetch('/api/state?since=' + version, {cache: 'no-store'});
    if (res.status === 200) {
      state = await res.json();
      version = state.version;
      render();
    }
    status.textContent = `version ${version} · ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    status.textContent = 'connection lost, retrying…';
  }
  setTimeout(poll, POLL_MS);
}

poll();
