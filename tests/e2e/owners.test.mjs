// What site owners get (issue 17): a link to a human under answers and in errors, a disclaimer
// line, opening from the page (their own buttons, a keyboard shortcut, a URL parameter; before
// and after the wasm has loaded), the analytics events, and localised errors whose technical
// detail keeps its own direction in a right-to-left widget.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, newPage, ask, lastAnswer } from './harness.mjs';
import { hostSite, closeHosts, answerIn, until, pageIdle, requests, reset, axe } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

// Every event of the README's table.
const EVENTS = ['ready', 'open', 'close', 'question', 'message', 'error', 'citation-click',
  'source-click', 'show-all-sources', 'copy-answer', 'copy-code', 'feedback', 'regenerate', 'retry',
  'contact', 'new-chat', 'history-switch', 'load-error'].map((n) => 'sherpa:' + n);

const BUTTONS = `<button id="help" class="ask-ai" type="button">Ask AI</button>
  <button id="export" class="ask-ai" type="button" data-sherpa-ask="How do I export my notes?">Export?</button>
  <label>Search the docs <input id="field" type="text"></label>`;
const OPENERS = 'data-trigger=".ask-ai" data-shortcut="mod+k" data-url-param="ask"';

/**
 * A host page with the launcher (script attributes `attrs`) whose `sherpa:*` events are
 * collected in `window.__events`; with `hold`, the wasm is held back until `page.release()`.
 * Links that would open a new tab are not followed (their own handlers still run).
 */
async function site(attrs, { body = BUTTONS, load = 'interaction', query = '', hold = false, apiBase = `${dev.url}/api`, context = {} } = {}) {
  const host = await hostSite({
    '/': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Docs</title></head><body><main>
      <h1 tabindex="-1">Docs</h1>${body}
      <script src="${dev.url}/sherpa/sherpa.js" defer data-load="${load}" data-api-base="${apiBase}"
        data-title="Help" ${attrs}></script></main></body></html>`,
  });
  const page = await newPage(browser, context);
  page.host = host;
  await page.addInitScript((names) => {
    window.__events = [];
    for (const n of names) document.addEventListener(n, (e) => window.__events.push({ type: e.type, detail: e.detail }));
    document.addEventListener('click', (e) => {
      if (e.composedPath().some((n) => n.tagName === 'A' && n.target === '_blank')) e.preventDefault();
    }, true);
    window.__keys = [];
    window.addEventListener('keydown', (e) => window.__keys.push({ key: e.key, prevented: e.defaultPrevented }));
  }, EVENTS);
  page.release = () => {};
  if (hold) {
    const gate = new Promise((r) => { page.release = r; });
    await page.route(/sherpa_core_bg\.wasm/, async (route) => { await gate; await route.continue(); });
  }
  await page.goto(host.url + '/' + query);
  return page;
}
const events = (page, type) => page.evaluate((t) => window.__events.filter((e) => !t || e.type === t), type);
const eventsNow = (page) => page.evaluate(() => window.__events.map((e) => e.type + (e.detail && e.detail.via ? ':' + e.detail.via : '')));
async function waitEvent(page, type, n = 1) {
  await until(async () => (await events(page, type)).length >= n, `${n} × ${type}`);
  return (await events(page, type))[n - 1];
}
const w = (page) => page.locator('sherpa-chat');
const panel = (page) => page.locator('sherpa-chat [part~="panel"]');

test('data-trigger: a site button asks its question before the wasm has loaded; another opens the panel after', async () => {
  const page = await site(OPENERS, { hold: true });
  const wasm = page.waitForRequest(/sherpa_core_bg\.wasm/);
  await page.locator('#export').click();
  await wasm;
  assert.equal(await panel(page).count(), 0, 'the module is still held back');
  page.release();
  await answerIn(w(page), 'done');
  assert.equal(await w(page).locator('[part~="message-user"]').innerText(), 'How do I export my notes?');
  assert.equal((await waitEvent(page, 'sherpa:question')).detail.via, 'trigger');
  assert.equal((await waitEvent(page, 'sherpa:open')).detail.via, 'trigger');
  // Loaded now: close, then the plain trigger opens the panel (and asks nothing).
  await page.keyboard.press('Escape');
  await waitEvent(page, 'sherpa:close');
  await page.locator('#help').click();
  const open = await waitEvent(page, 'sherpa:open', 2);
  assert.equal(open.detail.via, 'trigger');
  assert.ok(await panel(page).isVisible());
  assert.equal((await events(page, 'sherpa:question')).length, 1, 'the plain trigger asked nothing');
  // The page's own script says "api".
  await page.evaluate(() => window.Sherpa.ask('What plans are there?'));
  assert.equal((await waitEvent(page, 'sherpa:question', 2)).detail.via, 'api');
  await waitEvent(page, 'sherpa:message', 2);
  assert.deepEqual(page.consoleErrors, []);
  page.host.stop();
});

test('data-shortcut toggles the panel from the page, before and after loading, never from a text field', async () => {
  const page = await site(OPENERS, { hold: true });
  await page.locator('h1').focus();
  const wasm = page.waitForRequest(/sherpa_core_bg\.wasm/);
  await page.keyboard.press('Control+k');
  await wasm;
  page.release();
  await waitEvent(page, 'sherpa:open');
  await page.waitForFunction(() => document.querySelector('sherpa-chat').shadowRoot.activeElement?.getAttribute('part') === 'input');
  // In the widget's own question box the key is the text field's, not the shortcut's.
  await page.keyboard.press('Control+k');
  await page.keyboard.press('Escape');
  await waitEvent(page, 'sherpa:close');
  // Nor in the page's own input.
  await page.locator('#field').focus();
  await page.keyboard.press('Control+k');
  await page.locator('h1').focus();
  await page.keyboard.press('Control+k');
  await waitEvent(page, 'sherpa:open', 2);
  await page.locator('h1').focus();
  await page.keyboard.press('Control+k');
  await waitEvent(page, 'sherpa:close', 2);
  const seq = (await eventsNow(page)).filter((e) => /^sherpa:(open|close)/.test(e));
  assert.deepEqual(seq, ['sherpa:open:shortcut', 'sherpa:close:escape', 'sherpa:open:shortcut', 'sherpa:close:shortcut']);
  const keys = await page.evaluate(() => window.__keys.filter((k) => k.key === 'k'));
  assert.deepEqual(keys.map((k) => k.prevented), [true, false, false, true, true], 'only the page-level presses were taken');
  // A plain k (no modifier) is just a letter.
  await page.keyboard.press('k');
  assert.deepEqual((await page.evaluate(() => window.__keys)).pop(), { key: 'k', prevented: false });
  page.host.stop();
});

test('data-url-param: ?ask= opens and asks once before the wasm has loaded, then leaves the address bar', async () => {
  await reset(dev);
  const page = await site(OPENERS, { hold: true, query: '?ask=What%20plans%20are%20there%3F&tab=2' });
  await page.waitForFunction(() => location.search === '?tab=2');
  page.release();
  await answerIn(w(page), 'done');
  assert.equal(await w(page).locator('[part~="message-user"]').innerText(), 'What plans are there?');
  assert.equal((await waitEvent(page, 'sherpa:question')).detail.via, 'url');
  assert.equal((await waitEvent(page, 'sherpa:open')).detail.via, 'url');
  const sent = async () => (await requests(dev)).filter((r) => /send-chat-message/.test(r.path)).length;
  assert.equal(await sent(), 1);
  // A reload asks nothing again.
  await page.reload();
  await pageIdle(page);
  assert.equal(new URL(page.url()).search, '?tab=2');
  assert.deepEqual(await events(page, 'sherpa:question'), []);
  assert.equal(await sent(), 1);
  page.host.stop();
});

test('contact link under answers and in errors, disclaimer with links only, events with ids', async () => {
  const page = await site(`data-load="eager" data-contact-url="https://example.com/support"
    data-disclaimer="Answers &lt;b&gt;may&lt;/b&gt; be wrong. Terms: https://example.com/terms."`, { load: 'eager' });
  await ask(page, 'Can I get a refund?', w(page));
  const a = await answerIn(w(page), 'done');
  const contact = a.locator('[part~="contact"]');
  assert.equal(await contact.innerText(), 'Contact support');
  assert.equal(await contact.getAttribute('href'), 'https://example.com/support');
  assert.equal(await contact.getAttribute('target'), '_blank');
  assert.equal(await contact.getAttribute('rel'), 'noopener noreferrer');
  await contact.focus();
  await page.keyboard.press('Enter');
  const ev = await waitEvent(page, 'sherpa:contact');
  assert.equal(ev.detail.url, 'https://example.com/support');
  assert.equal(typeof ev.detail.conversationId, 'string');
  assert.equal(typeof ev.detail.messageId, 'number');
  const done = await waitEvent(page, 'sherpa:message');
  assert.equal(done.detail.messageId, ev.detail.messageId, 'the same answer');
  // The disclaimer: text as written (no markup), its address a link.
  const d = w(page).locator('[part~="disclaimer"]');
  assert.equal(await d.innerText(), 'Answers <b>may</b> be wrong. Terms: https://example.com/terms.');
  assert.equal(await d.locator('b').count(), 0);
  const links = d.locator('a');
  assert.equal(await links.count(), 1);
  assert.equal(await links.getAttribute('href'), 'https://example.com/terms');
  assert.equal(await links.getAttribute('target'), '_blank');
  // An error has the link too.
  await page.route(/send-chat-message$/, (route) => route.fulfill({
    status: 503, headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' }, body: '{"detail":"Down for maintenance for 5 minutes."}',
  }));
  await ask(page, 'Still there?', w(page));
  const e = await answerIn(w(page), 'error');
  assert.equal(await e.locator('[part~="error"] [part~="contact"]').getAttribute('href'), 'https://example.com/support');
  page.host.stop();
});

test('the link is in the error shown when the answer module cannot be fetched, with sherpa:load-error', async () => {
  const page = await site('data-contact-url="mailto:help@example.com" data-contact-text="Write to us"', { load: 'eager' });
  await page.route(/sherpa_answer\.wasm/, (r) => r.abort());
  await ask(page, 'Can I get a refund?', w(page));
  const a = await answerIn(w(page), 'error');
  const contact = a.locator('[part~="contact"]');
  assert.equal(await contact.innerText(), 'Write to us');
  assert.equal(await contact.getAttribute('href'), 'mailto:help@example.com');
  assert.equal(await contact.getAttribute('target'), null, 'a mail link opens no tab');
  assert.equal((await waitEvent(page, 'sherpa:load-error')).detail.part, 'answer');
  page.host.stop();
});

test('Arabic: the error sentence, prefix and contact link are localised; the server detail keeps its own direction', async () => {
  const page = await site('data-lang="ar" data-contact-url="https://example.com/support" data-text-error-prefix="تنبيه:"', { load: 'eager' });
  await page.route(/send-chat-message$/, (route) => route.fulfill({
    status: 503, headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' }, body: '{"detail":"Down for maintenance for 5 minutes."}',
  }));
  await ask(page, 'مرحبا', w(page));
  const a = await answerIn(w(page), 'error');
  const err = a.locator('[part~="error"]');
  const text = await err.innerText();
  assert.match(text, /حدث خطأ ما/, text);
  assert.doesNotMatch(text.split('\n')[0], /maintenance/, 'the visitor reads a sentence in Arabic');
  assert.equal(await err.locator('[part~="contact"]').innerText(), 'تواصل مع الدعم');
  assert.equal(await err.locator('.sr-only').textContent(), 'تنبيه: ');
  const detail = err.locator('[part~="error-details"] p');
  assert.equal(await detail.getAttribute('dir'), 'auto');
  assert.match(await detail.textContent(), /maintenance/);
  // The messages are named for screen readers in the widget's language.
  assert.equal(await w(page).locator('[part~="message-user"]').getAttribute('aria-label'), 'أنت');
  page.host.stop();
});

test('analytics: the events of a visit, each with the conversation and message ids', async () => {
  const page = await site('data-starter-questions="My notes are not syncing, what should I do?" data-contact-url="https://example.com/support"',
    { load: 'eager', context: { permissions: ['clipboard-read', 'clipboard-write'] } });
  await w(page).locator('sherpa-chat[data-sherpa-mounted], [part~="launcher"]').first().waitFor();
  await waitEvent(page, 'sherpa:ready');
  await w(page).locator('[part~="launcher"]').click();
  await w(page).locator('[part~="starter"]').first().click();
  let a = await answerIn(w(page), 'done');
  await a.locator('[part~="copy"]').click();
  await a.locator('[part~="copy-code"]').first().click();
  await a.locator('[part~="citation"]').first().click();
  const showAll = a.locator('[part~="show-all-sources"]');
  if (await showAll.count()) await showAll.click();
  await a.locator('[part~="source-card"] a').first().click();
  await a.locator('[part~="feedback-up"]').click();
  await a.locator('[part~="contact"]').click();
  await a.locator('[part~="regenerate"]').click();
  await waitEvent(page, 'sherpa:message', 2);
  await page.route(/send-chat-message$/, (route) => route.fulfill({
    status: 502, headers: { 'content-type': 'text/html', 'access-control-allow-origin': '*' }, body: '<h1>502</h1>',
  }), { times: 1 });
  await ask(page, 'What plans are there?', w(page));
  a = await answerIn(w(page), 'error');
  await a.locator('[part~="retry"]').click();
  await answerIn(w(page), 'done');
  await waitEvent(page, 'sherpa:message', 4);
  await w(page).locator('[part~="new-chat"]').click();
  await page.keyboard.press('Escape');
  await waitEvent(page, 'sherpa:close');
  const all = await events(page);
  const types = new Set(all.map((e) => e.type));
  for (const t of ['sherpa:open', 'sherpa:close', 'sherpa:question', 'sherpa:message', 'sherpa:error',
    'sherpa:citation-click', 'sherpa:source-click', 'sherpa:copy-answer', 'sherpa:copy-code', 'sherpa:feedback',
    'sherpa:regenerate', 'sherpa:retry', 'sherpa:contact', 'sherpa:new-chat']) {
    assert.ok(types.has(t), `${t} in ${[...types]}`);
  }
  assert.ok(types.size >= 15, [...types].join(' '));
  for (const e of all.filter((e) => e.type !== 'sherpa:ready')) {
    assert.ok('conversationId' in e.detail && 'messageId' in e.detail, `${e.type}: ${JSON.stringify(e.detail)}`);
  }
  const q = all.filter((e) => e.type === 'sherpa:question').map((e) => e.detail.via);
  assert.deepEqual(q, ['starter', 'typed']);
  assert.equal(all.find((e) => e.type === 'sherpa:open').detail.via, 'launcher');
  assert.equal(all.find((e) => e.type === 'sherpa:close').detail.via, 'escape');
  const answerEvents = all.filter((e) => ['sherpa:copy-answer', 'sherpa:citation-click', 'sherpa:feedback', 'sherpa:source-click'].includes(e.type));
  for (const e of answerEvents) {
    assert.equal(typeof e.detail.messageId, 'number', `${e.type} names its answer`);
    assert.equal(typeof e.detail.conversationId, 'string', `${e.type} names its conversation`);
  }
  const cite = all.find((e) => e.type === 'sherpa:citation-click');
  assert.equal(typeof cite.detail.n, 'number');
  assert.equal(typeof cite.detail.documentId, 'string');
  assert.equal(all.find((e) => e.type === 'sherpa:feedback').detail.positive, true);
  assert.match(all.find((e) => e.type === 'sherpa:source-click').detail.url, /^https:\/\//);
  page.host.stop();
});

const DOCS = '<p id="text">A long page of documentation that the panel sits beside.</p>';
const rectOf = (loc) => loc.evaluate((e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, height: r.height, width: r.width }; });

test('data-mode="panel": docked full height at the inline-end edge, pushes the page, reopens on the next page', async () => {
  const page = await site('data-mode="panel" data-panel-push', { load: 'eager', body: DOCS, context: { viewport: { width: 1200, height: 800 } } });
  await waitEvent(page, 'sherpa:ready');
  await w(page).locator('[part~="launcher"]').click();
  const p = panel(page);
  await p.waitFor();
  assert.equal(await p.getAttribute('role'), 'complementary');
  const vw = await page.evaluate(() => document.documentElement.clientWidth);
  const r = await rectOf(p);
  assert.equal(Math.round(r.right), vw, 'at the right edge');
  assert.equal(r.top, 0);
  assert.equal(r.height, 800);
  assert.equal(await w(page).locator('[part~="launcher"]').isVisible(), false, 'the launcher makes way');
  // Pushed: the page's text ends where the panel begins.
  assert.equal(await page.evaluate(() => document.documentElement.style.marginRight), `${r.width}px`);
  assert.ok((await rectOf(page.locator('#text'))).right <= r.left + 0.5, 'the text is beside the panel, not under it');
  const v = await axe(page);
  assert.deepEqual(v, [], JSON.stringify(v, null, 2));
  // The next page of the docs: open again at once, and says why.
  await page.goto(page.host.url + '/');
  await waitEvent(page, 'sherpa:open');
  assert.equal((await events(page, 'sherpa:open'))[0].detail.via, 'restore');
  await p.waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.style.marginRight), `${r.width}px`);
  // Closed, it stays closed on the next page, and the page has its width back.
  await w(page).locator('[part~="close"]').click();
  assert.equal((await waitEvent(page, 'sherpa:close')).detail.via, 'close');
  assert.equal(await page.evaluate(() => document.documentElement.style.marginRight), '');
  await page.goto(page.host.url + '/');
  await waitEvent(page, 'sherpa:ready');
  assert.equal(await p.isVisible(), false);
  assert.deepEqual(await events(page, 'sherpa:open'), []);
  page.host.stop();
});

test('data-mode="panel" without push covers the page; in Arabic it docks to the left edge', async () => {
  const page = await site('data-mode="panel" data-lang="ar" data-persist="none"', { load: 'eager', body: DOCS, context: { viewport: { width: 1000, height: 700 } } });
  await waitEvent(page, 'sherpa:ready');
  await w(page).locator('[part~="launcher"]').click();
  const p = panel(page);
  await p.waitFor();
  const r = await rectOf(p);
  assert.equal(r.left, 0, 'inline-end of a right-to-left widget is the left edge');
  assert.equal(r.height, 700);
  assert.equal(await page.evaluate(() => document.documentElement.style.marginLeft + document.documentElement.style.marginRight), '');
  const input = w(page).locator('[part~="input"]');
  await input.fill('Can I get a refund?');
  await input.press('Enter');
  await answerIn(w(page), 'done');
  const v = await axe(page);
  assert.deepEqual(v, [], JSON.stringify(v, null, 2));
  await page.keyboard.press('Escape');
  assert.equal((await waitEvent(page, 'sherpa:close')).detail.via, 'escape');
  await page.waitForFunction(() => document.querySelector('sherpa-chat').shadowRoot.activeElement?.getAttribute('part') === 'launcher');
  page.host.stop();
});

test('a follow-up chip reports its question as via "follow-up"', async () => {
  const page = await site('data-backend="odyssey" data-workspace-id="lumen" data-user-id="u" data-api-key="od_k"', { load: 'eager' });
  await ask(page, 'How do I export my notes?', w(page));
  const chip = lastAnswer(w(page)).locator('[part~="follow-up"]').first();
  await chip.waitFor();
  const q = await chip.innerText();
  await chip.click();
  const ev = await waitEvent(page, 'sherpa:question', 2);
  assert.deepEqual([ev.detail.via, ev.detail.question], ['follow-up', q]);
  page.host.stop();
});

test('a data-trigger that is not a CSS selector is one console line; clicks on the page throw nothing', async () => {
  const page = await site('data-trigger="[[not a selector" data-load="eager"', { load: 'eager' });
  await waitEvent(page, 'sherpa:ready');
  await page.locator('#help').click();
  await page.locator('h1').click();
  await w(page).locator('[part~="launcher"]').click();
  await panel(page).waitFor();
  assert.deepEqual(page.consoleErrors, ['sherpa: data-trigger="[[not a selector" is not a CSS selector']);
  assert.deepEqual(await events(page, 'sherpa:question'), []);
  page.host.stop();
});
