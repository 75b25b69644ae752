// Shared set-up for Sherpa's end-to-end tests: the dev server (on a free port, stopping itself
// when the test process ends), a second "host site" server on another origin, and Chromium.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const artifacts = path.join(root, 'tests/e2e/artifacts');
fs.mkdirSync(artifacts, { recursive: true });

/** Starts the dev server on a free port. Resolves to { url, stop }. */
export function startDevServer({ paceMs = 5, extraArgs = [] } = {}) {
  const bin = process.env.SHERPA_DEVSERVER || path.join(root, 'target/debug/sherpa-devserver');
  // SHERPA_DIST: another build of the widget (e.g. to check that a test fails without a change).
  const dist = process.env.SHERPA_DIST || path.join(root, 'dist');
  const child = spawn(bin, ['--port', '0', '--dist', dist, '--root', root,
    '--pace-ms', String(paceMs), '--exit-on-stdin-eof', '--test-endpoints', ...extraArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('dev server did not start: ' + out)), 15000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`dev server exited (${code}): ${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop: () => { child.stdin.end(); child.kill(); } });
      }
    });
  });
}

/**
 * Starts sherpa-gate on a free port in front of `upstream` (an API base, `/api` included).
 * `args` are extra flags; the key comes from the environment. Resolves to { url, stop }.
 */
export function startGate({ upstream, backend, origins, apiKey, args = [] }) {
  const bin = process.env.SHERPA_GATE || path.join(root, 'target/debug/sherpa-gate');
  const flags = ['--listen', '127.0.0.1:0', '--upstream', upstream, '--backend', backend,
    ...origins.flatMap((o) => ['--allow-origin', o]), ...args];
  const child = spawn(bin, flags, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SHERPA_GATE_API_KEY: apiKey } });
  const kill = () => child.kill();
  process.once('exit', kill);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('gate did not start: ' + out)), 15000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`gate exited (${code}): ${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop: kill });
      }
    });
  });
}

/** Serves fixed pages from another origin (a different port on 127.0.0.1). */
export function startHostSite(pages) {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url, 'http://x').pathname;
    if (pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    const page = pages[pathname];
    if (page === undefined) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...(page.headers || {}) });
    res.end(page.body ?? page);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${server.address().port}`, stop: () => { server.close(); server.closeAllConnections(); } });
  }));
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A page that records console errors, uncaught exceptions and console warnings. */
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  page.consoleErrors = [];
  page.consoleWarnings = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.consoleErrors.push(m.text());
    if (m.type() === 'warning') page.consoleWarnings.push(m.text());
  });
  page.on('pageerror', (e) => page.consoleErrors.push('pageerror: ' + e.message));
  return page;
}

/** Asks a question through the UI: open the launcher if needed, type, press Enter. */
export async function ask(page, question, scope = page) {
  const input = scope.locator('[part~="input"]').first();
  const launcher = scope.locator('[part~="launcher"]').first();
  // Wait for the widget (an inline one has no launcher until its module has loaded).
  await input.or(launcher).first().waitFor();
  if (!(await input.isVisible())) await launcher.click();
  await input.fill(question);
  await input.press('Enter');
}

/** The last assistant message of a widget. */
export function lastAnswer(scope) {
  return scope.locator('[part~="message-assistant"]').last();
}

/** Reads an Onyx answer straight from the dev server's API, as plain words. */
export async function serverAnswer(base, question) {
  const post = (p, body) => fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const s = await (await post('/api/chat/create-chat-session', { persona_id: 0 })).json();
  const res = await post('/api/chat/send-chat-message', { message: question, chat_session_id: s.chat_session_id, parent_message_id: null, stream: true });
  let text = '';
  for (const line of (await res.text()).split('\n')) {
    if (!line.trim()) continue;
    const p = JSON.parse(line);
    if (p.obj && p.obj.type === 'message_delta') text += p.obj.content;
  }
  return text;
}

/** Plain words of markdown text, without citation links and markdown punctuation. */
export function words(md) {
  return md.replace(/\[\[\d+\]\]\([^)]*\)/g, ' ').replace(/[*_`#>|\-\[\]()]/g, ' ')
    .split(/\s+/).filter(Boolean);
}
