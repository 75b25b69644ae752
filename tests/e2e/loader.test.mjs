// The lazy loader in Chromium: the page pays for the launcher only; the wasm comes on
// interaction, idle time or when an inline instance nears the viewport; an early click is kept;
// the hand-over from the loader's launcher to the widget's is invisible; a strict CSP is enough.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, startHostSite, launchBrowser, newPage, ask, lastAnswer } from './harness.mjs';
import { pageIdle, settled, until, askWithoutAnswerModule } from './quality.mjs';

let dev, browser, site;
const wasmRe = /sherpa_core(_bg\.wasm|\.js)/;
const answerRe = /sherpa_answer\.wasm/;
// What Chromium logs of a file that failed (its status, or the integrity check an error page
// fails), and what wasm-split's module loader logs of the rejected fetch.
const failedFetchLine = /\b(404|503)\b|HTTP status code is not ok|integrity|SRI|^TypeError: Failed to fetch/;

function page(body, scriptAttrs = '') {
  return `<!doctype html><html><head><title>Loader</title></head><body>
    <h1>Host page</h1>${body}
    <script src="${dev.url}/sherpa/sherpa.js" defer data-api-base="${dev.url}/api"
      data-title="Loader help" ${scriptAttrs}></script></body></html>`;
}

before(async () => {
  dev = await startDevServer({ paceMs: 2 });
  browser = await launchBrowser();
  site = await startHostSite({
    '/interaction': page('', 'data-load="interaction"'),
    '/left': page('', 'data-load="interaction" data-position="bottom-left" data-accent="#b00060"'),
    '/rtl': page('', 'data-load="interaction" data-lang="ar-EG" data-theme="dark"'),
    '/fr': page('', 'data-load="interaction" data-lang="fr_CA" data-text-open-chat="Besoin d’aide ? {title}"'),
    '/idle': page('<img src="/slow.png" alt="">'),
    '/inline': page(`<div style="height:6000px">tall content</div>
      <div id="far" data-sherpa data-title="Far below" style="height:400px"></div>`,
    'data-load="interaction" data-mode="inline"'),
    '/spa': page(`<div id="app"></div><script>
      setTimeout(function () {
        var d = document.createElement('section');
        d.innerHTML = '<div id="late" data-sherpa data-title="Added later" style="height:400px"></div>';
        document.getElementById('app').appendChild(d);
      }, 300);</script>`, 'data-load="interaction" data-mode="inline"'),
  });
});
after(async () => { await browser?.close(); dev?.stop(); site?.stop(); });

/** A page that lists the widget module's requests; `delayMs` holds the wasm back. */
async function open(pathname, { delayMs = 0 } = {}) {
  const p = await newPage(browser, { viewport: { width: 1000, height: 700 } });
  p.moduleRequests = [];
  p.on('request', (r) => { if (wasmRe.test(r.url())) p.moduleRequests.push(r.url()); });
  if (delayMs) {
    await p.route(/sherpa_core_bg\.wasm/, async (route) => {
      await new Promise((r) => setTimeout(r, delayMs));
      await route.continue();
    });
  }
  await p.goto(site.url + pathname);
  return p;
}

const launcher = (p) => p.locator('sherpa-chat [part~="launcher"]');
const mounted = (p) => p.locator('sherpa-chat[data-sherpa-mounted] [part~="panel"]').waitFor({ state: 'attached' });
/** Opens the panel once the widget has taken over the launcher (no race with the hand-over). */
async function openPanel(p) {
  await launcher(p).hover();
  await mounted(p);
  await launcher(p).click();
  await p.locator('sherpa-chat [part~="input"]').waitFor({ state: 'visible' });
}

test('no wasm before interaction; hover loads it and the widget takes over the same host', async () => {
  const p = await open('/interaction');
  await launcher(p).waitFor();
  await pageIdle(p); // load event done, idle time passed
  assert.deepEqual(p.moduleRequests, [], 'nothing but the loader before interaction');
  assert.equal(await launcher(p).getAttribute('aria-label'), 'Open chat: Loader help');
  const before = await launcher(p).screenshot();
  await launcher(p).hover();
  await mounted(p);
  assert.equal(p.moduleRequests.length, 2, p.moduleRequests.join('\n'));
  assert.equal(await p.locator('sherpa-chat').count(), 1, 'the widget reused the loader\'s host');
  assert.equal(await launcher(p).count(), 1, 'the placeholder is gone');
  assert.equal(await launcher(p).getAttribute('aria-label'), 'Open chat: Loader help');
  const afterShot = await launcher(p).screenshot();
  assert.ok(before.equals(afterShot), 'the hand-over is invisible (same pixels)');
  assert.deepEqual(p.consoleErrors, []);
});

test('a click before the wasm is ready opens the panel when ready, with focus in the input', async () => {
  const p = await open('/interaction', { delayMs: 600 });
  await launcher(p).click();
  assert.equal(await p.locator('sherpa-chat[data-sherpa-mounted]').count(), 0, 'clicked before ready');
  const input = p.locator('sherpa-chat [part~="input"]');
  await input.waitFor({ state: 'visible' });
  await p.waitForFunction(() => {
    const root = document.querySelector('sherpa-chat').shadowRoot;
    return document.activeElement?.localName === 'sherpa-chat'
      && root.activeElement?.getAttribute('part')?.split(' ').includes('input');
  }, null, { timeout: 3000 });
  assert.equal(await launcher(p).getAttribute('aria-expanded'), 'true');
  assert.deepEqual(p.consoleErrors, []);
});

test('a press that the widget takes over before its release still opens the panel', async () => {
  const p = await open('/interaction', { delayMs: 400 });
  const box = await launcher(p).boundingBox();
  await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2); // hover: the wasm starts loading
  await p.mouse.down();
  await mounted(p); // the widget's launcher replaces the placeholder under the held button
  await p.mouse.up();
  await p.locator('sherpa-chat [part~="input"]').waitFor({ state: 'visible' });
  assert.deepEqual(p.consoleErrors, []);
});

test('keyboard focus on the launcher loads the wasm', async () => {
  const p = await open('/interaction');
  await launcher(p).waitFor();
  await pageIdle(p);
  assert.deepEqual(p.moduleRequests, []);
  await p.keyboard.press('Tab');
  await mounted(p);
  assert.equal(p.moduleRequests.length, 2);
  // Focus stays on the launcher through the hand-over.
  assert.equal(await p.evaluate(() => document.querySelector('sherpa-chat').shadowRoot.activeElement?.getAttribute('part')), 'launcher');
});

for (const [pathname, expectX, expectLabel, extra] of [
  ['/left', 20, 'Open chat: Loader help', /rgb\(176, 0, 96\)/],
  ['/rtl', 20, 'فتح المحادثة: Loader help', /rtl/],
  ['/fr', 1000 - 20 - 56, 'Besoin d’aide ? Loader help', /ltr/],
]) {
  test(`launcher parity before and after the hand-over: ${pathname}`, async () => {
    const p = await open(pathname);
    await launcher(p).waitFor();
    const look = () => launcher(p).evaluate((b) => {
      const s = getComputedStyle(b);
      const r = b.getBoundingClientRect();
      const w = b.parentElement;
      return [r.x, r.y, r.width, r.height, s.backgroundColor, s.color, s.borderRadius, s.boxShadow,
        b.getAttribute('aria-label'), b.getAttribute('aria-expanded'), w.className, w.dir, w.lang,
        w.dataset.mode, w.dataset.position, w.dataset.theme].join(' | ');
    });
    const before = await look();
    assert.ok(before.startsWith(`${expectX} |`), before);
    assert.ok(before.includes(expectLabel), before);
    assert.match(before, extra);
    const shot = await launcher(p).screenshot();
    await launcher(p).hover();
    await mounted(p);
    assert.equal(await look(), before);
    assert.ok(shot.equals(await launcher(p).screenshot()), 'same pixels');
    assert.deepEqual(p.consoleErrors, []);
  });
}

test('by default the bytes are fetched when idle after the load event (never delaying it), and nothing runs before intent', async () => {
  // The page's slow image holds the load event back; the widget must wait for it, not the reverse.
  const p = await newPage(browser);
  // Any compile of a wasm module, and the widget's own boot, would show here.
  await p.addInitScript(() => {
    window.__compiled = 0;
    for (const k of ['instantiateStreaming', 'instantiate', 'compileStreaming', 'compile']) {
      const f = WebAssembly[k];
      WebAssembly[k] = function (...a) { window.__compiled++; return f.apply(this, a); };
    }
  });
  const requests = [];
  const finished = [];
  p.on('request', (r) => { if (wasmRe.test(r.url())) requests.push([r.url(), Date.now()]); });
  p.on('requestfinished', (r) => { if (wasmRe.test(r.url())) finished.push(r.url()); });
  await p.route('**/slow.png', async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.fulfill({ status: 200, contentType: 'image/png', body: Buffer.alloc(0) });
  });
  let loadAt = 0;
  const loaded = p.waitForEvent('load').then(() => { loadAt = Date.now(); });
  await p.goto(site.url + '/idle', { waitUntil: 'commit' });
  await loaded;
  await until(() => finished.length === 2, 'both files fetched when idle');
  assert.ok(requests.every(([, at]) => at >= loadAt), 'module requested only after the load event');
  const timing = await p.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventStart);
  assert.ok(timing < 2500, `load event at ${timing} ms`);
  // Fetched, not run: no wasm compiled, no widget mounted, window.Sherpa still the stub.
  await p.evaluate(() => new Promise((r) => requestIdleCallback(() => requestAnimationFrame(r))));
  assert.equal(await p.evaluate(() => window.__compiled), 0, 'no wasm compiled before intent');
  assert.equal(await p.locator('sherpa-chat[data-sherpa-mounted]').count(), 0, 'not booted before intent');
  assert.equal(await p.evaluate(() => window.Sherpa === window.__sherpaLoader.stub), true, 'window.Sherpa still the stub');
  // A pointer near the launcher is intent: the module compiles and boots, without fetching
  // the wasm again.
  const box = await launcher(p).boundingBox();
  await p.mouse.move(box.x - 60, box.y + box.height / 2);
  await mounted(p);
  assert.ok(await p.evaluate(() => window.__compiled) >= 1);
  assert.equal(requests.filter(([u]) => /\.wasm/.test(u)).length, 1, 'the wasm fetched once');
});

test('an inline instance far down the page loads when scrolled near the viewport', async () => {
  const p = await open('/inline');
  await pageIdle(p);
  await settled(p); // the observer has reported where the instance is
  assert.deepEqual(p.moduleRequests, [], 'nothing while it is far away');
  assert.equal(await p.locator('sherpa-chat').count(), 0, 'data-mode="inline" on the script: no launcher');
  await p.evaluate(() => window.scrollTo(0, document.body.scrollHeight - 1500));
  await p.locator('#far [part~="header"]').getByText('Far below').waitFor();
  assert.equal(p.moduleRequests.length, 2);
  assert.deepEqual(p.consoleErrors, []);
});

test('works under a strict CSP (no inline styles, no eval)', async () => {
  const p = await newPage(browser);
  const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";
  await p.route(dev.url + '/csp.html', (route) => route.fulfill({
    status: 200,
    headers: { 'content-type': 'text/html', 'content-security-policy': csp },
    body: `<!doctype html><body><h1>CSP</h1><script src="/sherpa/sherpa.js" data-load="interaction"
      data-api-base="/api" data-accent="#225500"></script></body>`,
  }));
  const violations = [];
  await p.exposeFunction('__violation', (v) => violations.push(v));
  await p.addInitScript(() => document.addEventListener('securitypolicyviolation',
    (e) => window.__violation(`${e.violatedDirective} ${e.blockedURI}`)));
  await p.goto(dev.url + '/csp.html');
  await launcher(p).click();
  await p.locator('sherpa-chat [part~="input"]').waitFor({ state: 'visible' });
  assert.deepEqual(violations, []);
  assert.deepEqual(p.consoleErrors, []);
});

test('a module that cannot be loaded leaves the page alone and says so once in the console', async () => {
  const p = await newPage(browser);
  await p.route(/sherpa_core_bg\.wasm/, (route) => route.fulfill({ status: 404, body: 'gone' }));
  await p.goto(site.url + '/interaction');
  await launcher(p).click();
  await p.waitForFunction(() => document.querySelector('sherpa-chat').shadowRoot
    .querySelector('[part~="launcher"]').style.cursor === 'not-allowed');
  const errors = p.consoleErrors.filter((e) => e.startsWith('sherpa:'));
  assert.equal(errors.length, 1, p.consoleErrors.join('\n'));
  assert.match(errors[0], /could not be loaded/);
  const note = p.locator('sherpa-chat [part~="load-error"]');
  assert.match(await note.innerText(), /The chat is not available right now/, 'the visitor is told');
  assert.equal(await p.locator('sherpa-chat [part~="launcher"]').getAttribute('aria-disabled'), 'true');
  const others = p.consoleErrors.filter((e) => !e.startsWith('sherpa:') && !failedFetchLine.test(e));
  assert.deepEqual(others, [], 'no unhandled rejection or other error');
  assert.equal(await p.locator('h1').innerText(), 'Host page');
});

test('the answer module comes when the user starts typing, not with the panel', async () => {
  const p = await open('/interaction');
  const fetched = [];
  p.on('request', (r) => { if (answerRe.test(r.url())) fetched.push(r.url()); });
  await openPanel(p);
  const input = p.locator('sherpa-chat [part~="input"]');
  await input.waitFor({ state: 'visible' });
  await pageIdle(p);
  assert.deepEqual(fetched, [], 'opening the panel fetches the main module only');
  await Promise.all([p.waitForRequest(answerRe), input.pressSequentially('How')]);
  const w = p.locator('sherpa-chat');
  for (const q of ['How do I export my notes?', 'How do I share a notebook?']) {
    await ask(p, q, w);
    await lastAnswer(w).and(w.locator('[data-state="done"]')).waitFor();
  }
  assert.equal(fetched.length, 1, fetched.join('\n'));
  assert.ok((await lastAnswer(w).locator('[part~="answer"]').innerText()).length > 20);
  assert.deepEqual(p.consoleErrors, []);
});

test('pointing at or tabbing to a starter question fetches the answer module', async () => {
  for (const how of ['hover', 'focus']) {
    const p = await open('/interaction');
    const fetched = [];
    p.on('request', (r) => { if (answerRe.test(r.url())) fetched.push(r.url()); });
    await openPanel(p);
    const chip = p.locator('sherpa-chat [part~="starter"]').first();
    await chip.waitFor();
    await pageIdle(p);
    assert.deepEqual(fetched, [], 'not before pointing at it');
    await Promise.all([p.waitForRequest(answerRe), how === 'hover' ? chip.hover() : chip.focus()]);
    assert.deepEqual(p.consoleErrors, []);
  }
});

test('an answer module that cannot be fetched: the question stays, the answer says why, retry loads it', async () => {
  const p = await open('/interaction');
  let down = true;
  await p.route(answerRe, (route) => (down ? route.fulfill({ status: 503, body: 'down' }) : route.continue()));
  const w = p.locator('sherpa-chat');
  const a = await askWithoutAnswerModule(p, 'How do I export my notes?');
  assert.equal(await w.locator('[part~="send"]').count(), 1, 'not busy: the composer can send again');
  down = false;
  await a.locator('[part~="retry"]').click();
  await a.and(w.locator('[data-state="done"]')).waitFor();
  assert.ok((await a.locator('[part~="answer"]').innerText()).length > 20);
  // The failed fetch is logged by the browser and by the module loader; nothing else is.
  const others = p.consoleErrors.filter((e) => !failedFetchLine.test(e));
  assert.deepEqual(others, []);
});

test('a saved conversation whose answer module fails to load at start is shown once it loads, before anything else is asked', async () => {
  const p = await open('/interaction');
  const w = p.locator('sherpa-chat');
  await ask(p, 'How do I export my notes?', w);
  await lastAnswer(w).and(w.locator('[data-state="done"]')).waitFor();
  let down = true;
  await p.route(answerRe, (route) => (down ? route.fulfill({ status: 503, body: 'down' }) : route.continue()));
  await p.reload();
  await openPanel(p);
  await w.locator('[part~="input"]').waitFor({ state: 'visible' });
  await until(() => p.consoleErrors.some((e) => /saved conversation cannot be shown/.test(e)), 'the console note about the saved conversation');
  assert.equal(await w.locator('[part~="message"]').count(), 0, 'not shown while the module is missing');
  down = false;
  await w.locator('[part~="input"]').pressSequentially('How');
  await w.locator('[part~="message-user"]').getByText('How do I export my notes?').waitFor();
  await ask(p, 'How do I share a notebook?', w);
  await lastAnswer(w).and(w.locator('[data-state="done"]')).waitFor();
  const questions = await w.locator('[part~="message-user"]').allInnerTexts();
  assert.deepEqual(questions, ['How do I export my notes?', 'How do I share a notebook?']);
});

test('window.Sherpa works before the wasm is loaded: calls are kept and replayed', async () => {
  const p = await open('/interaction');
  await launcher(p).waitFor();
  assert.deepEqual(p.moduleRequests, []);
  await p.evaluate(() => window.Sherpa.open());
  await p.locator('sherpa-chat [part~="panel"]').waitFor({ state: 'visible' });
  assert.equal(await p.locator('sherpa-chat').count(), 1);
  await p.evaluate(() => window.Sherpa.ask('How do I export my notes?'));
  await p.locator('sherpa-chat [part~="message-user"]').getByText('How do I export my notes?').waitFor();
  assert.deepEqual(p.consoleErrors, []);

  // An inline instance far below the viewport is mounted for a call that targets it.
  const q = await open('/inline');
  await pageIdle(q);
  assert.deepEqual(q.moduleRequests, []);
  await q.evaluate(() => window.Sherpa.ask('How do I share a notebook?', '#far'));
  await q.locator('#far [part~="message-user"]').getByText('How do I share a notebook?').waitFor();
  assert.deepEqual(q.consoleErrors, []);
});

test('a [data-sherpa] element added after load (single-page app) gets a widget', async () => {
  const p = await open('/spa');
  const header = p.locator('#late [part~="header"]');
  await header.getByText('Added later').waitFor();
  assert.equal(await p.locator('#late[data-sherpa-mounted]').count(), 1);
  assert.deepEqual(p.consoleErrors, []);
});
