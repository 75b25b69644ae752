// Answers a visitor sees and keeps (issue 15): source snippets as plain text, the model’s
// reasoning in a collapsed disclosure, feedback with a reason and a comment, and the whole
// conversation copied or downloaded as markdown, and the history of earlier conversations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { startDevServer, launchBrowser, ask, lastAnswer } from './harness.mjs';
import { widgetPage, answerIn, closeHosts, reset, until, activePart, waitFocus, textReaches, requests, axe } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

const feedbackSent = async () => (await fetch(dev.url + '/api/_test/feedback')).json();

test('source cards show their snippet as plain text, without markdown punctuation', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"', { inline: true });
  const w = page.locator('#w');
  await ask(page, 'How do I export all my notes or delete my account?', w);
  const a = await answerIn(w, 'done');
  const blurbs = await a.locator('.source-blurb').allInnerTexts();
  assert.ok(blurbs.length > 0, 'source cards with snippets');
  // The server's snippet is "Export everything from **Settings → Account → Export data**: …".
  assert.ok(blurbs.some((b) => b.includes('Export everything from Settings → Account → Export data:')), JSON.stringify(blurbs));
  for (const b of blurbs) assert.doesNotMatch(b, /\*\*|`/, `raw markdown in "${b}"`);
  // The citation's card shows the same plain snippet.
  await a.locator('[part~="citation"]').first().hover();
  const card = a.locator('[part~="citation-card"]');
  await card.waitFor();
  assert.doesNotMatch(await card.innerText(), /\*\*|`/);
  page.host.stop();
});

test('reasoning streams into a collapsed "Thinking…" disclosure above the answer, unannounced, and is kept on reload', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persist="session"',
    { inline: true, apiBase: `${dev.url}/f/pace=40/api` });
  const w = page.locator('#w');
  await ask(page, 'Why are my notes not syncing?', w);
  const r = lastAnswer(w).locator('[part~="reasoning"]');
  await r.waitFor();
  assert.equal(await r.getAttribute('open'), null, 'collapsed by default');
  assert.equal(await r.locator('summary').innerText(), 'Thinking…');
  // Opened while it streams: the text grows in place.
  await r.locator('summary').click();
  await textReaches(r.locator('.reasoning-text'), 60);
  const answer = await answerIn(w, 'done', 30000);
  const reasoning = await r.locator('.reasoning-text').innerText();
  assert.match(reasoning, /The visitor asks “Why are my notes not syncing\?”/);
  assert.equal(await r.locator('summary').innerText(), 'Reasoning');
  // Above the answer text, and the answer does not contain it.
  const [rb, ab] = await Promise.all([r.boundingBox(), answer.locator('[part~="answer"]').boundingBox()]);
  assert.ok(rb.y + rb.height <= ab.y + 1, 'reasoning above the answer');
  assert.ok(!(await answer.locator('[part~="answer"]').innerText()).includes('The visitor asks'));
  const live = await w.evaluate((e) => e.shadowRoot.querySelector('[aria-live]').textContent);
  assert.ok(!live.includes('visitor asks'), `live region read the reasoning: ${live}`);
  // A question without reasoning has no disclosure.
  await ask(page, 'Can I get a refund?', w);
  await answerIn(w, 'done', 30000);
  assert.equal(await lastAnswer(w).locator('[part~="reasoning"]').count(), 0);
  await page.reload();
  const kept = w.locator('[part~="message-assistant"]').first().locator('[part~="reasoning"]');
  await kept.waitFor();
  assert.equal((await kept.locator('.reasoning-text').textContent()).trim(), reasoning.trim());
  assert.equal(await kept.locator('summary').innerText(), 'Reasoning');
  page.host.stop();
});

test('thumbs-down offers reason chips and a comment, sent once as predefined_feedback and feedback_text', async () => {
  await reset(dev);
  const page = await widgetPage(browser, dev, 'data-backend="onyx"', { inline: true });
  const w = page.locator('#w');
  await page.evaluate(() => {
    window.fb = [];
    document.addEventListener('sherpa:feedback', (e) => window.fb.push(e.detail));
  });
  await ask(page, 'How do I export all my notes or delete my account?', w);
  const a = await answerIn(w, 'done');
  const down = a.locator('[part~="feedback-down"]');
  await down.click();
  const form = a.locator('[part~="feedback-form"]');
  await form.waitFor();
  assert.equal(await down.getAttribute('aria-expanded'), 'true');
  const chips = form.locator('[part~="feedback-reason"]');
  assert.deepEqual(await chips.allInnerTexts(), ['Not accurate', 'Not helpful', 'Out of date', 'Wrong sources']);
  // Keyboard: focus starts on the first chip; Space presses it, another replaces it.
  await waitFocus(page, 'feedback-reason', '#w');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  assert.equal(await chips.nth(1).getAttribute('aria-pressed'), 'true');
  assert.equal(await chips.nth(0).getAttribute('aria-pressed'), 'false');
  assert.deepEqual(await feedbackSent(), [], 'nothing sent before Send');
  await form.locator('[part~="feedback-comment"]').fill('  The export menu has moved.  ');
  await form.locator('[part~="feedback-send"]').click();
  await form.waitFor({ state: 'detached' });
  await a.locator('[part~="feedback-down"][aria-pressed="true"]').waitFor();
  await a.locator('.actions [role="status"]').waitFor();
  await until(async () => (await feedbackSent()).length === 1, 'the feedback request');
  const [sent] = await feedbackSent();
  assert.equal(sent.is_positive, false);
  assert.equal(sent.predefined_feedback, 'Not helpful');
  assert.equal(sent.feedback_text, 'The export menu has moved.');
  assert.equal(await activePart(page, '#w'), 'feedback-down', 'focus back on the thumb');
  const events = await page.evaluate(() => window.fb);
  assert.equal(events.length, 1);
  assert.equal(events[0].positive, false);
  assert.equal(events[0].reason, 'Not helpful');
  assert.equal(events[0].comment, 'The export menu has moved.');
  assert.equal(typeof events[0].messageId, 'number');

  // Thumbs-up: a comment only (no chips); Esc closes without sending, then Send with none.
  const up = a.locator('[part~="feedback-up"]');
  await up.click();
  await form.waitFor();
  assert.equal(await form.locator('[part~="feedback-reason"]').count(), 0);
  await waitFocus(page, 'feedback-comment', '#w');
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached' });
  assert.equal(await activePart(page, '#w'), 'feedback-up');
  assert.equal((await feedbackSent()).length, 1, 'Esc sends nothing');
  await up.click();
  await form.locator('[part~="feedback-send"]').click();
  await until(async () => (await feedbackSent()).length >= 2, 'the second feedback request');
  assert.equal((await feedbackSent()).length, 2, JSON.stringify(await feedbackSent()));
  const second = (await feedbackSent())[1];
  assert.equal(second.is_positive, true);
  assert.equal(second.predefined_feedback, null);
  assert.equal(second.feedback_text, null);
  await a.locator('[part~="feedback-up"][aria-pressed="true"]').waitFor();
  page.host.stop();
});

test('feedback form is localised and right-to-left; odyssey shows no thumbs', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-lang="ar"', { inline: true });
  const w = page.locator('#w');
  await ask(page, 'How do I export all my notes or delete my account?', w);
  const a = await answerIn(w, 'done');
  await a.locator('[part~="feedback-down"]').click();
  const form = a.locator('[part~="feedback-form"]');
  await form.waitFor();
  assert.equal(await form.locator('[part~="feedback-reason"]').first().innerText(), 'غير دقيقة');
  assert.equal(await form.locator('[part~="feedback-send"]').innerText(), 'إرسال الملاحظات');
  assert.equal(await form.evaluate((e) => getComputedStyle(e).direction), 'rtl');
  page.host.stop();
  const od = await widgetPage(browser, dev, 'data-backend="odyssey" data-workspace-id="lumen" data-user-id="u" data-api-key="od_k"', { inline: true });
  const wo = od.locator('#w');
  await ask(od, 'How do I export my notes?', wo);
  const ao = await answerIn(wo, 'done');
  await ao.locator('[part~="copy"]').waitFor();
  assert.equal(await ao.locator('[part~="feedback-up"], [part~="feedback-down"]').count(), 0);
  od.host.stop();
});

test('the whole conversation copies and downloads as markdown, with cited sources as links', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"',
    { inline: true, context: { permissions: ['clipboard-read', 'clipboard-write'], acceptDownloads: true } });
  const w = page.locator('#w');
  await ask(page, 'How do I export all my notes or delete my account?', w);
  await answerIn(w, 'done');
  const bar = w.locator('[part~="conversation-actions"]');
  await bar.waitFor();
  await ask(page, 'Can I get a refund?', w);
  // While a turn runs the export waits for it.
  await bar.waitFor({ state: 'detached' });
  const second = await answerIn(w, 'done');
  await bar.locator('[part~="copy-conversation"]').click();
  await bar.locator('[part~="copy-conversation"]').filter({ hasText: 'Copied' }).waitFor();
  const md = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(md, /^\*\*You\*\*\n\nHow do I export all my notes or delete my account\?\n\n---\n\n\*\*Assistant\*\*\n\n/);
  assert.ok(md.includes('**You**\n\nCan I get a refund?'), 'both questions');
  assert.match(md, /\[1\]/, 'citations as [n]');
  assert.ok(!/[\uE000\uE001]/.test(md), 'no internal markers');
  assert.match(md, /\*\*Sources\*\*\n\n- \\\[1\\\] \[[^\]]+\]\(https:\/\/help\.lumen\.example\/[^)]+\)/);
  const lastText = (await second.locator('[part~="answer"]').innerText()).split('\n')[0].replace(/\s*\d+$/, '');
  assert.ok(md.includes(lastText.slice(0, 20)), 'the answers are in it');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    bar.locator('[part~="download-conversation"]').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'conversation.md');
  assert.equal(await fs.readFile(await download.path(), 'utf8'), md);
  page.host.stop();
});

test('history: "New chat" keeps the conversation; it reopens (and continues in its session) or is deleted; kept across reloads', async () => {
  await reset(dev);
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persist="local"', { inline: true });
  const w = page.locator('#w');
  await page.evaluate(() => {
    window.switched = [];
    document.addEventListener('sherpa:history-switch', (e) => window.switched.push(e.detail));
  });
  await ask(page, 'Can I get a refund?', w);
  const first = await answerIn(w, 'done');
  const firstAnswer = await first.locator('[part~="answer"]').innerText();
  await w.locator('[part~="new-chat"]').click();
  await ask(page, 'What plans are there?', w);
  await answerIn(w, 'done');
  const toggle = w.locator('[part~="history-toggle"]');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  const list = w.locator('[part~="history"]');
  await list.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const entries = list.locator('[part~="history-entry"]');
  assert.equal(await entries.count(), 1);
  assert.equal(await entries.first().locator('.history-title').innerText(), 'Can I get a refund?');
  assert.match(await entries.first().locator('.history-time').innerText(), /\d/, 'a time');
  assert.equal(await w.locator('[part~="message-user"]').first().isVisible(), false, 'the thread is hidden meanwhile');
  assert.deepEqual(await axe(page), [], 'axe with the history open');
  // Reopen: the first conversation is back (the second goes into the history), and continues
  // in its own session after its last answer.
  await entries.first().click();
  await list.waitFor({ state: 'hidden' });
  assert.equal(await activePart(page, '#w'), 'input', 'focus on the composer after reopening');
  await w.locator('[part~="message-user"]').first().waitFor();
  assert.equal(await w.locator('[part~="message-user"]').first().innerText(), 'Can I get a refund?');
  assert.equal(await w.locator('[part~="message-assistant"] [part~="answer"]').first().innerText(), firstAnswer);
  await ask(page, 'And how long does it take?', w);
  await answerIn(w, 'done');
  const sent = (await requests(dev)).filter((r) => r.path.endsWith('send-chat-message'));
  const switched = await page.evaluate(() => window.switched);
  assert.equal(switched.length, 1);
  assert.ok(switched[0].from && switched[0].to && switched[0].from !== switched[0].to, JSON.stringify(switched));
  assert.equal(switched[0].to, sent[2].body.chat_session_id, 'to: the reopened conversation');
  assert.equal(switched[0].conversationId, switched[0].to);
  assert.equal(sent.length, 3);
  assert.equal(sent[2].body.chat_session_id, sent[0].body.chat_session_id, 'continued in the first session');
  assert.notEqual(sent[1].body.chat_session_id, sent[0].body.chat_session_id);
  assert.equal(typeof sent[2].body.parent_message_id, 'number');
  // Kept across a reload; a delete removes it.
  await page.reload();
  await answerIn(w, 'done');
  await toggle.click();
  await list.waitFor();
  assert.deepEqual(await entries.locator('.history-title').allInnerTexts(), ['What plans are there?']);
  await list.locator('[part~="history-delete"]').first().click();
  await list.getByText('No earlier conversations yet.').waitFor();
  assert.equal(await entries.count(), 0);
  await page.reload();
  await answerIn(w, 'done');
  await toggle.click();
  await list.getByText('No earlier conversations yet.').waitFor();
  page.host.stop();
});

test('history: bounded by data-history (oldest dropped first); off with data-persist="none"', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persist="session" data-history="2"', { inline: true });
  const w = page.locator('#w');
  for (const q of ['Can I get a refund?', 'What plans are there?', 'How do I export my notes?', 'Why are my notes not syncing?']) {
    await ask(page, q, w);
    await answerIn(w, 'done', 30000);
    await w.locator('[part~="new-chat"]').click();
  }
  await w.locator('[part~="history-toggle"]').click();
  const titles = w.locator('[part~="history"] .history-title');
  await titles.first().waitFor();
  assert.deepEqual(await titles.allInnerTexts(), ['Why are my notes not syncing?', 'How do I export my notes?']);
  page.host.stop();
  const none = await widgetPage(browser, dev, 'data-backend="onyx" data-persist="none"', { inline: true });
  await ask(none, 'Can I get a refund?', none.locator('#w'));
  await answerIn(none.locator('#w'), 'done');
  assert.equal(await none.locator('#w [part~="history-toggle"]').count(), 0);
  none.host.stop();
});
