// Persistence: a reload (or another tab, for local) restores the conversation with its
// citations and continues the same server session; a reload mid-stream keeps the partial
// answer and offers a retry that completes; data-persist="none" forgets on reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask, lastAnswer } from './harness.mjs';
import { widgetPage, answerIn, requests, reset, closeHosts, textReaches } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

const answerText = async (scope) => lastAnswer(scope).locator('[part~="answer"]').innerText();

test('local: another tab and a reload restore the conversation; the next turn continues the session', async () => {
  await reset(dev);
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persist="local"', { inline: true });
  const w = page.locator('#w');
  await ask(page, 'Can I get a refund?', w);
  await answerIn(w, 'done');
  const text = await answerText(w);
  // A second tab of the same site (same localStorage) shows the same conversation.
  const tab = await page.context().newPage();
  await tab.goto(page.host.url + '/');
  const tw = tab.locator('#w');
  await answerIn(tw, 'done');
  assert.equal(await answerText(tw), text);
  assert.ok(await lastAnswer(tw).locator('[part~="citation"]').count() >= 1, 'citations restored');
  await tab.close();
  await page.reload();
  await answerIn(w, 'done');
  assert.equal(await answerText(w), text);
  await ask(page, 'What plans are there?', w);
  await answerIn(w, 'done');
  const sent = (await requests(dev)).filter((r) => r.path.endsWith('send-chat-message'));
  assert.equal(sent.length, 2);
  assert.equal(sent[1].body.chat_session_id, sent[0].body.chat_session_id, 'same session after the reload');
  assert.equal(typeof sent[1].body.parent_message_id, 'number');
  page.host.stop();
});

test('session (default): a launcher restores after a reload, but a new tab starts fresh', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"');
  const scope = page.locator('sherpa-chat');
  await ask(page, 'How do I export my notes?', scope);
  await answerIn(scope, 'done');
  const text = await answerText(scope);
  await page.reload();
  await page.locator('sherpa-chat[data-sherpa-mounted] [part~="launcher"]').waitFor();
  if (!(await scope.locator('[part~="panel"]').isVisible())) await scope.locator('[part~="launcher"]').click();
  await answerIn(scope, 'done');
  assert.equal(await answerText(scope), text);
  assert.equal(await scope.locator('[part~="message-user"]').innerText(), 'How do I export my notes?');
  const tab = await page.context().newPage();
  await tab.goto(page.host.url + '/');
  await tab.locator('sherpa-chat[data-sherpa-mounted] [part~="launcher"]').click();
  await tab.locator('sherpa-chat [part~="input"]').waitFor();
  assert.equal(await tab.locator('sherpa-chat [part~="message"]').count(), 0, 'sessionStorage is per tab');
  await tab.close();
  page.host.stop();
});

test('launcher: a reload mid-stream keeps the partial answer; retry completes it', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"', { apiBase: `${dev.url}/f/pace=120/api` });
  const scope = page.locator('sherpa-chat');
  await ask(page, 'Can I get a refund?', scope);
  await lastAnswer(scope).and(scope.locator('[data-state="streaming"]')).waitFor();
  await textReaches(lastAnswer(scope).locator('[part~="answer"]'), 20);
  const partial = await answerText(scope);
  assert.ok(partial.length > 0);
  await page.reload();
  await page.locator('sherpa-chat[data-sherpa-mounted] [part~="launcher"]').waitFor();
  if (!(await scope.locator('[part~="panel"]').isVisible())) await scope.locator('[part~="launcher"]').click();
  const a = await answerIn(scope, 'error');
  assert.match(await a.locator('[part~="error"]').innerText(), /interrupted/);
  assert.match(await a.locator('[part~="error-details"]').textContent(), /reloaded before this answer finished/);
  assert.ok((await answerText(scope)).startsWith(partial.slice(0, 15)), `partial text kept: ${JSON.stringify(partial)} vs ${JSON.stringify(await answerText(scope))}`);
  assert.equal(await scope.locator('[part~="message-user"]').innerText(), 'Can I get a refund?');
  await a.locator('[part~="retry"]').click();
  await answerIn(scope, 'done', 40000);
  assert.ok(await lastAnswer(scope).locator('[part~="citation"]').count() >= 1);
  page.host.stop();
});

test('data-persist="none": a reload forgets the conversation and stores nothing', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persist="none" data-welcome="Hello there"', { inline: true });
  const w = page.locator('#w');
  await ask(page, 'Can I get a refund?', w);
  await answerIn(w, 'done');
  const stored = await page.evaluate(() => [Object.keys(sessionStorage), Object.keys(localStorage)]);
  assert.deepEqual(stored, [[], []], 'nothing in web storage');
  await page.reload();
  await w.locator('[part~="input"]').waitFor();
  await w.locator('.welcome').getByText('Hello there').waitFor();
  assert.equal(await w.locator('[part~="message"]').count(), 0);
  page.host.stop();
});

test('after a reload the restored conversation opens at the latest message, not at the top', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persist="local"', { inline: true });
  const w = page.locator('#w');
  for (const q of ['Can I get a refund?', 'What plans are there?', 'How do I create a note with the API?']) {
    await ask(page, q, w);
    await answerIn(w, 'done');
  }
  await page.reload();
  await answerIn(w, 'done');
  assert.equal(await w.locator('[part~="message-user"]').count(), 3, 'conversation restored');
  const thread = w.locator('[part~="thread"]');
  assert.ok(await thread.evaluate((t) => t.scrollHeight > t.clientHeight + 100), 'the thread overflows (the test means something)');
  await page.waitForFunction((t) => t.scrollHeight - t.scrollTop - t.clientHeight < 48, await thread.elementHandle(), { timeout: 10000 });
  assert.ok(await thread.evaluate((t) => t.scrollTop > 0));
  await w.locator('[part~="jump"]').waitFor({ state: 'hidden' });
  page.host.stop();
});

// Onyx answers an unknown or deleted chat_session_id with HTTP 200 and one VALIDATION_ERROR
// line ("Invalid Chat Session ID provided"): a saved conversation whose server session is gone.
test('a restored conversation whose server session is gone starts a new session and keeps the question', async () => {
  await reset(dev);
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persist="local"', { inline: true });
  const w = page.locator('#w');
  await ask(page, 'Can I get a refund?', w);
  await answerIn(w, 'done');
  // The server forgets the session: on the next load, before the widget reads it, the saved
  // conversation names a session the server never issued (the page saves on leaving, so the
  // change is made in the new document).
  const gone = '0b9c4a43-0d7e-4a5e-9a11-6f3c2b7d9e10';
  await page.addInitScript((id) => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('sherpa:'));
    const snap = key && JSON.parse(localStorage.getItem(key));
    if (!snap || sessionStorage.getItem('forged')) return;
    snap.conversation.session_id = id;
    localStorage.setItem(key, JSON.stringify(snap));
    sessionStorage.setItem('forged', '1');
  }, gone);
  await page.reload();
  await answerIn(w, 'done');
  await ask(page, 'What plans are there?', w);
  await answerIn(w, 'done');
  assert.ok((await answerText(w)).trim().length > 20, 'the question got its answer');
  assert.equal(await w.locator('[part~="error"]').count(), 0, 'no error shown');
  const users = await w.locator('[part~="message-user"]').allInnerTexts();
  assert.deepEqual(users, ['Can I get a refund?', 'What plans are there?'], 'the question is shown once');
  const log = await requests(dev);
  const sent = log.filter((r) => r.path.endsWith('send-chat-message'));
  assert.equal(sent.length, 3, 'first answer, the refused one, the one resent');
  assert.equal(sent[1].body.chat_session_id, gone);
  assert.notEqual(sent[2].body.chat_session_id, gone, 'resent in a new session');
  assert.equal(sent[2].body.message, 'What plans are there?');
  assert.equal(log.filter((r) => r.path.endsWith('create-chat-session')).length, 2);
  // The new session is the one saved and continued.
  await ask(page, 'And refunds?', w);
  await answerIn(w, 'done');
  const again = (await requests(dev)).filter((r) => r.path.endsWith('send-chat-message'));
  assert.equal(again.length, 4);
  assert.equal(again[3].body.chat_session_id, sent[2].body.chat_session_id);
  page.host.stop();
});

test('a server that keeps refusing the session gets one resend, then the error: no loop', async () => {
  await reset(dev);
  const page = await widgetPage(browser, dev, 'data-backend="onyx"', { inline: true });
  let sends = 0;
  await page.route('**/chat/send-chat-message', (route) => {
    sends += 1;
    route.fulfill({
      status: 200,
      headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
      body: JSON.stringify({ error: 'Invalid Chat Session ID provided', stack_trace: null, error_code: 'VALIDATION_ERROR', is_retryable: true, details: null }) + '\n',
    });
  });
  const w = page.locator('#w');
  await ask(page, 'Can I get a refund?', w);
  await answerIn(w, 'error');
  assert.equal(sends, 2, 'asked once more in a new session, then stopped');
  assert.equal(await w.locator('[part~="message-user"]').innerText(), 'Can I get a refund?');
  page.host.stop();
});
