// Hostile-stream benchmark (a command, not a test): run `scripts/bench` or
// `node bench/hostile.mjs` (after scripts/build).
//
// A tiny HTTP server serves dist/ and a mock Onyx API (packet v2 NDJSON) that plays a hostile
// server, one case per question (issue 18): answers far over the per-turn cap, thousands of
// citation packets, documents with megabyte labels and ten thousand documents. Each case runs
// in a fresh browser context of headless Chromium against an inline Sherpa; for the document
// cases "show all" sources is clicked once the answer is done. Over each case (from Enter
// until the answer is done and, where it applies, the cards are shown) we record through the
// DevTools trace every main-thread task of the page's renderer: the longest, how many ran over
// 50 ms, and the total blocking time (the sum of each task's time over 50 ms, as Lighthouse
// counts it); also the longest task's CPU time (the trace's thread time), which a busy
// machine inflates less than the wall time. Also what the widget showed (answer length, notes, cards), so a fast wrong
// answer cannot pass for a fast one.
// Writes bench/results/hostile.json and bench/results/hostile.md.
//
//   node bench/hostile.mjs [--runs 3] [--case NAME] [--dist DIR] [--json FILE] [--profile]
//   (--case: a name from the table, repeatable; --dist: the built widget to serve, default dist/;
//   --json: where the results go, default bench/results/hostile.json;
//   --profile: also print where the page's JavaScript and wasm spent their time, by function,
//   from the V8 sampling profiler; useful with a dist/ whose wasm keeps its names, i.e. built
//   without wasm-opt and with wasm-bindgen --keep-debug; it slows the page, so its task times
//   are not the benchmark's)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'bench/results');
fs.mkdirSync(outDir, { recursive: true });
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 3) || 3;
const ONLY = argv.flatMap((a, i) => (argv[i - 1] === '--case' ? [a] : []));
const PROFILE = argv.includes('--profile');
const JSON_OUT = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : path.join(outDir, 'hostile.json');
const DIST = path.resolve(argv.includes('--dist') ? argv[argv.indexOf('--dist') + 1] : path.join(root, 'dist'));

// ---------------------------------------------------------------- the hostile answers
const P = (turn, obj) => JSON.stringify({ placement: { turn_index: turn, tab_index: 0, sub_turn_index: null, model_index: 0 }, obj }) + '\n';
const doc = (id, extra) => ({
  document_id: id, chunk_ind: 0, semantic_identifier: id, link: `https://docs.example/${id}`, blurb: `About ${id}.`,
  source_type: 'web', boost: 0, hidden: false, metadata: {}, score: 0.5, match_highlights: [], updated_at: null,
  is_internet: false, ...extra,
});
const MB = 1 << 20;
/** `total` bytes of answer text in deltas of `size` characters (plain words, no sentence end). */
function* answerOf(total, size) {
  const delta = P(1, { type: 'message_delta', content: 'word '.repeat(size / 5) });
  for (let sent = 0; sent < total; sent += delta.length) yield delta;
}
const bigDoc = () => doc('D1', { semantic_identifier: 'T'.repeat(MB), blurb: 'B'.repeat(MB) });
const cited = [P(1, { type: 'message_delta', content: 'See [[1]](https://a.example/1).' }),
  P(1, { type: 'citation_info', citation_number: 1, document_id: 'D1' })];

/** Case name → [what it sends, the packets after message_start, what the widget must show]. */
const CASES = {
  'answer-50MB-1KB-deltas': ['a 50 MB answer in 1 KB deltas (≈ 50,000 packets)', () => answerOf(50 * MB, 1000), { cut: 'answer' }],
  'answer-50MB-64KB-deltas': ['a 50 MB answer in 64 KB deltas', () => answerOf(50 * MB, 65535), { cut: 'answer' }],
  'answer-4MB-one-packet': ['a 4 MB answer in one message_delta packet', () => answerOf(4 * MB, 4 * MB), { cut: 'answer' }],
  'citations-10000-repeats': ['10,000 citation_info packets for citation 1', function* () {
    yield P(0, { type: 'search_tool_documents_delta', documents: [doc('D1')] });
    yield P(1, { type: 'message_delta', content: 'Refunds [[1]](https://a.example/1) are allowed.' });
    for (let i = 0; i < 10_000; i++) yield P(1, { type: 'citation_info', citation_number: 1, document_id: 'D1' });
  }, { answer: 'Refunds 1 are allowed.' }],
  'citations-10000-numbers': ['10,000 citation_info packets, numbers 1 to 10,000', function* () {
    yield P(0, { type: 'search_tool_documents_delta', documents: [doc('D1')] });
    yield P(1, { type: 'message_delta', content: 'Refunds [[1]](https://a.example/1) are allowed.' });
    for (let i = 1; i <= 10_000; i++) yield P(1, { type: 'citation_info', citation_number: i, document_id: 'D1' });
  }, { answer: 'Refunds 1 are allowed.' }],
  'document-1MB-title-1MB-blurb': ['one document with a 1 MB title and a 1 MB blurb, 59 ordinary ones; then "show all"', function* () {
    yield P(0, { type: 'search_tool_documents_delta', documents: [bigDoc(), ...Array.from({ length: 59 }, (_, i) => doc(`X${i}`))] });
    yield* cited;
  }, { cards: 50, cut: 'sources' }],
  'documents-10000': ['10,000 documents in one packet (the first with a 1 MB title and blurb); then "show all"', function* () {
    yield P(0, { type: 'search_tool_documents_delta', documents: [bigDoc(), ...Array.from({ length: 9_999 }, (_, i) => doc(`X${i}`))] });
    yield* cited;
  }, { cards: 50, cut: 'sources' }],
};

// ---------------------------------------------------------------- the server
const mime = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const page = `<!doctype html><html><head><meta charset="utf-8"><title>Sherpa hostile bench</title>
<style>body{margin:0;font:16px system-ui} #chat{height:760px;width:720px}</style></head><body>
<div id="chat" data-sherpa data-api-base="/api" data-title="Bench"></div>
<script src="/sherpa/sherpa.js" data-mode="inline" data-load="eager"></script></body></html>`;
const sent = {}; // case → bytes the server wrote

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const json = (obj) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
  if (req.method === 'GET' && url.pathname === '/') { res.writeHead(200, { 'content-type': 'text/html' }); return res.end(page); }
  if (req.method === 'GET' && url.pathname.startsWith('/sherpa/')) {
    const file = path.join(DIST, path.basename(url.pathname));
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': mime[path.extname(file)] || 'application/octet-stream' });
    return res.end(fs.readFileSync(file));
  }
  if (req.method === 'GET' && url.pathname.startsWith('/api/persona/')) return json({ id: 0, name: 'Bench', description: '', starter_messages: [] });
  if (req.method === 'POST' && url.pathname === '/api/chat/create-chat-session') { req.resume(); return json({ chat_session_id: '00000000-0000-4000-8000-000000000001' }); }
  if (req.method === 'POST' && url.pathname.startsWith('/api/chat/stop-chat-session/')) { req.resume(); return json(null); }
  if (req.method === 'POST' && url.pathname === '/api/chat/send-chat-message') {
    let body = '';
    for await (const c of req) body += c;
    return stream(res, JSON.parse(body).message);
  }
  req.resume();
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"detail":"Not Found"}');
});

/** Writes a case's packets as fast as the socket takes them; stops when the widget hangs up. */
async function stream(res, name) {
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  let closed = false;
  const gone = new Promise((r) => res.on('close', () => { closed = true; r(); }));
  const write = async (s) => {
    sent[name] = (sent[name] || 0) + s.length;
    if (!res.write(s)) await Promise.race([new Promise((r) => res.once('drain', r)), gone]);
  };
  await write(JSON.stringify({ user_message_id: 1, reserved_assistant_message_id: 2 }) + '\n');
  await write(P(1, { type: 'message_start', final_documents: null }));
  for (const chunk of CASES[name][1]()) {
    if (closed) return;
    await write(chunk);
  }
  if (!closed) res.end(P(1, { type: 'stop', stop_reason: null }));
}

// ---------------------------------------------------------------- one run of one case
const launchArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * The page's main-thread tasks from a DevTools trace, between two trace timestamps: each as
 * { ms, layout } (layout = the style and layout work inside it, ms).
 */
function mainThreadTasks(trace, from, to) {
  const events = JSON.parse(trace.toString()).traceEvents;
  const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const mark = (n) => events.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === n)?.ts;
  const [t0, t1] = [mark(from), mark(to)];
  const onMain = events.filter((e) => e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`) && e.ts >= t0 && e.ts <= t1);
  const inside = (t, names) => onMain.filter((l) => names.includes(l.name) && l.ts >= t.ts && l.ts < t.ts + t.dur)
    .reduce((n, l) => n + l.dur / 1000, 0);
  return onMain.filter((e) => e.name === 'RunTask').map((t) => ({
    ms: t.dur / 1000,
    cpu: (t.tdur ?? t.dur) / 1000, // the thread's CPU time: what the task cost without waits for a core
    layout: inside(t, ['Layout', 'UpdateLayoutTree']),
    gc: inside(t, ['MinorGC', 'MajorGC']),
    // What the task was (for a look at the JSON): its longest direct parts.
    parts: t.dur > 30_000 ? onMain.filter((e) => e !== t && e.ts >= t.ts && e.ts < t.ts + t.dur && e.dur > (process.env.HOSTILE_TRACE_MORE ? 500 : 2000))
      .map((e) => `${e.name}${e.args?.data?.functionName ? "[" + e.args.data.functionName + "]" : ""}${e.args?.data?.type ? "{" + e.args.data.type + "}" : ""} ${(e.dur / 1000).toFixed(1)}`).slice(0, 40) : undefined,
  }));
}

/** Self time by function name (ms), the top 25, from a V8 CPU profile. */
function printProfile(name, prof) {
  const self = new Map(prof.nodes.map((n) => [n.id, 0]));
  prof.samples.forEach((id, i) => self.set(id, self.get(id) + (prof.timeDeltas[i] || 0) / 1000));
  const by = new Map();
  for (const n of prof.nodes) {
    const k = n.callFrame.functionName || `(${n.callFrame.url.split('/').pop() || 'program'})`;
    by.set(k, (by.get(k) || 0) + self.get(n.id));
  }
  const top = [...by].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 25);
  console.error(`profile ${name}:\n` + top.map(([k, ms]) => `  ${ms.toFixed(1).padStart(7)} ms  ${k.slice(0, 110)}`).join('\n'));
}

/** What the widget shows once the case is over. */
async function outcome(a) {
  return a.evaluate((el) => ({
    state: el.getAttribute('data-state'),
    answerChars: el.querySelector('[part~="answer"]')?.textContent.length ?? 0,
    answer: (el.querySelector('[part~="answer"]')?.innerText ?? '').slice(0, 60),
    notes: [...el.querySelectorAll('[part~="truncated"]')].map((n) => n.innerText),
    cards: el.querySelectorAll('[part~="source-card"]').length,
    longestTitle: Math.max(0, ...[...el.querySelectorAll('.source-title')].map((t) => t.innerText.length)),
  }));
}

async function runCase(browser, base, name) {
  const context = await browser.newContext({ viewport: { width: 800, height: 820 } });
  const pg = await context.newPage();
  const errors = [];
  pg.on('pageerror', (e) => errors.push(e.message));
  await pg.goto(base + '/');
  const input = pg.locator('#chat [part~="input"]');
  await input.waitFor();
  await input.fill(name);
  const cdp = PROFILE && await context.newCDPSession(pg);
  if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 100 }); await cdp.send('Profiler.start'); }
  await browser.startTracing(pg, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', ...(process.env.HOSTILE_TRACE_MORE ? ['v8', 'v8.wasm', 'disabled-by-default-v8.wasm.detailed', 'disabled-by-default-v8.compile', 'v8.execute'] : [])] });
  await pg.evaluate(() => console.timeStamp('hostile:start'));
  const t0 = Date.now();
  await input.press('Enter');
  const a = pg.locator('#chat [part~="message-assistant"]').last();
  await pg.waitForFunction(() => {
    const s = [...document.querySelector('#chat').shadowRoot.querySelectorAll('[part~="message-assistant"]')].pop()?.getAttribute('data-state');
    return s === 'done' || s === 'error' || s === 'stopped';
  }, null, { timeout: 120_000, polling: 50 });
  const streamMs = Date.now() - t0;
  const more = a.locator('[part~="show-all-sources"]');
  if (CASES[name][2].cards && await more.count()) {
    await more.click();
    await pg.waitForFunction((n) => [...document.querySelector('#chat').shadowRoot.querySelectorAll('[part~="message-assistant"]')].pop()
      .querySelectorAll('[part~="source-card"]').length >= n, CASES[name][2].cards, { timeout: 60_000, polling: 50 });
  }
  // Two frames, so the layout and paint of what was shown last fall inside the window.
  await pg.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const wallMs = Date.now() - t0;
  await pg.evaluate(() => console.timeStamp('hostile:end'));
  const tasks = mainThreadTasks(await browser.stopTracing(), 'hostile:start', 'hostile:end');
  if (cdp) printProfile(name, (await cdp.send('Profiler.stop')).profile);
  const shown = await outcome(a);
  await context.close();
  const longest = tasks.reduce((a, t) => (t.ms > a.ms ? t : a), { ms: 0, cpu: 0, layout: 0, gc: 0 });
  return {
    longestMs: longest.ms, longestLayoutMs: longest.layout, longestGcMs: longest.gc, longestParts: longest.parts,
    longestCpuMs: Math.max(0, ...tasks.map((t) => t.cpu)), over50: tasks.filter((t) => t.ms > 50).length,
    blockingMs: tasks.reduce((s, t) => s + Math.max(0, t.ms - 50), 0), tasks: tasks.length,
    streamMs, wallMs, shown, errors,
  };
}

/** Whether the widget showed what the case must show (the limits worked). */
function check(name, shown) {
  const want = CASES[name][2];
  const bad = [];
  if (shown.state !== 'done') bad.push(`state ${shown.state}`);
  if (want.cut === 'answer' && !(shown.answerChars > 90_000 && shown.answerChars <= 100_000 && shown.notes.length)) bad.push(`answer ${shown.answerChars} chars, notes ${shown.notes}`);
  if (want.answer && shown.answer !== want.answer) bad.push(`answer ${JSON.stringify(shown.answer)}`);
  if (want.cards && (shown.cards !== want.cards || shown.longestTitle > 201)) bad.push(`${shown.cards} cards, title ${shown.longestTitle} chars`);
  if (want.cut === 'sources' && !shown.notes.length) bad.push('no sources note');
  return bad.join('; ');
}

// ---------------------------------------------------------------- the report
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor((s.length - 1) / 2)]; };
const f0 = (x) => x.toFixed(0);

function report(results) {
  const md = [];
  md.push(`Each case ${RUNS} run(s), a fresh browser context each; main-thread tasks of the page from Enter until the answer is done` +
    ' (and, for the document cases, the cards shown after "show all"). Medians, with the largest in brackets.');
  md.push('');
  md.push('| case | longest task ms | of which style+layout ms | longest task, CPU ms | tasks > 50 ms | total blocking ms | Enter → done ms | what the widget showed | check |');
  md.push('|---|---:|---:|---:|---:|---:|---:|---|---|');
  for (const [name, runs] of Object.entries(results)) {
    const s = runs[runs.length - 1].shown;
    const showed = `${s.state}, ${s.answerChars} chars` + (s.cards ? `, ${s.cards} cards (longest title ${s.longestTitle})` : '') +
      (s.notes.length ? `, notes: ${s.notes.map((n) => `“${n}”`).join(' ')}` : '');
    const bad = runs.map((r) => check(name, r.shown)).filter(Boolean);
    const col = (k) => `${f0(med(runs.map((r) => r[k])))} (${f0(Math.max(...runs.map((r) => r[k])))})`;
    md.push(`| \`${name}\`: ${CASES[name][0]} | ${col('longestMs')} | ${col('longestLayoutMs')} | ${col('longestCpuMs')} | ${col('over50')} | ${col('blockingMs')} | ${col('streamMs')} | ${showed} | ${bad.length ? 'FAIL: ' + bad[0] : 'ok'} |`);
  }
  return md.join('\n') + '\n';
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'sherpa_core_bg.wasm'))) throw new Error(`${DIST} is empty: run scripts/build first`);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: launchArgs });
  const results = {};
  for (const name of Object.keys(CASES).filter((n) => !ONLY.length || ONLY.includes(n))) {
    results[name] = [];
    for (let i = 0; i < RUNS; i++) {
      delete sent[name];
      const r = await runCase(browser, base, name);
      r.serverBytes = sent[name];
      results[name].push(r);
      console.error(`bench: ${name} run ${i + 1}: longest ${f0(r.longestMs)} ms (layout ${f0(r.longestLayoutMs)}, gc ${f0(r.longestGcMs)}; longest CPU ${f0(r.longestCpuMs)}), ${r.over50} over 50 ms, blocking ${f0(r.blockingMs)} ms, ` +
        `done in ${r.streamMs} ms, server wrote ${(r.serverBytes / MB).toFixed(1)} MB${check(name, r.shown) ? ', CHECK FAILED: ' + check(name, r.shown) : ''}`);
    }
  }
  await browser.close();
  server.close();
  const md = report(results);
  fs.writeFileSync(JSON_OUT, JSON.stringify({ date: new Date().toISOString(), dist: DIST, runs: RUNS, results }, null, 1));
  if (!argv.includes('--json')) fs.writeFileSync(path.join(outDir, 'hostile.md'), md);
  console.log(md);
}

main().catch((e) => { console.error(e); process.exit(1); });
