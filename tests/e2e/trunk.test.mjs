// The contributors' loop (Trunk.toml): what `trunk build` wrote to target/trunk-dist (scripts/test
// runs scripts/trunk-check first), served as `trunk serve` does, with /api and /demo proxied to
// the dev server. The page's loader must hand over to trunk's debug module, never fetch the
// release files, and the widget must chat.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startDevServer, launchBrowser, newPage, ask, lastAnswer, root } from './harness.mjs';

const out = path.join(root, 'target/trunk-dist');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
let dev, browser, server, url;

before(async () => {
  dev = await startDevServer({ paceMs: 2 });
  browser = await launchBrowser();
  server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    if (u.pathname.startsWith('/api/') || u.pathname.startsWith('/demo/')) {
      const up = http.request(dev.url + req.url, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
      return;
    }
    const file = path.join(out, u.pathname === '/' ? 'index.html' : u.pathname);
    if (!file.startsWith(out) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}/`;
});
after(async () => { await browser?.close(); dev?.stop(); server?.close(); });

test('trunk build: index.html runs the debug module through the page loader and chats', { skip: !fs.existsSync(path.join(out, 'index.html')) && 'run scripts/trunk-check first' }, async () => {
  const p = await newPage(browser);
  const fetched = [];
  p.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await p.goto(url);
  const w = p.locator('sherpa-chat');
  await ask(p, 'How do I export my notes?', w);
  await lastAnswer(w).and(w.locator('[data-state="done"]')).waitFor({ timeout: 30000 });
  assert.ok((await lastAnswer(w).locator('[part~="answer"]').innerText()).length > 20);
  assert.ok(fetched.some((f) => /^\/sherpa-[0-9a-f]+_bg\.wasm$/.test(f)), 'trunk\'s debug module');
  assert.deepEqual(fetched.filter((f) => /sherpa_core|sherpa_answer/.test(f)), [], 'no release file');
  assert.equal(await p.locator('sherpa-chat').count(), 1, 'one widget');
  assert.deepEqual(p.consoleErrors, []);
});
