// Page-load benchmark (a command, not a test; run by scripts/bench, or `node bench/load.mjs`).
// What embedding Sherpa costs a page, in headless Chromium against a local server:
//   - main-thread time up to the load event, for a page without the widget, with the loader
//     (default data-load="idle"), and with data-load="eager" (the whole bundle at once, as the
//     skeleton did before issue 7);
//   - the deferred boot (fetch + compile + instantiate + mount) once it happens;
//   - a click on the launcher before anything is loaded → focus in the input.
// Medians of N runs (--runs, default 7). Writes bench/results/load.{json,md}.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// DIST=dir: serve another build (an A/B against main's dist/ in the same sitting).
const distDir = process.env.DIST ? path.resolve(process.env.DIST) : path.join(root, 'dist');
const outDir = path.join(root, 'bench/results');
fs.mkdirSync(outDir, { recursive: true });
const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 7;

// A host page with some content of its own, so "page load" is not empty.
const filler = Array.from({ length: 60 }, (_, k) => `<p>Paragraph ${k}: ${'lorem ipsum dolor sit amet '.repeat(8)}</p>`).join('');
const page = (tag) => `<!doctype html><html><head><meta charset="utf-8"><title>Host</title></head>
<body><h1>Host page</h1>${filler}${tag}</body></html>`;
const tag = (attrs) => `<script src="/sherpa/sherpa.js" defer data-api-base="/api" data-title="Help" ${attrs}></script>`;
const pages = {
  '/none': page(''),
  '/idle': page(tag('')),
  '/eager': page(tag('data-load="eager"')),
  '/interaction': page(tag('data-load="interaction"')),
};
const mime = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (pages[url.pathname]) {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end(pages[url.pathname]);
  }
  if (url.pathname.startsWith('/sherpa/')) {
    const file = path.join(distDir, path.basename(url.pathname));
    if (fs.existsSync(file)) {
      res.writeHead(200, { 'content-type': mime[path.extname(file)] || 'application/octet-stream' });
      return res.end(fs.readFileSync(file));
    }
  }
  if (url.pathname.startsWith('/api/persona/')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"id":0,"name":"Help","description":"","starter_messages":[]}');
  }
  res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404);
  res.end();
});

function instrument() {
  const b = (window.__load = { longtasks: [] });
  new PerformanceObserver((l) => l.getEntries().forEach((e) => b.longtasks.push(e.duration)))
    .observe({ type: 'longtask', buffered: true });
  // Click → focus in the input: polled every frame from the click on (focus events may not fire
  // in a page without system focus; the active element is what the user gets).
  document.addEventListener('click', () => {
    if (b.clickAt !== undefined) return;
    b.clickAt = performance.now();
    const poll = () => {
      const host = document.querySelector('sherpa-chat');
      const a = host && host.shadowRoot && host.shadowRoot.activeElement;
      if (a && (a.getAttribute('part') || '').split(' ').includes('input')) b.focusAt = performance.now();
      else requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  }, true);
}

const median = (a) => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');

async function main() {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });

  async function run(pathname, { click = false, idleMs = 0, fetched = false } = {}) {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const p = await context.newPage();
    await p.addInitScript(instrument);
    const cdp = await context.newCDPSession(p);
    await cdp.send('Performance.enable');
    const metrics = async () => {
      const { metrics: m } = await cdp.send('Performance.getMetrics');
      const g = (n) => (m.find((x) => x.name === n)?.value ?? 0) * 1000;
      return { script: g('ScriptDuration'), task: g('TaskDuration') };
    };
    const out = {};
    await p.goto(base + pathname, { waitUntil: 'load' });
    const atLoad = await metrics();
    out.loadEvent = await p.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventStart);
    out.scriptToLoad = atLoad.script;
    out.taskToLoad = atLoad.task;
    if (idleMs) {
      // The visitor does nothing: every main-thread task from the load event to idleMs after.
      await p.waitForTimeout(idleMs);
      const end = await metrics();
      out.idleTask = end.task - atLoad.task;
      out.idleScript = end.script - atLoad.script;
      out.mounted = await p.locator('sherpa-chat[data-sherpa-mounted]').count();
      await context.close();
      return out;
    }
    if (fetched) {
      // Click once the idle fetch is done (the bytes are in; nothing compiled).
      await p.waitForFunction(() => performance.getEntriesByType('resource')
        .filter((e) => /sherpa_core(_bg\.wasm|\.js)/.test(e.name) && e.responseEnd > 0).length >= 2,
      null, { timeout: 15000, polling: 50 });
    }
    if (click) {
      await p.locator('sherpa-chat [part~="launcher"]').click();
      await p.waitForFunction(() => window.__load.focusAt !== undefined, null, { timeout: 15000 });
      out.clickToFocus = await p.evaluate(() => window.__load.focusAt - window.__load.clickAt);
    } else if (pathname === '/idle') {
      // Idle: the files are fetched (and, before issue 16, the module booted right after).
      await p.waitForFunction(() => performance.getEntriesByType('resource')
        .filter((e) => /sherpa_core(_bg\.wasm|\.js)/.test(e.name) && e.responseEnd > 0).length >= 2,
      null, { timeout: 15000, polling: 50 });
    } else if (pathname !== '/none') {
      await p.locator('sherpa-chat[data-sherpa-mounted]').waitFor({ state: 'attached', timeout: 15000 });
    }
    await p.waitForTimeout(300);
    const end = await metrics();
    out.scriptAfter = end.script - atLoad.script;
    out.taskAfter = end.task - atLoad.task;
    out.longtasks = await p.evaluate(() => window.__load.longtasks);
    await context.close();
    return out;
  }

  const variants = [
    ['no widget', '/none'],
    ['loader, data-load="idle" (default)', '/idle'],
    ['data-load="eager" (all at once, like the skeleton)', '/eager'],
  ];
  const results = {};
  for (const [, pathname] of variants) results[pathname] = [];
  results.click = [];
  results.clickFetched = [];
  results.idle5s = [];
  results.none5s = [];
  for (let r = 0; r < RUNS; r++) {
    for (const [, pathname] of variants) results[pathname].push(await run(pathname));
    results.click.push(await run('/interaction', { click: true }));
    results.clickFetched.push(await run('/idle', { click: true, fetched: true }));
    results.idle5s.push(await run('/idle', { idleMs: 5000 }));
    results.none5s.push(await run('/none', { idleMs: 5000 }));
  }
  await browser.close();
  server.close();

  const md = [];
  md.push(`Medians of ${RUNS} runs, local server (no network latency), 2-core machine.`);
  md.push('');
  md.push('| page | load event at | main-thread tasks until load | scripting until load | widget work after load (idle: until fetched + 300 ms; eager: boot) | long tasks |');
  md.push('|---|---:|---:|---:|---:|---|');
  for (const [label, pathname] of variants) {
    const rs = results[pathname];
    const lts = rs.flatMap((x) => x.longtasks);
    md.push(`| ${label} | ${f0(median(rs.map((x) => x.loadEvent)))} ms | ${f1(median(rs.map((x) => x.taskToLoad)))} ms | ` +
      `${f1(median(rs.map((x) => x.scriptToLoad)))} ms | ${pathname === '/none' ? '–' : f1(median(rs.map((x) => x.taskAfter))) + ' ms'} | ` +
      `${lts.length ? `${lts.length} in ${RUNS} runs, max ${f0(Math.max(...lts))} ms` : 'none'} |`);
  }
  md.push('');
  const c = results.click.map((x) => x.clickToFocus);
  md.push(`Click on the launcher before anything is loaded (data-load="interaction") → focus in the input: ` +
    `median ${f0(median(c))} ms (min ${f0(Math.min(...c))}, max ${f0(Math.max(...c))}).`);
  const cf = results.clickFetched.map((x) => x.clickToFocus);
  md.push(`Click on the launcher once the idle fetch is done (default data-load) → focus in the input: ` +
    `median ${f0(median(cf))} ms (min ${f0(Math.min(...cf))}, max ${f0(Math.max(...cf))}).`);
  const idle = median(results.idle5s.map((x) => x.idleTask));
  const none = median(results.none5s.map((x) => x.idleTask));
  md.push(`The visitor does nothing, default data-load: main-thread tasks from the load event to 5 s after: ` +
    `${f1(idle)} ms with the widget, ${f1(none)} ms without (widget share ${f1(idle - none)} ms; ` +
    `scripting ${f1(median(results.idle5s.map((x) => x.idleScript)))} ms; mounted in ` +
    `${results.idle5s.filter((x) => x.mounted).length} of ${RUNS} runs).`);
  fs.writeFileSync(path.join(outDir, 'load.json'), JSON.stringify(results, null, 1));
  fs.writeFileSync(path.join(outDir, 'load.md'), md.join('\n') + '\n');
  console.log(md.join('\n'));
}

main().catch((e) => { console.error(e); process.exit(1); });
