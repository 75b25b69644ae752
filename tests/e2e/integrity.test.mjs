// Integrity end to end: the page checks sherpa.js with its integrity attribute, and every file
// the widget fetches after it is checked against the hash its fetcher carries (scripts/build,
// scripts/integrity.mjs). One changed byte in any of them: the file does not run, the visitor
// reads a clear message, and the host page is unharmed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { startDevServer, startHostSite, launchBrowser, newPage, ask, lastAnswer, root } from './harness.mjs';
import { askWithoutAnswerModule } from './quality.mjs';

let dev, browser, site;
const dist = process.env.SHERPA_DIST || path.join(root, 'dist');
const file = (name) => fs.readFileSync(path.join(dist, name));
const sri = (bytes) => 'sha384-' + crypto.createHash('sha384').update(bytes).digest('base64');

before(async () => {
  dev = await startDevServer({ paceMs: 2 });
  browser = await launchBrowser();
  const tag = (integrity) => `<script src="${dev.url}/sherpa/sherpa.js" defer
      integrity="${integrity}" crossorigin="anonymous" data-load="interaction"
      data-api-base="${dev.url}/api" data-title="Checked"></script>`;
  const page = (integrity) => `<!doctype html><html><head><title>Integrity</title></head><body>
    <h1>Host page</h1><button id="own">The page's own button</button>
    <script>document.getElementById('own').onclick = () => { document.title = 'clicked'; };</script>
    ${tag(integrity)}</body></html>`;
  site = await startHostSite({
    '/': page(sri(file('sherpa.js'))),
    '/wrong': page(sri(Buffer.from('not the loader'))),
  });
});
after(async () => { await browser?.close(); dev?.stop(); site?.stop(); });

/** `bytes` with one byte changed: the first letter of `marker`, whose case is flipped, so the
 * file stays well-formed (a string in a data segment, a word in a JS string literal) and would
 * load and run as before were it not checked. */
function oneByteChanged(bytes, marker) {
  const at = bytes.indexOf(marker);
  assert.ok(at >= 0, `${marker} is in the file`);
  const out = Buffer.from(bytes);
  out[at] ^= 0x20;
  return out;
}

async function openWith(name, changed) {
  const p = await newPage(browser);
  p.fetched = [];
  await p.route(new RegExp(`/sherpa/${name.replace('.', '\\.')}`), (route) => {
    p.fetched.push(route.request().url());
    route.fulfill({
      status: 200,
      headers: { 'content-type': name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', 'access-control-allow-origin': '*' },
      body: changed,
    });
  });
  await p.goto(site.url + '/');
  return p;
}

async function hostUnharmed(p) {
  assert.equal(await p.locator('h1').innerText(), 'Host page');
  await p.locator('#own').click();
  assert.equal(await p.title(), 'clicked', "the page's own script still runs");
  assert.deepEqual(p.consoleErrors.filter((e) => e.startsWith('pageerror')), [], 'no uncaught error');
}

// The glue holds the answer module's file name in a string; the core wasm the launcher's label.
for (const [name, marker] of [['sherpa_core.js', 'sherpa_answer.wasm'], ['sherpa_core_bg.wasm', 'Open chat']]) {
  test(`${name} with one byte changed is refused: a clear message, nothing runs, the page is fine`, async () => {
    const p = await openWith(name, oneByteChanged(file(name), marker));
    await p.locator('sherpa-chat [part~="launcher"]').click();
    const note = p.locator('sherpa-chat [part~="load-error"]');
    await note.waitFor();
    assert.match(await note.innerText(), /not available/);
    assert.ok(p.fetched.length >= 1, 'the changed file was served');
    assert.equal(await p.locator('sherpa-chat[data-sherpa-mounted]').count(), 0, 'the widget did not start');
    assert.equal(await p.evaluate(() => typeof window.Sherpa?.open), 'function', 'only the loader stub');
    assert.equal(await p.locator('sherpa-chat [part~="panel"]').count(), 0);
    const sherpa = p.consoleErrors.filter((e) => e.startsWith('sherpa:'));
    assert.equal(sherpa.length, 1, p.consoleErrors.join('\n'));
    assert.match(sherpa[0], /could not be loaded/);
    await hostUnharmed(p);
  });
}

test('sherpa_answer.wasm with one byte changed is refused: the question stays, the answer says why', async () => {
  const p = await openWith('sherpa_answer.wasm', oneByteChanged(file('sherpa_answer.wasm'), 'sherpa'));
  const a = await askWithoutAnswerModule(p, 'How do I export my notes?');
  assert.equal(await a.locator('[part~="answer"]').count(), 0, 'no answer: the changed module never ran');
  assert.ok(p.fetched.length >= 1);
  await hostUnharmed(p);
});

test('the unchanged files load and answer; a page hash that does not match blocks the loader itself', async () => {
  const p = await newPage(browser);
  await p.goto(site.url + '/');
  const w = p.locator('sherpa-chat');
  await ask(p, 'How do I export my notes?', w);
  await lastAnswer(w).and(w.locator('[data-state="done"]')).waitFor();
  assert.deepEqual(p.consoleErrors, []);

  const q = await newPage(browser);
  await q.goto(site.url + '/wrong');
  await q.locator('#own').click();
  assert.equal(await q.title(), 'clicked');
  assert.equal(await q.locator('sherpa-chat').count(), 0, 'the loader did not run');
  assert.equal(await q.evaluate(() => typeof window.Sherpa), 'undefined');
});
