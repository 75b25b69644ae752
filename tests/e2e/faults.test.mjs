// Every fault of protocols.md §10, injected by the dev server (its `/f/<spec>/api` prefix) and
// seen in Chromium: the right specific message in part=error, the question and any partial
// answer kept, and retry (part=retry) completing the answer — `once` (with a distinct `id=`)
// makes the fault apply to the first request only, so the retry is served normally.
// 401 and 422 are not dev-server faults: those replies (the §10 #14 bodies) are given by
// Playwright request interception, once, in front of the dev server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask, lastAnswer } from './harness.mjs';
import { widgetPage, answerIn, requests, reset, widgetErrors, closeHosts, textReaches, until } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

const Q = 'Can I get a refund?';

/** An inline widget whose API base carries the fault spec. */
async function faulted(spec, { backend = 'onyx', attrs = '' } = {}) {
  const apiBase = spec ? `${dev.url}/f/${encodeURIComponent(spec)}/api` : `${dev.url}/api`;
  const page = await widgetPage(browser, dev, `data-backend="${backend}" ${attrs}`, { inline: true, apiBase });
  return { page, w: page.locator('#w') };
}

/** What a visitor must never read in an error: the owner's settings and server internals. */
const TECHNICAL = /data-|CORS|API key|\(\d{3}|Connection reset|gpt-|server said|Bad Gateway/i;

/**
 * Asks Q, expects an error whose visible sentence matches `says` (plain, nothing technical)
 * and whose collapsed details match `message`; checks the question and (when `partial`) the
 * partial answer are kept; then retries and expects the full answer in the same message.
 * Returns the details text.
 */
async function failsThenRetries({ page, w }, message, { partial = false, question = Q, says = /./ } = {}) {
  await ask(page, question, w);
  const a = await answerIn(w, 'error');
  const err = a.locator('[part~="error"]');
  assert.equal(await err.getAttribute('role'), 'alert');
  const visible = await err.locator(':scope > span').first().innerText();
  assert.match(visible, says);
  assert.doesNotMatch(visible, TECHNICAL, 'visitors read one plain sentence');
  const details = err.locator('[part~="error-details"]');
  assert.equal(await details.evaluate((d) => d.open), false, 'details start collapsed');
  const text = await details.textContent();
  assert.match(text, message);
  assert.equal(await w.locator('[part~="message-user"]').innerText(), question, 'question kept');
  const kept = await a.locator('[part~="answer"]').innerText();
  if (partial) assert.ok(kept.trim().length > 0, `partial answer kept; the message reads: ${JSON.stringify(await a.innerText())}`);
  await a.locator('[part~="retry"]').click();
  const done = await answerIn(w, 'done');
  assert.equal(await w.locator('[part~="error"]').count(), 0, 'error gone after retry');
  assert.equal(await w.locator('[part~="message-assistant"]').count(), 1, 'answer replaced, not duplicated');
  const full = await done.locator('[part~="answer"]').innerText();
  if (partial) assert.ok(full.startsWith(kept.trim().slice(0, 20)), `retry answer continues the same text:\n${kept}\n---\n${full}`);
  assert.ok(await done.locator('[part~="citation"]').count() >= 1 || question !== Q, 'full answer with citations');
  assert.deepEqual(widgetErrors(page), []);
  return text;
}

test('crash with no newline: "Connection reset by peer", partial kept, retry completes', async () => {
  const t = await failsThenRetries(await faulted('crash,once,id=crash1'), /error while answering: Connection reset by peer/, { partial: true, says: /went wrong/ });
  void t;
});

test('midstream StreamingError: rate-limit message, partial kept, retry completes', async () => {
  await failsThenRetries(await faulted('midstream-error,once,id=mid1'), /Rate limit exceeded for model gpt-x/, { partial: true, says: /Too many questions/ });
});

test('legacy backend crash and midstream error are handled the same way', async () => {
  await failsThenRetries(await faulted('crash,once,id=lcrash', { backend: 'onyx-legacy' }), /Connection reset by peer/, { partial: true });
  await failsThenRetries(await faulted('dialect=v1,midstream-error,once,id=lmid', { backend: 'onyx-legacy' }), /Rate limit exceeded/, { partial: true });
});

test('heartbeats then a failed custom tool (§10 #6) do not end the turn: the answer completes normally', async () => {
  const { page, w } = await faulted('tool-error,once,id=tool1');
  await ask(page, Q, w);
  const a = await answerIn(w, 'done');
  assert.equal(await w.locator('[part~="error"]').count(), 0);
  assert.ok(await a.locator('[part~="citation"]').count() >= 1);
  assert.deepEqual(widgetErrors(page), []);
  page.host.stop();
});

test('user-cancelled: stop keeps the partial answer, calls stop-chat-session; regenerate completes', async () => {
  await reset(dev);
  const { page, w } = await faulted('pace=150,once,id=stop1');
  await ask(page, Q, w);
  const a = lastAnswer(w);
  await a.and(w.locator('[data-state="streaming"]')).waitFor();
  await textReaches(a.locator('[part~="answer"]'), 1);
  await w.locator('[part~="stop"]').click();
  await answerIn(w, 'stopped');
  const partial = await a.locator('[part~="answer"]').innerText();
  assert.ok(partial.trim().length > 0, 'partial kept');
  assert.equal(await w.locator('[part~="error"]').count(), 0, 'a stop is not an error');
  // Stop's request to the server is fire-and-forget: wait until it has arrived.
  const stopped = async () => {
    const reqs = await requests(dev);
    const sid = reqs.find((r) => r.path.endsWith('send-chat-message')).body.chat_session_id;
    return reqs.some((r) => r.path === `/api/chat/stop-chat-session/${sid}`);
  };
  await until(stopped, 'the stop-chat-session call for this session');
  await a.locator('[part~="regenerate"]').click();
  const done = await answerIn(w, 'done');
  assert.ok((await done.locator('[part~="answer"]').innerText()).startsWith(partial.trim().slice(0, 20)));
  assert.deepEqual(widgetErrors(page), []);
  page.host.stop();
});

test('garbage line (proxy HTML) is skipped: the answer completes with no text lost', async () => {
  const clean = await faulted('');
  await ask(clean.page, Q, clean.w);
  const expected = await (await answerIn(clean.w, 'done')).locator('[part~="answer"]').innerText();
  clean.page.host.stop();
  const { page, w } = await faulted('garbage,once,id=garbage1');
  await ask(page, Q, w);
  const a = await answerIn(w, 'done');
  assert.equal(await w.locator('[part~="error"]').count(), 0);
  const text = await a.locator('[part~="answer"]').innerText();
  assert.equal(text, expected, 'same answer as without the garbage line');
  assert.ok(!/Bad Gateway|<html/i.test(await w.innerText()), 'the garbage is never shown');
  page.host.stop();
});

test('UTF-8 characters split across chunks come out whole: "Café 😀"', async () => {
  const { page, w } = await faulted('utf8-split,chunk=5,once,id=utf1');
  await ask(page, Q, w);
  const a = await answerIn(w, 'done');
  const text = await a.locator('[part~="answer"]').innerText();
  assert.ok(text.startsWith('Café 😀'), JSON.stringify(text.slice(0, 20)));
  assert.ok(!text.includes('\uFFFD'), 'no replacement characters');
  page.host.stop();
});

test('cut connection mid-answer: interrupted message, partial kept, retry completes', async () => {
  // Where to cut: a few deltas into the answer of the same request the widget will send.
  const post = (p, body) => fetch(dev.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const s = await (await post('/api/chat/create-chat-session', { persona_id: 0 })).json();
  const body = await (await post('/api/chat/send-chat-message', { message: Q, chat_session_id: s.chat_session_id, parent_message_id: null })).text();
  let at = 0, deltas = 0;
  for (const line of body.split('\n')) {
    at += Buffer.byteLength(line) + 1;
    if (line.includes('"message_delta"') && ++deltas === 4) break;
  }
  const { page, w } = await faulted(`cut=${at + 20},once,id=cut1`);
  const text = await failsThenRetries({ page, w }, /interrupted/, { partial: true, says: /interrupted/ });
  assert.doesNotMatch(text, /reach|CORS|data-api-base/, 'a stream dropped after a 200 is not "could not reach the server"');
  page.host.stop();
});

test('429 with Retry-After: 120: the wait stated once, counting down, Retry disabled', async () => {
  const { page, w } = await faulted('rate-limit,once,id=rl1');
  await ask(page, Q, w);
  const a = await answerIn(w, 'error');
  const err = a.locator('[part~="error"]');
  const text = await err.innerText();
  assert.match(text, /Too many questions right now/);
  assert.doesNotMatch(text, TECHNICAL, 'visitors read one plain sentence');
  const details = await err.locator('[part~="error-details"]').textContent();
  assert.match(details, /too many requests \(429\)/);
  assert.match(details, /usage budget/, 'the server\'s detail is kept for the site owner');
  assert.equal((text.match(/\b1[12]\d\u00a0s\b/g) || []).length, 1, `one countdown:\n${text}`);
  assert.doesNotMatch(text, /Please wait/, 'the widget states the wait once (the server\'s own detail is quoted as it is)');
  assert.ok(await a.locator('[part~="retry"]').isDisabled(), 'Retry disabled while waiting');
  const wait = a.locator('[part~="retry-wait"]');
  const first = Number((await wait.innerText()).match(/\d+/)[0]);
  // It counts down: wait for the next second to show.
  await page.waitForFunction(([el, n]) => Number(el.textContent.match(/\d+/)?.[0]) < n, [await wait.elementHandle(), first], { timeout: 5000 });
  assert.equal(await w.locator('[part~="message-user"]').innerText(), Q, 'question kept');
  page.host.stop();
});

test('429 with a short Retry-After: Retry becomes enabled when the countdown ends, then completes', async () => {
  const { page, w } = await faulted('');
  await interceptOnce(page, 429, { detail: 'Slow down' }, { 'retry-after': '2', 'access-control-expose-headers': 'retry-after' });
  await ask(page, Q, w);
  const a = await answerIn(w, 'error');
  const retry = a.locator('[part~="retry"]');
  assert.ok(await retry.isDisabled(), 'disabled during the wait');
  await page.waitForFunction((b) => !b.disabled, await retry.elementHandle(), { timeout: 10000 });
  assert.equal(await a.locator('[part~="retry-wait"]').innerText(), '', 'the countdown is gone');
  await retry.click();
  await answerIn(w, 'done');
  assert.equal(await w.locator('[part~="error"]').count(), 0);
  assert.deepEqual(widgetErrors(page), []);
  page.host.stop();
});

test('502 HTML page: a plain message, no HTML quoted; retry completes', async () => {
  const f = await faulted('html-5xx,once,id=502a');
  const text = await failsThenRetries(f, /having a problem \(502 Bad Gateway\)/, { says: /went wrong/ });
  assert.ok(!/<|nginx/i.test(text), text);
  f.page.host.stop();
});

test('200 HTML sign-in page: points at data-api-base and the key; retry completes', async () => {
  const f = await faulted('html-200,once,id=200a');
  const text = await failsThenRetries(f, /web page instead of a chat reply.*data-api-base/, { says: /not available/ });
  assert.ok(!/<|sign in to/i.test(text.replace(/sign in to the chat server/i, '')), text);
  f.page.host.stop();
});

/** The next chat-message request gets `status`/`body` (CORS headers included) once. */
async function interceptOnce(page, status, body, headers = {}) {
  let used = false;
  await page.route(/\/api\/chat\/send-chat-message$/, async (route) => {
    if (used || route.request().method() !== 'POST') return route.continue();
    used = true;
    await route.fulfill({
      status,
      headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*', ...headers },
      body: JSON.stringify(body),
    });
  });
}

test('401 Invalid API key: points at data-api-key; retry completes', async () => {
  const { page, w } = await faulted('');
  await interceptOnce(page, 401, { detail: 'Invalid API key' });
  const text = await failsThenRetries({ page, w }, /did not accept the credentials \(401\)\. Check data-api-key/, { says: /not available/ });
  assert.match(text, /The server said: Invalid API key/);
  page.host.stop();
});

test('401 from the dev server itself for a bad key (no retry success expected)', async () => {
  const { page, w } = await faulted('', { attrs: 'data-api-key="on_bad"' });
  await ask(page, Q, w);
  const a = await answerIn(w, 'error');
  assert.match(await a.locator('[part~="error-details"]').textContent(), /\(401\).*Invalid API key/);
  assert.equal(await w.locator('[part~="message-user"]').innerText(), Q);
  page.host.stop();
});

test('422 FastAPI validation error: explains the backend mismatch; retry completes', async () => {
  const { page, w } = await faulted('');
  await interceptOnce(page, 422, { detail: [{ loc: ['body', 'message'], msg: 'Field required', type: 'missing' }] });
  const text = await failsThenRetries({ page, w }, /rejected the request as invalid \(422\)/);
  assert.match(text, /Field required/);
  page.host.stop();
});

test('odyssey 500 and onyx-simple error_msg are errors with retry', async () => {
  const od = await faulted('crash,once,id=od1', { backend: 'odyssey', attrs: 'data-workspace-id="lumen" data-user-id="u1" data-api-key="od_k"' });
  await failsThenRetries(od, /\(500/, { question: 'How do I export my notes?' });
  od.page.host.stop();
  const simple = await faulted('midstream-error,once,id=simple1', { backend: 'onyx-simple' });
  await failsThenRetries(simple, /Rate limit exceeded/);
  simple.page.host.stop();
});
