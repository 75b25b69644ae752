// Streaming render benchmark (a command, not a test): run `scripts/bench` (after scripts/build).
//
// A tiny HTTP server serves dist/ and a mock Onyx API that streams a 60 KB markdown answer as
// 3,000 packet-v2 message_delta packets, one every 2 ms (citation_info packets before each
// citation's first use). Headless Chromium renders it in an inline Sherpa instance while we
// record, through the DevTools protocol and in-page observers:
//   - main-thread scripting and layout+style time per delta, bucketed by answer length (deciles),
//   - long tasks (> 50 ms, PerformanceObserver 'longtask'),
//   - chunk arrival → paint latency (arrival = the body reader's read() resolving; paint = the
//     first frame after the DOM changed, taken in a task queued from requestAnimationFrame),
//   - heap after GC and DOM node count over a 100-turn conversation (shorter answers).
// Writes bench/results/stream.json, bench/results/stream.md and bench/results/stream.png.
//
//   node bench/stream.mjs [--deltas 3000] [--bytes 60000] [--pace-ms 2] [--turns 100] [--persist none]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildAnswer, toDeltas, CITATIONS, citationUrl } from './answer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// DIST=dir: serve another build (an A/B against main's dist/ in the same sitting).
const distDir = process.env.DIST ? path.resolve(process.env.DIST) : path.join(root, 'dist');
const outDir = path.join(root, 'bench/results');
fs.mkdirSync(outDir, { recursive: true });
const arg = (name, dflt) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DELTAS = arg('deltas', 3000);
const BYTES = arg('bytes', 60000);
const PACE_MS = arg('pace-ms', 2);
const TURNS = arg('turns', 100);
// --persist none|session|local: the widget's data-persist (default: the widget's default).
const PERSIST = (() => { const i = process.argv.indexOf('--persist'); return i > 0 ? process.argv[i + 1] : ''; })();

// ---------------------------------------------------------------- the answer and its packets
const answer = buildAnswer(BYTES);
const deltas = toDeltas(answer.segs, DELTAS);
const place = (t) => ({ turn_index: t, tab_index: 0, sub_turn_index: null, model_index: 0 });
const line = (o) => JSON.stringify(o) + '\n';
const docs = Array.from({ length: CITATIONS }, (_, i) => ({
  document_id: `doc-${i + 1}`, chunk_ind: 0, semantic_identifier: `Lumen Notes guide ${i + 1}`,
  link: citationUrl(i + 1), blurb: `How Lumen Notes handles topic ${i + 1}.`, source_type: 'web',
  boost: 0, hidden: false, metadata: {}, score: 0.9, is_relevant: null, relevance_explanation: null,
  match_highlights: [], updated_at: '2025-01-01T00:00:00Z', primary_owners: null,
  secondary_owners: null, is_internet: false, file_id: null,
}));

/** The packet lines of one answer; `plan[i]` = { bytes: cumulative bytes after line i, len: answer chars, delta: delta count }. */
function packets(list, msgId, docs) {
  const lines = [
    line({ user_message_id: msgId - 1, reserved_assistant_message_id: msgId }),
    line({ placement: place(0), obj: { type: 'search_tool_start', is_internet_search: false } }),
    line({ placement: place(0), obj: { type: 'search_tool_documents_delta', documents: docs } }),
    line({ placement: place(0), obj: { type: 'section_end' } }),
    line({ placement: place(1), obj: { type: 'message_start', final_documents: docs } }),
  ];
  const head = lines.length;
  const seen = new Set();
  const meta = [];
  let len = 0;
  let n = 0;
  for (const d of list) {
    let content = d;
    if (typeof d !== 'string') {
      if (!seen.has(d.cite)) {
        seen.add(d.cite);
        lines.push(line({ placement: place(1), obj: { type: 'citation_info', citation_number: d.cite, document_id: `doc-${d.cite}` } }));
        meta.push(null);
      }
      content = d.marker;
    }
    len += content.length;
    n++;
    lines.push(line({ placement: place(1), obj: { type: 'message_delta', content } }));
    meta.push({ len, delta: n });
  }
  lines.push(line({ placement: place(1), obj: { type: 'stop', stop_reason: null } }));
  let bytes = 0;
  const plan = lines.map((l, i) => {
    bytes += Buffer.byteLength(l);
    const m = i >= head ? meta[i - head] : null;
    return { bytes, ...(m || {}) };
  });
  return { lines, plan, head };
}

// ---------------------------------------------------------------- the server
let mode = { list: deltas, paceMs: PACE_MS, docs };
let msgId = 2;
let current = null; // plan of the answer being streamed
const mime = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const page = `<!doctype html><html><head><meta charset="utf-8"><title>Sherpa stream bench</title>
<style>body{margin:0;font:16px system-ui} #chat{height:760px;width:720px}</style></head><body>
<div id="chat" data-sherpa data-api-base="/api" data-title="Bench"${PERSIST ? ` data-persist="${PERSIST}"` : ''}></div>
<script src="/sherpa/sherpa.js" data-mode="inline" data-load="eager"></script></body></html>`;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end(page);
  }
  if (req.method === 'GET' && url.pathname.startsWith('/sherpa/')) {
    const file = path.join(distDir, path.basename(url.pathname));
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': mime[path.extname(file)] || 'application/octet-stream' });
    return res.end(fs.readFileSync(file));
  }
  if (req.method === 'POST' && url.pathname === '/api/chat/create-chat-session') {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ chat_session_id: '00000000-0000-4000-8000-000000000001', incognito: false }));
  }
  if (req.method === 'POST' && url.pathname === '/api/chat/send-chat-message') {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    res.socket.setNoDelay(true);
    const { lines, plan } = packets(mode.list, msgId += 2, mode.docs);
    current = plan;
    return stream(res, lines, plan, mode.paceMs);
  }
  if (req.method === 'GET' && url.pathname === '/favicon.ico') { res.writeHead(204); return res.end(); }
  if (req.method === 'GET' && url.pathname.startsWith('/api/persona/')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ id: 0, name: 'Bench', description: '', starter_messages: [] }));
  }
  if (process.env.BENCH_VERBOSE) console.error('bench: 404', req.method, url.pathname);
  req.resume();
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"detail":"Not Found"}');
});

/** Writes the lines on a fixed schedule: delta k at t0 + k * pace (late ones catch up). */
function stream(res, lines, plan, pace) {
  const t0 = performance.now();
  let i = 0;
  let k = 0;
  const tick = () => {
    const now = performance.now();
    let chunk = '';
    while (i < lines.length && (pace === 0 || plan[i].delta === undefined || t0 + k * pace <= now)) {
      if (plan[i].delta !== undefined) k++;
      chunk += lines[i++];
      if (pace === 0 && chunk.length > 16384) break;
    }
    if (chunk) res.write(chunk);
    if (i >= lines.length) return res.end();
    const wait = pace === 0 ? 0 : Math.max(0, t0 + k * pace - performance.now());
    setTimeout(tick, wait);
  };
  tick();
}

// ---------------------------------------------------------------- in-page instrumentation
function instrument() {
  const b = (window.__bench = { bytes: 0, arrivals: [], paints: [], longtasks: [] });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  // The widget's wasm memory (Rust's heap lives there, outside the JS heap).
  for (const k of ['instantiateStreaming', 'instantiate']) {
    const f = WebAssembly[k];
    WebAssembly[k] = function (...a) {
      return f.apply(this, a).then((r) => {
        const inst = r.instance || r;
        if (inst.exports && inst.exports.memory) b.memory = inst.exports.memory;
        return r;
      });
    };
  }
  // Arrival: each body chunk as the widget's reader gets it.
  const read = ReadableStreamDefaultReader.prototype.read;
  ReadableStreamDefaultReader.prototype.read = function () {
    return read.call(this).then((r) => {
      if (!r.done && r.value && b.on) {
        b.bytes += r.value.byteLength;
        b.arrivals.push([performance.now(), b.bytes]);
      }
      return r;
    });
  };
  // Paint: after each DOM change in the widget, the end of the next frame.
  let pending = false;
  // DOM nodes created while streaming: every node added, with its subtree.
  b.created = 0;
  const tree = (n) => {
    let c = 1;
    const w = document.createTreeWalker(n, NodeFilter.SHOW_ALL);
    while (w.nextNode()) c++;
    return c;
  };
  b.tree = tree;
  b.watch = (shadow) => {
    new MutationObserver((records) => {
      if (!b.on) return;
      for (const r of records) for (const n of r.addedNodes) b.created += tree(n);
      // Last byte → final text: the first DOM change that shows the answer done, and the
      // frame after it (the last byte is the last chunk read before it).
      if (b.finalAt === undefined) {
        if (!b.answerEl || !b.answerEl.isConnected) b.answerEl = [...shadow.querySelectorAll('[part~="message-assistant"]')].pop();
        const a = b.answerEl;
        if (a && a.getAttribute('data-state') === 'done') {
          b.finalAt = performance.now();
          requestAnimationFrame(() => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => { b.finalPaint = performance.now(); };
            ch.port2.postMessage(0);
          });
        }
      }
      if (pending) return;
      pending = true;
      const changedAt = performance.now();
      const bytes = b.bytes;
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => {
          pending = false;
          b.paints.push([changedAt, performance.now(), bytes]);
        };
        ch.port2.postMessage(0);
      });
    }).observe(shadow, { subtree: true, childList: true, characterData: true });
  };
}

// ---------------------------------------------------------------- the run
const q = (a, p) => {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');

async function main() {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      '--enable-precise-memory-info'],
  });
  const context = await browser.newContext({ viewport: { width: 800, height: 820 } });
  const pg = await context.newPage();
  const errors = [];
  pg.on('pageerror', (e) => errors.push(e.message));
  pg.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await pg.addInitScript(instrument);
  const cdp = await context.newCDPSession(pg);
  await cdp.send('Performance.enable');
  await pg.goto(base + '/');
  const input = pg.locator('#chat [part~="input"]');
  await input.waitFor();
  await pg.evaluate(() => window.__bench.watch(document.querySelector('#chat').shadowRoot));
  const metrics = async () => {
    const { metrics: m } = await cdp.send('Performance.getMetrics');
    const g = (n) => (m.find((x) => x.name === n)?.value ?? 0) * 1000;
    return { script: g('ScriptDuration'), layout: g('LayoutDuration') + g('RecalcStyleDuration'), task: g('TaskDuration') };
  };

  // 1. The long answer, sampled every ~100 ms.
  console.log(`bench: streaming ${answer.text.length} chars in ${DELTAS} deltas, ${PACE_MS} ms apart`);
  await pg.evaluate(() => { window.__bench.on = true; window.__bench.t0 = performance.now(); });
  await input.fill('Tell me everything about Lumen Notes.');
  const samples = [];
  const t0 = Date.now();
  let m0 = await metrics();
  samples.push({ ...m0, bytes: 0 });
  // PROFILE=1: a CPU profile of the stream, self time by function (bench/results/stream-profile.txt).
  if (process.env.PROFILE) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.start'); }
  // TRACE=1: main-thread trace events by name (bench/results/stream-trace.txt).
  if (process.env.TRACE) await browser.startTracing(pg, { categories: ['devtools.timeline', 'toplevel', 'v8'] });
  await input.press('Enter');
  const last = pg.locator('#chat [part~="message-assistant"]').last();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const m = await metrics();
    const bytes = await pg.evaluate(() => window.__bench.bytes);
    samples.push({ ...m, bytes });
    const state = await last.getAttribute('data-state').catch(() => null);
    if (state === 'done' || state === 'error' || Date.now() - t0 > 600_000) break;
  }
  const streamWall = Date.now() - t0;
  if (process.env.TRACE) {
    const trace = JSON.parse((await browser.stopTracing()).toString());
    const ev = trace.traceEvents || trace;
    const main = ev.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
    const by = new Map();
    for (const e of ev) {
      if (e.ph !== 'X' || !main || e.pid !== main.pid || e.tid !== main.tid || !e.dur) continue;
      const r = by.get(e.name) || [0, 0];
      by.set(e.name, [r[0] + e.dur / 1000, r[1] + 1]);
    }
    const top = [...by].sort((a, b) => b[1][0] - a[1][0]).slice(0, 40).map(([k, [v, n]]) => `${v.toFixed(1)} ms  ${n}×  ${k}`);
    fs.writeFileSync(path.join(outDir, 'stream-trace.txt'), top.join('\n') + '\n');
  }
  if (process.env.PROFILE) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = new Map();
    profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) || 0) + (profile.timeDeltas[i] || 0)));
    for (const n of profile.nodes) {
      const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
      self.set(k, (self.get(k) || 0) + (dt.get(n.id) || 0) / 1000);
    }
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${v.toFixed(1)} ms  ${k}`);
    fs.writeFileSync(path.join(outDir, 'stream-profile.txt'), top.join('\n') + '\n');
  }
  const finalState = await last.getAttribute('data-state');
  await pg.waitForFunction(() => window.__bench.finalPaint !== undefined, null, { timeout: 10000 }).catch(() => {});
  const page1 = await pg.evaluate(() => ({
    created: window.__bench.created,
    finalTree: window.__bench.tree([...document.querySelector('#chat').shadowRoot
      .querySelectorAll('[part~="message-assistant"]')].pop()),
    finalAt: window.__bench.finalAt, finalPaint: window.__bench.finalPaint,
    arrivals: window.__bench.arrivals, paints: window.__bench.paints,
    longtasks: window.__bench.longtasks.filter((t) => t.start >= window.__bench.t0),
    bootLongtasks: window.__bench.longtasks.filter((t) => t.start < window.__bench.t0),
  }));
  await pg.evaluate(() => { window.__bench.on = false; });
  const plan = current;
  const atBytes = (bytes) => {
    // The last packet fully received at `bytes`.
    let lo = 0, hi = plan.length - 1, best = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (plan[mid].bytes <= bytes) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    for (let i = best; i !== null && i >= 0; i--) if (plan[i].delta !== undefined) return plan[i];
    return { len: 0, delta: 0 };
  };
  const total = answer.text.length;
  // Per-sample intervals, attributed to the decile of the answer length at their end.
  const D = 10;
  const buckets = Array.from({ length: D }, () => ({ script: 0, layout: 0, task: 0, deltas: 0 }));
  for (let i = 1; i < samples.length; i++) {
    const a = atBytes(samples[i - 1].bytes), b = atBytes(samples[i].bytes);
    const dn = b.delta - a.delta;
    if (dn <= 0) continue;
    const k = Math.min(D - 1, Math.floor((b.len / total) * D));
    buckets[k].script += samples[i].script - samples[i - 1].script;
    buckets[k].layout += samples[i].layout - samples[i - 1].layout;
    buckets[k].task += samples[i].task - samples[i - 1].task;
    buckets[k].deltas += dn;
  }
  // Arrival → paint latency per chunk, by decile.
  const lat = Array.from({ length: D }, () => []);
  let pi = 0;
  for (const [at, bytes] of page1.arrivals) {
    while (pi < page1.paints.length && page1.paints[pi][2] < bytes) pi++;
    if (pi >= page1.paints.length) break;
    const p = atBytes(bytes);
    if (!p.delta) continue;
    const k = Math.min(D - 1, Math.floor((p.len / total) * D));
    lat[k].push(page1.paints[pi][1] - at);
  }
  const allLat = lat.flat();
  // Arrival → DOM change (the widget's own delay, before the browser paints).
  const toDom = [];
  let di = 0;
  for (const [at, bytes] of page1.arrivals) {
    while (di < page1.paints.length && page1.paints[di][2] < bytes) di++;
    if (di >= page1.paints.length) break;
    toDom.push(page1.paints[di][0] - at);
  }
  const sum = (k) => buckets.reduce((n, x) => n + x[k], 0);
  const longest = page1.longtasks.reduce((m, t) => Math.max(m, t.duration), 0);
  // Where each long task fell: the answer length received when it started.
  const lastArrival = page1.arrivals.length ? page1.arrivals[page1.arrivals.length - 1][0] : 0;
  for (const t of page1.longtasks) {
    let bytes = 0;
    for (const [at, b] of page1.arrivals) { if (at <= t.start) bytes = b; else break; }
    t.answerChars = atBytes(bytes).len || 0;
    t.afterStreamEnd = t.start > lastArrival;
  }

  // 2. Heap and DOM after a 100-turn conversation (shorter answers, streamed unpaced).
  const turnAnswer = buildAnswer(3000, 11);
  // --turn-docs n: documents sent with each of these answers (default: all 40).
  const turnDocs = arg('turn-docs', CITATIONS);
  mode = { list: toDeltas(turnAnswer.segs, 150), paceMs: 0, docs: docs.slice(0, turnDocs) };
  const heap = [];
  const measureHeap = async (turn) => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const dom = await cdp.send('Memory.getDOMCounters');
    const wasm = await pg.evaluate(() => window.__bench.memory?.buffer.byteLength ?? null);
    const stored = await pg.evaluate(() => {
      let n = 0;
      for (const st of [sessionStorage, localStorage]) {
        for (let i = 0; i < st.length; i++) n += st.key(i).length + (st.getItem(st.key(i)) || '').length;
      }
      return n;
    });
    heap.push({ turn, jsHeap: usedSize, wasm, nodes: dom.nodes, listeners: dom.jsEventListeners, stored });
  };
  await measureHeap(0);
  const turnsStart = Date.now();
  for (let t = 1; t <= TURNS; t++) {
    await input.fill(`Question number ${t}?`);
    await input.press('Enter');
    // The thread keeps its latest messages only, so wait for this turn's question and a
    // finished last answer rather than for the t-th answer.
    await pg.waitForFunction((q) => {
      const root = document.querySelector('#chat').shadowRoot;
      const users = root.querySelectorAll('[part~="message-user"]');
      const answers = root.querySelectorAll('[part~="message-assistant"]');
      return users.length && users[users.length - 1].textContent === q &&
        answers[answers.length - 1]?.getAttribute('data-state') === 'done';
    }, `Question number ${t}?`, { timeout: 30000, polling: 20 });
    if (t === 1 || t % 25 === 0 || t === 10) await measureHeap(t);
  }
  const turnsWall = Date.now() - turnsStart;

  // ---------------------------------------------------------------- report
  const rows = buckets.map((b, k) => ({
    decile: `${Math.round((k * total) / D / 1000)}–${Math.round(((k + 1) * total) / D / 1000)} KB`,
    deltas: b.deltas,
    script: b.script / b.deltas,
    layout: b.layout / b.deltas,
    task: b.task / b.deltas,
    p50: q(lat[k], 0.5), p95: q(lat[k], 0.95), max: Math.max(...lat[k]),
  }));
  const lastByte = page1.arrivals.filter(([at]) => at <= page1.finalAt).pop()?.[0];
  const end = { toDom: page1.finalAt - lastByte, toPaint: page1.finalPaint - lastByte };
  const nodes = { created: page1.created, finalTree: page1.finalTree };
  const result = {
    date: new Date().toISOString(), dist: distDir, end, nodes,
    answerChars: total, deltas: DELTAS, paceMs: PACE_MS, finalState, streamWallMs: streamWall,
    totals: { scriptMs: sum('script'), layoutMs: sum('layout'), taskMs: sum('task') },
    longtasks: page1.longtasks, longestTaskMs: longest, bootLongtasks: page1.bootLongtasks,
    latency: { p50: q(allLat, 0.5), p95: q(allLat, 0.95), max: Math.max(...allLat), chunks: allLat.length },
    toDom: { p50: q(toDom, 0.5), p95: q(toDom, 0.95) },
    rows, heap, turns: TURNS, turnsWallMs: turnsWall, errors,
  };
  fs.writeFileSync(path.join(outDir, 'stream.json'), JSON.stringify(result, null, 1));

  const md = [];
  md.push(`Answer: ${total} chars of markdown in ${DELTAS} message_delta packets, ${PACE_MS} ms apart ` +
    `(stream wall time ${(streamWall / 1000).toFixed(1)} s, final state \`${finalState}\`).`);
  md.push('');
  md.push(`Totals over the stream: scripting ${f1(result.totals.scriptMs)} ms, layout+style ${f1(result.totals.layoutMs)} ms, ` +
    `all main-thread tasks ${f1(result.totals.taskMs)} ms. Long tasks (> 50 ms): ${page1.longtasks.length}` +
    (page1.longtasks.length ? ` (${page1.longtasks.map((t) => `${f1(t.duration)} ms at ${(t.answerChars / 1000).toFixed(1)} KB` +
      (t.afterStreamEnd ? ' after the last chunk' : '')).join(', ')})` : '') + '. ' +
    `Chunk arrival → paint: p50 ${f1(result.latency.p50)} ms, p95 ${f1(result.latency.p95)} ms, max ${f1(result.latency.max)} ms (${allLat.length} chunks); ` +
    `arrival → DOM changed: p50 ${f1(result.toDom.p50)} ms, p95 ${f1(result.toDom.p95)} ms. ` +
    `Last byte → final text in the DOM ${f1(end.toDom)} ms, → painted ${f1(end.toPaint)} ms. ` +
    `DOM nodes created during the stream: ${nodes.created} (the final answer's tree: ${nodes.finalTree}).`);
  md.push('');
  md.push('| answer length | deltas | scripting ms/delta | layout+style ms/delta | all tasks ms/delta | arrival→paint p50 | p95 | max |');
  md.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) md.push(`| ${r.decile} | ${r.deltas} | ${f3(r.script)} | ${f3(r.layout)} | ${f3(r.task)} | ${f1(r.p50)} | ${f1(r.p95)} | ${f1(r.max)} |`);
  md.push('');
  md.push(`Memory over a ${TURNS}-turn conversation (each answer ${turnAnswer.text.length} chars in 150 deltas, unpaced; ` +
    `JS heap after a forced GC; ${(turnsWall / 1000).toFixed(1)} s):`);
  md.push('');
  md.push('| after turn | JS heap | wasm memory | DOM nodes | JS event listeners | saved conversation (chars in web storage) |');
  md.push('|---:|---:|---:|---:|---:|---:|');
  for (const h of heap) md.push(`| ${h.turn === 0 ? '0 (the 60 KB answer only)' : h.turn} | ${(h.jsHeap / 1024 / 1024).toFixed(2)} MB | ${h.wasm === null ? '–' : (h.wasm / 1024 / 1024).toFixed(2) + ' MB'} | ${h.nodes} | ${h.listeners} | ${h.stored} |`);
  if (errors.length) { md.push(''); md.push('Page errors: ' + errors.slice(0, 5).join('; ')); }
  fs.writeFileSync(path.join(outDir, 'stream.md'), md.join('\n') + '\n');
  console.log(md.join('\n'));

  await plot(browser, rows, total);
  await browser.close();
  server.close();
}

/** An SVG line chart of the per-delta costs, rendered to PNG by Chromium. */
async function plot(browser, rows, total) {
  const W = 760, H = 380, L = 60, R = 20, T = 40, B = 50;
  const series = [
    ['scripting', 'script', '#2b59c3'],
    ['layout+style', 'layout', '#c3592b'],
    ['all main-thread tasks', 'task', '#444'],
  ];
  const ymax = Math.max(0.5, ...rows.flatMap((r) => series.map(([, k]) => r[k] || 0))) * 1.15;
  const x = (k) => L + ((k + 0.5) / rows.length) * (W - L - R);
  const y = (v) => T + (1 - v / ymax) * (H - T - B);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
  svg += `<rect width="${W}" height="${H}" fill="#fff"/>`;
  svg += `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">Main-thread ms per delta vs answer length (${(total / 1000).toFixed(0)} KB answer, ${DELTAS} deltas)</text>`;
  for (let i = 0; i <= 4; i++) {
    const v = (ymax * i) / 4;
    svg += `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`;
    svg += `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`;
  }
  rows.forEach((r, k) => { svg += `<text x="${x(k)}" y="${H - B + 16}" text-anchor="middle">${r.decile.split('–')[1]}</text>`; });
  svg += `<text x="${W / 2}" y="${H - 10}" text-anchor="middle">answer length at the delta (decile upper bound)</text>`;
  series.forEach(([label, key, colour], s) => {
    const pts = rows.map((r, k) => `${x(k)},${y(r[key] || 0)}`).join(' ');
    svg += `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts}"/>`;
    rows.forEach((r, k) => { svg += `<circle cx="${x(k)}" cy="${y(r[key] || 0)}" r="3" fill="${colour}"/>`; });
    svg += `<rect x="${L + 10 + s * 200}" y="${T - 8}" width="12" height="3" fill="${colour}"/><text x="${L + 26 + s * 200}" y="${T - 3}">${label}</text>`;
  });
  svg += '</svg>';
  fs.writeFileSync(path.join(outDir, 'stream.svg'), svg);
  const p = await browser.newPage({ viewport: { width: W, height: H } });
  await p.setContent(`<body style="margin:0">${svg}</body>`);
  await p.screenshot({ path: path.join(outDir, 'stream.png'), clip: { x: 0, y: 0, width: W, height: H } });
  await p.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
