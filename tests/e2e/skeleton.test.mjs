// The walking skeleton, end to end in Chromium: script tag → launcher → streamed answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDevServer, startHostSite, launchBrowser, newPage, ask, lastAnswer, serverAnswer, words, artifacts } from './harness.mjs';

let dev, browser;
before(async () => { dev = await startDevServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); });

/** Asks, checks the answer streams in (a partial state is seen before the end), returns it. */
async function askAndWatch(page, question, scope = page) {
  await ask(page, question, scope);
  const answer = lastAnswer(scope);
  // While streaming: state "streaming" with some text but not the end yet.
  await answer.and(scope.locator('[data-state="streaming"]')).waitFor({ timeout: 10000 });
  const partial = await answer.locator('[part~="answer"]').innerText();
  await answer.and(scope.locator('[data-state="done"]')).waitFor({ timeout: 20000 });
  const full = await answer.locator('[part~="answer"]').innerText();
  return { partial, full };
}

test('demo page: the answer streams in chunk by chunk and ends done', async () => {
  const page = await newPage(browser);
  await page.goto(dev.url + '/');
  const question = 'How do I export my notes?';
  const { partial, full } = await askAndWatch(page, question);
  const expected = words(await serverAnswer(dev.url, question));
  assert.ok(expected.length > 10, 'the mock answers with real text');
  const got = words(full);
  assert.ok(partial.length < full.length, `saw a partial answer (${partial.length} < ${full.length} chars)`);
  assert.deepEqual(got.slice(0, 8), expected.slice(0, 8), 'the widget shows the server\'s text');
  assert.equal(await page.locator('[part~="message-user"]').innerText(), question);
  await page.screenshot({ path: path.join(artifacts, 'skeleton-demo.png') });
  assert.deepEqual(page.consoleErrors, []);
});

test('drop-in from another origin and path, with an inline instance', async () => {
  const host = await startHostSite({
    '/some/deep/page.html': `<!doctype html><html><head><title>Host</title></head><body>
      <h1>Another site</h1>
      <div id="inline" data-sherpa data-title="Inline help" style="height:420px"></div>
      <script src="${dev.url}/sherpa/sherpa.js?v=1" defer
        data-api-base="${dev.url}/api" data-backend="onyx" data-title="Launcher help"></script>
    </body></html>`,
  });
  try {
    const page = await newPage(browser);
    await page.goto(host.url + '/some/deep/page.html');
    const inline = page.locator('#inline');
    // The inline widget takes the script tag's attributes as defaults and its own title.
    await inline.locator('[part~="header"]').getByText('Inline help').waitFor();
    await page.locator('sherpa-chat [part~="launcher"]').waitFor();
    const { full } = await askAndWatch(page, 'How do I share a notebook?', inline);
    assert.ok(words(full).length > 5);
    // The launcher instance is independent: its thread is still empty.
    assert.equal(await page.locator('sherpa-chat [part~="message"]').count(), 0);
    const { full: viaLauncher } = await askAndWatch(page, 'How do I reset my password?', page.locator('sherpa-chat'));
    assert.ok(words(viaLauncher).length > 5);
    assert.deepEqual(page.consoleErrors, []);
  } finally { host.stop(); }
});

test('a missing data-api-base gives a visible, specific message and one console line', async () => {
  const host = await startHostSite({
    '/': `<!doctype html><body><script src="${dev.url}/sherpa/sherpa.js" data-open="true"></script></body>`,
  });
  try {
    const page = await newPage(browser);
    await page.goto(host.url + '/');
    const error = page.locator('sherpa-chat [part~="error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /data-api-base is missing/);
    assert.equal(page.consoleErrors.length, 1, page.consoleErrors.join('\n'));
    assert.match(page.consoleErrors[0], /data-api-base/);
  } finally { host.stop(); }
});
