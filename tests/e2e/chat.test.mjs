// The complete chat experience, end to end in Chromium against the dev server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDevServer, startHostSite, launchBrowser, newPage, ask, lastAnswer, artifacts } from './harness.mjs';
import { widgetPage as sharedWidgetPage, answerIn, requests as recordedRequests, reset, closeHosts, textReaches, until } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 8 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

// The shared helpers (quality.mjs), bound to this file's dev server and browser.
const widgetPage = (attrs, opts) => sharedWidgetPage(browser, dev, attrs, opts);
const done = (page, scope = page) => answerIn(scope, 'done');
const requests = () => recordedRequests(dev);
const clearRequests = () => reset(dev);

test('markdown, citations that reveal source cards, show all', async () => {
  const page = await widgetPage('data-backend="onyx"');
  await ask(page, 'My notes are not syncing, what should I do?');
  const a = await done(page);
  // Real markdown: a list and a code block with a copy button.
  assert.ok(await a.locator('[part~="answer"] ol li, [part~="answer"] ul li').count() >= 2);
  assert.equal(await a.locator('[part~="answer"] pre code').count() >= 1, true);
  assert.equal(await a.locator('[part~="copy-code"]').count() >= 1, true);
  // Citations are buttons that resolve to source cards.
  const cites = a.locator('[part~="citation"]');
  assert.ok(await cites.count() >= 1, 'at least one citation');
  assert.equal(await a.locator('.citation.pending').count(), 0, 'no unresolved placeholder once done');
  const first = cites.first();
  const n = await first.getAttribute('data-citation');
  await first.click();
  // The matching source card is highlighted and gets focus.
  await page.waitForFunction(() => document.querySelector('sherpa-chat').shadowRoot.activeElement?.getAttribute('part') === 'source-card');
  const card = a.locator('[part~="source-card"].highlight');
  assert.equal(await card.locator('.source-n').innerText(), n);
  const link = card.locator('a.source-title');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.match(await link.getAttribute('href'), /^https:\/\//);
  // A few cards shown, the rest behind "show all".
  const cards = await a.locator('[part~="source-card"]').count();
  const showAll = a.locator('[part~="show-all-sources"]');
  if (await showAll.count()) {
    assert.equal(cards, 3);
    await showAll.click();
    assert.ok(await a.locator('[part~="source-card"]').count() > 3);
  }
  await page.screenshot({ path: path.join(artifacts, 'chat-markdown-citations.png') });
  assert.deepEqual(page.consoleErrors, []);
  page.host.stop();
});

test('a table answer, copy, thumbs up reaches the feedback endpoint', async () => {
  const page = await widgetPage('data-backend="onyx"', { context: { permissions: ['clipboard-read', 'clipboard-write'] } });
  await ask(page, 'What plans are there?');
  const a = await done(page);
  assert.ok(await a.locator('table th').count() >= 2, 'a table');
  await a.locator('[part~="copy"]').click();
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(clip.length > 20 && !clip.includes('\uE000'), 'plain answer text copied');
  await a.locator('[part~="feedback-up"]').click();
  await a.locator('[part~="feedback-send"]').click();
  await a.locator('[part~="feedback-up"][aria-pressed="true"]').waitFor();
  const fb = await (await fetch(dev.url + '/api/_test/feedback')).json();
  assert.ok(fb.some((f) => f.is_positive === true), JSON.stringify(fb));
  page.host.stop();
});

test('starter questions from the persona and from data-starter-questions; follow-ups send', async () => {
  const page = await widgetPage('data-backend="onyx" data-persona-id="0"');
  await page.locator('sherpa-chat [part~="launcher"]').click();
  const starters = page.locator('[part~="starter"]');
  await starters.first().waitFor();
  assert.ok(await starters.count() >= 2, 'persona starter_messages shown');
  page.host.stop();

  const page2 = await widgetPage('data-starter-questions="Can I get a refund? | What plans are there?"', { inline: true });
  const s2 = page2.locator('#w [part~="starter"]');
  await s2.first().waitFor();
  assert.deepEqual(await s2.allInnerTexts(), ['Can I get a refund?', 'What plans are there?']);
  await s2.first().press('Enter');
  await done(page2, page2.locator('#w'));
  assert.equal(await page2.locator('#w [part~="message-user"]').innerText(), 'Can I get a refund?');
  page2.host.stop();

  const page3 = await widgetPage('data-backend="odyssey" data-workspace-id="lumen" data-user-id="u1" data-api-key="od_key"', { inline: true });
  const w = page3.locator('#w');
  await ask(page3, 'How do I export my notes?', w);
  const a = await done(page3, w);
  const chips = a.locator('[part~="follow-up"]');
  assert.ok(await chips.count() >= 1, 'odyssey follow-ups');
  assert.ok(await a.locator('[part~="source-card"]').count() >= 1, 'odyssey sources');
  const q = await chips.first().innerText();
  await chips.first().click();
  await w.locator('[part~="message-user"]').nth(1).waitFor();
  assert.equal(await w.locator('[part~="message-user"]').nth(1).innerText(), q);
  await done(page3, w);
  page3.host.stop();
});

test('stop keeps the partial answer and calls the stop endpoint', async () => {
  await clearRequests();
  const page = await widgetPage('data-backend="onyx"', { inline: true });
  const w = page.locator('#w');
  // A slow stream so there is time to stop it.
  await page.evaluate(() => 0);
  const page2 = await widgetPage('data-backend="onyx"', { apiBase: `${dev.url}/f/pace=120/api`, inline: true });
  page.host.stop();
  const w2 = page2.locator('#w');
  await ask(page2, 'Can I get a refund?', w2);
  const a = lastAnswer(w2);
  await a.and(w2.locator('[data-state="streaming"]')).waitFor();
  await w2.locator('[part~="stop"]').click();
  await a.and(w2.locator('[data-state="stopped"]')).waitFor();
  const partial = await a.locator('[part~="answer"]').innerText();
  assert.ok(partial.length > 0, 'partial answer kept');
  const reqs = await requests();
  assert.ok(reqs.some((r) => /stop-chat-session\//.test(r.path)), 'stop endpoint called');
  // The composer is usable again.
  await w2.locator('[part~="input"]').fill('next');
  assert.equal(await w2.locator('[part~="send"]').isEnabled(), true);
  void w;
  page2.host.stop();
});

test('errors: specific message, question kept, retry completes; regenerate', async () => {
  const page = await widgetPage('data-backend="onyx"', { apiBase: `${dev.url}/f/midstream-error,once,id=e1/api`, inline: true });
  const w = page.locator('#w');
  await ask(page, 'Can I get a refund?', w);
  const a = lastAnswer(w);
  await a.and(w.locator('[data-state="error"]')).waitFor();
  assert.match(await a.locator('[part~="error"]').innerText(), /Too many questions/);
  assert.match(await a.locator('[part~="error-details"]').textContent(), /Rate limit exceeded/);
  assert.ok((await a.locator('[part~="answer"]').innerText()).length > 0, 'partial text kept');
  assert.equal(await w.locator('[part~="message-user"]').innerText(), 'Can I get a refund?');
  await a.locator('[part~="retry"]').click();
  await done(page, w);
  assert.equal(await w.locator('[part~="error"]').count(), 0);
  assert.equal(await w.locator('[part~="message-assistant"]').count(), 1, 'the answer was replaced, not duplicated');
  await w.locator('[part~="regenerate"]').click();
  await a.and(w.locator('[data-state="done"]')).waitFor();
  page.host.stop();
});

test('keyboard: Enter opens, Esc closes and focus returns to the launcher', async () => {
  const page = await widgetPage('data-backend="onyx"');
  const launcher = page.locator('sherpa-chat [part~="launcher"]');
  await launcher.focus();
  await page.keyboard.press('Enter');
  await page.locator('sherpa-chat [part~="panel"]').waitFor();
  const active = () => page.evaluate(() => document.querySelector('sherpa-chat').shadowRoot.activeElement?.getAttribute('part'));
  assert.equal(await active(), 'input');
  await page.keyboard.press('Escape');
  await page.locator('sherpa-chat [part~="panel"]').waitFor({ state: 'hidden' });
  assert.equal(await active(), 'launcher');
  page.host.stop();
});

test('persistence: a reload restores the conversation; a reload mid-stream shows it interrupted with retry', async () => {
  const page = await widgetPage('data-backend="onyx" data-persist="session"', { inline: true });
  const w = page.locator('#w');
  await ask(page, 'Can I get a refund?', w);
  await done(page, w);
  const before = await lastAnswer(w).locator('[part~="answer"]').innerText();
  await page.reload();
  await lastAnswer(w).and(w.locator('[data-state="done"]')).waitFor();
  assert.equal(await lastAnswer(w).locator('[part~="answer"]').innerText(), before);
  assert.ok(await lastAnswer(w).locator('[part~="citation"]').count() >= 1, 'citations restored');
  // Second turn continues the same server session.
  await clearRequests();
  await ask(page, 'What plans are there?', w);
  await done(page, w);
  const sent = (await requests()).filter((r) => r.path.endsWith('send-chat-message'));
  assert.equal(sent.length, 1);
  assert.ok(sent[0].body.chat_session_id, 'session id restored');
  assert.equal(typeof sent[0].body.parent_message_id, 'number', 'chained to the previous answer');
  page.host.stop();

  const slow = await widgetPage('data-backend="onyx"', { apiBase: `${dev.url}/f/pace=150/api`, inline: true });
  const s = slow.locator('#w');
  await ask(slow, 'Can I get a refund?', s);
  await lastAnswer(s).and(s.locator('[data-state="streaming"]')).waitFor();
  await textReaches(lastAnswer(s).locator('[part~="answer"]'), 20);
  const partial = await lastAnswer(s).locator('[part~="answer"]').innerText();
  await slow.reload();
  const a = lastAnswer(s);
  await a.and(s.locator('[data-state="error"]')).waitFor();
  assert.ok((await a.locator('[part~="answer"]').innerText()).startsWith(partial.slice(0, 10)), 'partial text restored');
  await a.locator('[part~="retry"]').click();
  await a.and(s.locator('[data-state="done"]')).waitFor({ timeout: 30000 });
  slow.host.stop();
});

test('storage disabled: the widget still works in memory', async () => {
  const host = await startHostSite({ '/': {
    body: `<!doctype html><body><script>Object.defineProperty(window,'sessionStorage',{get(){throw new DOMException('denied','SecurityError')}});</script>
      <div id="w" data-sherpa style="height:500px"></div><script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${dev.url}/api"></script></body>`,
  } });
  const page = await newPage(browser);
  await page.goto(host.url + '/');
  const w = page.locator('#w');
  await ask(page, 'Can I get a refund?', w);
  await done(page, w);
  assert.deepEqual(page.consoleErrors, []);
  host.stop();
});

test('i18n and RTL; JS API and DOM events', async () => {
  const page = await widgetPage('data-lang="ar" data-backend="onyx"');
  const events = [];
  await page.exposeFunction('__record', (e) => events.push(e));
  await page.evaluate(() => {
    const h = document.querySelector('sherpa-chat');
    for (const n of ['sherpa:open', 'sherpa:close', 'sherpa:message', 'sherpa:error']) {
      document.addEventListener(n, (e) => window.__record({ type: e.type, detail: e.detail && e.detail.state }));
    }
    void h;
  });
  assert.equal(await page.locator('sherpa-chat .sherpa').getAttribute('dir'), 'rtl');
  await page.evaluate(() => window.Sherpa.open());
  await page.locator('sherpa-chat [part~="panel"]').waitFor();
  const label = await page.locator('sherpa-chat [part~="input"]').getAttribute('aria-label');
  assert.match(label, /[\u0600-\u06FF]/, 'Arabic label');
  await page.evaluate(() => window.Sherpa.ask('Can I get a refund?'));
  await done(page, page.locator('sherpa-chat'));
  await page.evaluate(() => window.Sherpa.close());
  await until(() => events.some((e) => e.type === 'sherpa:close'), 'the sherpa:close event');
  const types = events.map((e) => e.type);
  assert.ok(types.includes('sherpa:open') && types.includes('sherpa:message') && types.includes('sherpa:close'), types.join());
  assert.equal(events.find((e) => e.type === 'sherpa:message').detail, 'done');
  await page.screenshot({ path: path.join(artifacts, 'chat-rtl.png') });
  page.host.stop();
});

test('mobile: the panel fills the screen; scrolling up shows jump to latest', async () => {
  const page = await widgetPage('data-backend="onyx"', { apiBase: `${dev.url}/f/pace=40/api`, context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } });
  await page.locator('sherpa-chat [part~="launcher"]').click();
  // Measured once the opening transition has ended.
  await page.locator('sherpa-chat [part~="panel"]').evaluate((e) => Promise.all(e.getAnimations().map((a) => a.finished)));
  const box = await page.locator('sherpa-chat [part~="panel"]').boundingBox();
  assert.equal(Math.round(box.width), 390);
  assert.ok(box.height > 800);
  await ask(page, 'My notes are not syncing, what should I do?');
  const a = lastAnswer(page);
  await a.and(page.locator('[data-state="streaming"]')).waitFor();
  // Enough text that the thread scrolls.
  await page.waitForFunction(() => { const t = document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~=thread]'); return t.scrollHeight > t.clientHeight + 200; }, null, { timeout: 20000 });
  await page.evaluate(() => { const t = document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~=thread]'); t.scrollTop = 0; t.dispatchEvent(new Event('scroll')); });
  const jump = page.locator('sherpa-chat [part~="jump"]');
  await jump.waitFor();
  const top = await page.evaluate(() => document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~=thread]').scrollTop);
  assert.equal(top, 0, 'the thread does not yank the reader down');
  await jump.click();
  await done(page);
  await page.screenshot({ path: path.join(artifacts, 'chat-mobile.png') });
  page.host.stop();
});
