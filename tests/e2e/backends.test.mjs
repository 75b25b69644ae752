// Every backend end to end in Chromium against the dev server: a question gives an answer
// whose citations resolve to source cards; follow-ups where the backend sends them; and a
// second turn chained the way that backend chains turns — checked on what the server received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask } from './harness.mjs';
import { widgetPage, answerIn, requests, reset, activePart, waitFocus, idsOf, closeHosts } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

const chatPost = (r) => r.request().method() === 'POST' && /\/chat\/(send-chat-message|send-message|send-message-simple-api|message)$/.test(new URL(r.url()).pathname);

/** Asks through the inline widget and resolves to { answer, body } (the reply's text). */
async function turn(page, w, question) {
  const resp = page.waitForResponse(chatPost);
  if (question) await ask(page, question, w);
  const body = await (await resp).text();
  const answer = await answerIn(w, 'done');
  return { answer, body };
}

/** Citations are buttons; activating one focuses and highlights its numbered source card. */
async function checkCitations(page, answer) {
  const cites = answer.locator('[part~="citation"]');
  assert.ok(await cites.count() >= 1, 'at least one citation');
  assert.equal(await answer.locator('.citation.pending').count(), 0);
  const n = await cites.first().getAttribute('data-citation');
  await cites.first().click();
  await waitFocus(page, 'source-card', '#w');
  assert.equal(await activePart(page, '#w'), 'source-card');
  const card = answer.locator('[part~="source-card"].highlight');
  assert.equal(await card.count(), 1);
  assert.equal(await card.locator('.source-n').innerText(), n);
  assert.match(await card.locator('a.source-title').getAttribute('href'), /^https:\/\//);
  assert.ok((await card.locator('a.source-title').innerText()).length > 3, 'card has a title');
}

for (const [name, dialect] of [['onyx-legacy (flat objects)', null], ['onyx-legacy (packet v1)', 'v1'], ['onyx-legacy (packet v2)', 'v2']]) {
  test(`${name}: answer, citations → source cards, second turn chained to the previous answer`, async () => {
    await reset(dev);
    const apiBase = dialect ? `${dev.url}/f/dialect=${dialect}/api` : `${dev.url}/api`;
    const page = await widgetPage(browser, dev, 'data-backend="onyx-legacy" data-persona-id="0"', { inline: true, apiBase });
    const w = page.locator('#w');
    const t1 = await turn(page, w, 'Can I get a refund?');
    // The reply really was in the dialect asked for.
    const second = t1.body.split('\n')[1];
    if (dialect === 'v1') assert.match(second, /^\{"ind": 1,/);
    else if (dialect === 'v2') assert.match(second, /^\{"placement": /);
    else assert.match(second, /^\{"tool_name": "run_search"/);
    assert.match(await t1.answer.locator('[part~="answer"]').innerText(), /refund/i);
    await checkCitations(page, t1.answer);
    const ids1 = idsOf(t1.body);
    const t2 = await turn(page, w, 'How do I export my notes?');
    assert.match(await t2.answer.locator('[part~="answer"]').innerText(), /export/i);
    const sent = (await requests(dev)).filter((r) => r.path === '/api/chat/send-message');
    assert.equal(sent.length, 2);
    const sessions = (await requests(dev)).filter((r) => r.path === '/api/chat/create-chat-session');
    assert.equal(sessions.length, 1, 'one session for the conversation');
    assert.ok(sent[0].body.chat_session_id);
    assert.equal(sent[1].body.chat_session_id, sent[0].body.chat_session_id, 'same chat_session_id');
    assert.equal(sent[1].body.parent_message_id, ids1.reserved_assistant_message_id, 'turn 2 chained to the first answer');
    assert.equal(await w.locator('[part~="message-assistant"]').count(), 2);
    assert.deepEqual(page.consoleErrors, []);
    page.host.stop();
  });
}

test('onyx (packet v2): answer, citations, second turn with the same session and parent', async () => {
  await reset(dev);
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-api-key="on_testkey"', { inline: true });
  const w = page.locator('#w');
  const t1 = await turn(page, w, 'How do I turn on two-factor authentication?');
  await checkCitations(page, t1.answer);
  const ids1 = idsOf(t1.body);
  await turn(page, w, 'How do I share a notebook with someone?');
  const reqs = await requests(dev);
  const sent = reqs.filter((r) => r.path === '/api/chat/send-chat-message');
  assert.equal(reqs.filter((r) => r.path === '/api/chat/create-chat-session').length, 1);
  assert.equal(sent.length, 2);
  assert.equal(sent[0].headers.authorization, 'Bearer [redacted]', 'the key reached the upstream (its value is never recorded)');
  assert.equal(sent[1].body.chat_session_id, sent[0].body.chat_session_id);
  assert.equal(sent[1].body.parent_message_id, ids1.reserved_assistant_message_id);
  assert.deepEqual(page.consoleErrors, []);
  page.host.stop();
});

test('onyx-simple (non-streaming): answer with citations; turn 2 continues the session the server named', async () => {
  await reset(dev);
  const page = await widgetPage(browser, dev, 'data-backend="onyx-simple"', { inline: true });
  const w = page.locator('#w');
  const t1 = await turn(page, w, 'Can I get a refund?');
  await checkCitations(page, t1.answer);
  const reply1 = JSON.parse(t1.body);
  await turn(page, w, 'What plans are there?');
  const sent = (await requests(dev)).filter((r) => r.path === '/api/chat/send-message-simple-api');
  assert.equal(sent.length, 2);
  assert.ok(reply1.chat_session_id);
  if (sent[0].body.chat_session_id) assert.equal(sent[0].body.chat_session_id, reply1.chat_session_id);
  assert.equal(sent[1].body.chat_session_id, reply1.chat_session_id, 'same session on turn 2');
  assert.ok(await w.locator('[part~="message-assistant"]').last().locator('table').count() >= 1, 'table answer rendered');
  assert.deepEqual(page.consoleErrors, []);
  page.host.stop();
});

test('odyssey: sources, follow-ups that send; conversationId stable, isFirst false on turn 2', async () => {
  await reset(dev);
  const page = await widgetPage(browser, dev, 'data-backend="odyssey" data-workspace-id="lumen" data-user-id="user-7" data-api-key="od_live_key"', { inline: true });
  const w = page.locator('#w');
  const t1 = await turn(page, w, 'How do I export my notes?');
  assert.ok(await t1.answer.locator('[part~="source-card"]').count() >= 1, 'sources');
  if (await t1.answer.locator('[part~="citation"]').count()) await checkCitations(page, t1.answer);
  const chips = t1.answer.locator('[part~="follow-up"]');
  const reply1 = JSON.parse(t1.body);
  assert.deepEqual(await chips.allInnerTexts(), reply1.data.followUps.questions, 'the follow-ups the server sent');
  const q = await chips.first().innerText();
  const resp = page.waitForResponse(chatPost);
  await chips.first().click();
  await resp;
  const a2 = await answerIn(w, 'done');
  assert.equal(await w.locator('[part~="message-user"]').nth(1).innerText(), q);
  assert.ok((await a2.locator('[part~="answer"]').innerText()).length > 10);
  const sent = (await requests(dev)).filter((r) => r.path === '/api/chat/message');
  assert.equal(sent.length, 2);
  for (const r of sent) {
    assert.equal(r.headers['x-api-key'], '[redacted]', 'the key reached the upstream (its value is never recorded)');
    assert.equal(r.headers.userid, 'user-7');
    assert.equal(r.body.workspaceId, 'lumen');
  }
  assert.ok(sent[0].body.conversationId, 'the widget names the conversation');
  assert.equal(sent[1].body.conversationId, sent[0].body.conversationId, 'conversationId stable');
  assert.equal(sent[0].body.isFirst, true);
  assert.equal(sent[1].body.isFirst, false);
  assert.equal(sent[1].body.message, q);
  assert.deepEqual(page.consoleErrors, []);
  page.host.stop();
});
