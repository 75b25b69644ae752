// Configuration mistakes as a site owner makes them: a cosmetic typo falls back to the default
// with one console warning and the widget still chats; missing required configuration still
// shows its specific message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask } from './harness.mjs';
import { widgetPage, answerIn, widgetErrors, closeHosts } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

test('data-theme="purple", data-position="top-left" and an unknown data-text-* name: defaults, one console warning each, the widget chats', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-theme="purple" data-position="top-left" data-text-nope="x"');
  const w = page.locator('sherpa-chat');
  await ask(page, 'Can I get a refund?', w);
  await answerIn(w, 'done');
  assert.equal(await w.locator('[part~="error"]').count(), 0, 'no error shown');
  assert.equal(await w.locator('div.sherpa').getAttribute('data-position'), 'right');
  assert.equal(await w.locator('div.sherpa').getAttribute('data-theme'), 'auto');
  const panelText = await w.locator('[part~="panel"]').innerText();
  for (const leak of ['data-theme', 'data-position', 'data-text-nope', 'purple']) {
    assert.ok(!panelText.includes(leak), `visitors do not see "${leak}":\n${panelText}`);
  }
  for (const needle of ['data-theme="purple"', 'data-position="top-left"', 'data-text-nope']) {
    const n = page.consoleWarnings.filter((m) => m.includes(needle)).length;
    assert.equal(n, 1, `one console warning for ${needle}: ${JSON.stringify(page.consoleWarnings)}`);
  }
  assert.deepEqual(widgetErrors(page), []);
  page.host.stop();
  await page.context().close();
});

test('missing data-api-base beside a cosmetic typo still shows the specific message', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-theme="purple" data-open', { apiBase: '' });
  const w = page.locator('sherpa-chat');
  const err = w.locator('[part~="error"]');
  await err.waitFor();
  const text = await err.innerText();
  assert.match(text, /data-api-base is missing/);
  assert.ok(!text.includes('purple'), text);
  page.host.stop();
  await page.context().close();
});
