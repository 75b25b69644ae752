// The streaming tail shows no raw markdown (issue 19 item 6): while `**Exporting` waits for
// its closing `**`, it is already bold; a table shows as a table once its delimiter row has
// begun; an answer that ends without closing a marker shows it as text (CommonMark). A mock
// Onyx in this file sends each part of the answer when the test says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask } from './harness.mjs';
import { widgetPage, answerIn, closeHosts, mockBackend, packet, axe } from './quality.mjs';

let dev, browser, mock;
const P = (obj) => packet(1, obj);
const delta = (content) => P({ type: 'message_delta', content });

/** A mock whose answers are written step by step: `await mock.ready()` waits for the next
 * question's request, `mock.next(text)` sends a delta of its answer, `mock.end()` the stop
 * packet. */
async function startMock() {
  let res;
  let opened;
  let ready = new Promise((r) => { opened = r; });
  const backend = await mockBackend((req, out, { path, cors }) => {
    if (path === '/api/chat/create-chat-session') {
      out.writeHead(200, { ...cors, 'content-type': 'application/json' });
      out.end(JSON.stringify({ chat_session_id: '5d7e1f2a-9b3c-4d5e-8f6a-7b8c9d0e1f2a' }));
      return;
    }
    if (path !== '/api/chat/send-chat-message') { out.writeHead(404, cors); out.end(); return; }
    out.writeHead(200, { ...cors, 'content-type': 'application/x-ndjson' });
    out.write(JSON.stringify({ user_message_id: 1, reserved_assistant_message_id: 2 }) + '\n');
    out.write(P({ type: 'message_start', final_documents: null }));
    res = out;
    opened();
  });
  return {
    ...backend,
    // Each request is waited for once: the next call waits for the next request.
    ready: async () => {
      await ready;
      ready = new Promise((r) => { opened = r; });
    },
    next: (text) => res.write(delta(text)),
    end: () => res.end(P({ type: 'stop', stop_reason: null })),
  };
}

before(async () => {
  dev = await startDevServer({ paceMs: 1 });
  mock = await startMock();
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); dev?.stop(); mock?.stop(); closeHosts(); });

test('open bold, code and tables render as such while they stream; an unclosed marker at the end is text', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persona-id="0"', { inline: true, apiBase: `${mock.url}/api` });
  const w = page.locator('#w');
  await ask(page, 'How do I export?', w);
  await mock.ready();
  const answer = w.locator('[part~="answer"]');

  mock.next('To export, open **Settings → Acc');
  await answer.locator('strong', { hasText: 'Settings → Acc' }).waitFor();
  assert.doesNotMatch(await answer.innerText(), /\*\*/, 'no raw ** while the bold is open');

  mock.next('ount** and run `npm run exp');
  await answer.locator('code', { hasText: 'npm run exp' }).waitFor();
  assert.doesNotMatch(await answer.innerText(), /\*\*|`/);

  mock.next('ort`.\n\n| Plan | Price |');
  await answer.locator('code', { hasText: 'npm run export' }).waitFor();
  assert.doesNotMatch(await answer.innerText(), /\|/, 'a lone header row waits');

  mock.next('\n|--');
  await answer.locator('table th', { hasText: 'Plan' }).waitFor();
  assert.doesNotMatch(await answer.innerText(), /\||--/);

  mock.next('-|---|\n| Pro | $8 |\n\nThen **keep it');
  await answer.locator('strong', { hasText: 'keep it' }).waitFor();
  mock.end();
  await answerIn(w, 'done');
  // The final text never closed its bold: CommonMark shows the marker as text.
  assert.match(await answer.innerText(), /Then \*\*keep it/);
  assert.equal(await answer.locator('table td', { hasText: 'Pro' }).count(), 1);
  await page.context().close();
});

// Issue 16 item 1: the tail is shown at most once a frame, and a delta that only makes its
// last text longer extends that text node: the paragraph and the code block on screen are
// the same elements after more text arrived (a rebuild would have replaced them).
test('a growing paragraph or code block keeps its elements: the last text node is extended', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persona-id="0"', { inline: true, apiBase: `${mock.url}/api` });
  const w = page.locator('#w');
  await ask(page, 'How do I export?', w);
  await mock.ready();
  const answer = w.locator('[part~="answer"]');
  const mark = (sel) => page.evaluate((sel) => {
    const el = [...document.querySelector('#w').shadowRoot.querySelectorAll(`[part~="answer"] ${sel}`)].pop();
    window.__marked = el;
    return el.textContent;
  }, sel);
  const same = (sel) => page.evaluate((sel) => {
    const el = [...document.querySelector('#w').shadowRoot.querySelectorAll(`[part~="answer"] ${sel}`)].pop();
    return el === window.__marked && el.isConnected;
  }, sel);

  mock.next('Open the settings');
  await answer.locator('p', { hasText: 'Open the settings' }).waitFor();
  assert.equal(await mark('p'), 'Open the settings');
  mock.next(' page and choose');
  await answer.locator('p', { hasText: 'settings page and choose' }).waitFor();
  assert.equal(await same('p'), true, 'the paragraph was extended, not rebuilt');

  mock.next(' export.\n\n```js\nconst a = 1;\n');
  await answer.locator('pre code', { hasText: 'const a = 1;' }).waitFor();
  await mark('pre code');
  mock.next('const b = 2;\nconst');
  await answer.locator('pre code', { hasText: 'const b = 2;\nconst' }).waitFor();
  assert.equal(await same('pre code'), true, 'the code block was extended, not rebuilt');

  mock.next(' c = *3*;\n```\n\nDone **now');
  await answer.locator('strong', { hasText: 'now' }).waitFor();
  mock.end();
  await answerIn(w, 'done');
  assert.equal(await answer.locator('pre code').innerText(), 'const a = 1;\nconst b = 2;\nconst c = *3*;\n');
  assert.match(await answer.innerText(), /Open the settings page and choose export\./);
  await page.context().close();
});

test('a reference link resolves against a definition in a later block, as in the whole text', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persona-id="0"', { inline: true, apiBase: `${mock.url}/api` });
  const w = page.locator('#w');
  await ask(page, 'Where is the export guide?', w);
  await mock.ready();
  const answer = w.locator('[part~="answer"]');

  // The first paragraph is committed (a later block has started) before its link is defined.
  mock.next('Read the [export guide][guide] first.\n\nThen open the menu.\n\n');
  await answer.locator('p', { hasText: 'Then open the menu.' }).waitFor();
  assert.match(await answer.innerText(), /\[export guide\]\[guide\]/, 'undefined so far: literal text');

  mock.next('[guide]: https://help.example/export "Export guide"\n\nDone.');
  mock.end();
  await answerIn(w, 'done');
  const link = answer.locator('a', { hasText: 'export guide' });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), 'https://help.example/export');
  const text = await answer.innerText();
  assert.doesNotMatch(text, /\[guide\]|help\.example/, 'neither the reference nor the definition shows as text');
  await page.context().close();
});

const CODE = '```bash\nexport NOTES_DIR="$HOME/notes" # where notes live\nsync --all\n```\n\n'
  + '```json\n{"interval": 30, "enabled": true}\n```\n\n```text\nplain <b>text</b>\n```';

for (const theme of ['light', 'dark']) {
  test(`code blocks are highlighted as text in spans, readable (axe AA) in the ${theme} theme`, async () => {
    const page = await widgetPage(browser, dev, `data-backend="onyx" data-persona-id="0" data-theme="${theme}"`, { inline: true, apiBase: `${mock.url}/api` });
    const w = page.locator('#w');
    await ask(page, 'How do I sync from a script?', w);
    await mock.ready();
    mock.next(CODE);
    mock.end();
    await answerIn(w, 'done');
    const code = w.locator('[part~="answer"] pre code');
    assert.equal(await code.count(), 3);
    const tokens = (i) => code.nth(i).evaluate((c) => [...c.querySelectorAll('span')].map((s) => [s.className, s.textContent]));
    assert.deepEqual(await tokens(0), [
      ['tok-kw', 'export'], ['tok-str', '"$HOME/notes"'], ['tok-com', '# where notes live'],
    ]);
    assert.deepEqual(await tokens(1), [
      ['tok-key', '"interval"'], ['tok-num', '30'], ['tok-key', '"enabled"'], ['tok-num', 'true'],
    ]);
    assert.deepEqual(await tokens(2), [], 'an unknown language stays plain');
    // The spans hold text only: the code reads exactly as written, markup included.
    assert.equal(await code.nth(0).textContent(), 'export NOTES_DIR="$HOME/notes" # where notes live\nsync --all\n');
    assert.equal(await code.nth(2).evaluate((c) => c.children.length), 0, '<b> stays text');
    assert.deepEqual(await axe(page), [], `${theme}: no axe violations (colour contrast included)`);
    await page.context().close();
  });
}
