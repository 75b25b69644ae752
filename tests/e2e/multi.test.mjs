// Several widgets on one page — a launcher (onyx) and two inline instances on other backends
// (onyx-legacy in packet v1, odyssey) — asked at the same time: each answer lands in its own
// thread, each request went to its own backend with its own conversation, and each second
// turn chains within its own thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask, lastAnswer } from './harness.mjs';
import { widgetPage, answerIn, requests, reset, closeHosts } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 20 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

test('a launcher and two inline widgets on different backends do not interfere', async () => {
  await reset(dev);
  const extra = `<div id="a" data-sherpa data-backend="onyx-legacy" data-api-base="${dev.url}/f/dialect=v1/api" data-title="Legacy" style="height:420px"></div>
    <div id="b" data-sherpa data-backend="odyssey" data-workspace-id="lumen" data-user-id="u-b" data-api-key="od_b" data-title="Odyssey" style="height:420px"></div>`;
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-title="Launcher"', { extra, context: { viewport: { width: 1280, height: 1000 } } });
  const L = page.locator('sherpa-chat'), A = page.locator('#a'), B = page.locator('#b');
  await Promise.all([A, B].map((w) => w.locator('[part~="input"]').waitFor()));
  const qs = [[L, 'Can I get a refund?'], [A, 'How do I export my notes?'], [B, 'How do I share a notebook with someone?']];
  // Type all three, then send them one right after the other (key presses need focus, so
  // they cannot be simultaneous; the slow pace keeps all three answers under way at once).
  await L.locator('[part~="launcher"]').click();
  for (const [w, q] of qs) await w.locator('[part~="input"]').fill(q);
  for (const [w] of qs) await w.locator('[part~="input"]').press('Enter');
  const live = await Promise.all(qs.map(([w]) => w.locator('[part~="message-assistant"]').getAttribute('data-state')));
  assert.ok(live.filter((s) => s !== 'done').length >= 2, `answers overlap: ${live}`);
  await Promise.all(qs.map(([w]) => answerIn(w, 'done', 30000)));
  for (const [w, q] of qs) {
    assert.equal(await w.locator('[part~="message-user"]').count(), 1, 'one question per thread');
    assert.equal(await w.locator('[part~="message-user"]').innerText(), q);
  }
  assert.match(await lastAnswer(L).innerText(), /refund/i);
  assert.match(await lastAnswer(A).innerText(), /export/i);
  assert.match(await lastAnswer(B).innerText(), /shar/i);
  const reqs = await requests(dev);
  const onyx = reqs.filter((r) => r.path === '/api/chat/send-chat-message');
  const legacy = reqs.filter((r) => r.path === '/api/chat/send-message');
  const ody = reqs.filter((r) => r.path === '/api/chat/message');
  assert.deepEqual(onyx.map((r) => r.body.message), [qs[0][1]]);
  assert.deepEqual(legacy.map((r) => r.body.message), [qs[1][1]]);
  assert.equal(legacy[0].headers['x-sherpa-fault'], 'dialect=v1', 'the legacy instance used its own api base');
  assert.deepEqual(ody.map((r) => r.body.message), [qs[2][1]]);
  assert.equal(ody[0].headers.userid, 'u-b');
  assert.notEqual(onyx[0].body.chat_session_id, legacy[0].body.chat_session_id, 'separate sessions');
  // Second turns, again together: each chains within its own thread.
  const qs2 = [[L, 'What plans are there?'], [A, 'How do I turn on two-factor authentication?'], [B, 'How do I export my notes?']];
  for (const [w, q] of qs2) await w.locator('[part~="input"]').fill(q);
  for (const [w] of qs2) await w.locator('[part~="input"]').press('Enter');
  await Promise.all(qs2.map(([w]) => lastAnswer(w).and(w.locator('[data-state="done"]')).and(w.locator('[part~="message-assistant"]').nth(1)).waitFor({ timeout: 30000 })));
  const r2 = await requests(dev);
  const onyx2 = r2.filter((r) => r.path === '/api/chat/send-chat-message');
  const legacy2 = r2.filter((r) => r.path === '/api/chat/send-message');
  const ody2 = r2.filter((r) => r.path === '/api/chat/message');
  assert.equal(onyx2[1].body.chat_session_id, onyx2[0].body.chat_session_id);
  assert.equal(legacy2[1].body.chat_session_id, legacy2[0].body.chat_session_id);
  assert.equal(ody2[1].body.conversationId, ody2[0].body.conversationId);
  assert.equal(ody2[1].body.isFirst, false);
  // Parents are the thread's own previous answers, which differ between the two Onyx threads.
  assert.equal(typeof onyx2[1].body.parent_message_id, 'number');
  assert.equal(typeof legacy2[1].body.parent_message_id, 'number');
  assert.notEqual(onyx2[1].body.parent_message_id, legacy2[1].body.parent_message_id);
  for (const [w] of qs2) assert.equal(await w.locator('[part~="message-user"]').count(), 2);
  assert.deepEqual(page.consoleErrors, []);
  page.host.stop();
});
