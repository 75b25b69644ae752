// The dev server's demo pages as a visitor opens them (README "Try it").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, newPage, ask } from './harness.mjs';
import { answerIn, widgetErrors } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); });

test('the "see failures" link (/demo/onyx.html?fault=1) injects its fault: error with Retry, nothing thrown, retry completes', async () => {
  const page = await newPage(browser);
  await page.goto(dev.url + '/demo/onyx.html?fault=1');
  const w = page.locator('sherpa-chat');
  await ask(page, 'Can I get a refund?', w);
  const a = await answerIn(w, 'error');
  const err = a.locator('[part~="error"]');
  assert.equal(await err.getAttribute('role'), 'alert');
  assert.match(await err.innerText(), /interrupted/, 'the cut stream reads as interrupted');
  assert.ok((await a.locator('[part~="answer"]').innerText()).trim().length > 0, 'partial answer kept');
  const retry = a.locator('[part~="retry"]');
  await retry.waitFor();
  await retry.click();
  await answerIn(w, 'done');
  assert.deepEqual(widgetErrors(page), [], 'the page throws nothing');
  await page.context().close();
});

test('the docs demo (/demo/docs.html): "Ask AI" opens the docked panel and asks; the events are listed', async () => {
  const page = await newPage(browser, { viewport: { width: 1200, height: 800 } });
  await page.goto(dev.url + '/demo/docs.html');
  await page.locator('.ask-ai[data-sherpa-ask]').click();
  const w = page.locator('sherpa-chat');
  await answerIn(w, 'done');
  assert.equal(await w.locator('[part~="panel"]').getAttribute('role'), 'complementary');
  assert.equal(await w.locator('[part~="contact"]').getAttribute('href'), 'mailto:support@lumen.example');
  assert.equal(await w.locator('[part~="disclaimer"] a').getAttribute('href'), 'https://lumen.example/terms');
  await page.locator('#events li', { hasText: 'sherpa:message' }).waitFor();
  assert.match(await page.locator('#events').innerText(), /sherpa:question .*"via":"trigger"/);
  assert.deepEqual(widgetErrors(page), [], 'the page throws nothing');
  await page.context().close();
});
