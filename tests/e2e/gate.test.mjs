// The widget with no data-api-key, through sherpa-gate in front of the dev server, on every
// backend: the answer arrives, the key is nowhere in the page, and a 429 from the gate shows
// the widget's retry message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, startGate, launchBrowser, newPage, ask } from './harness.mjs';
import { hostSite, closeHosts, answerIn, requests, reset } from './quality.mjs';

const KEY = 'on_gate_e2e_secret_4f9a';
let dev, browser;
const gates = [];
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); gates.forEach((g) => g.stop()); closeHosts(); });

const BACKENDS = {
  onyx: { attrs: 'data-backend="onyx" data-persona-id="0"', args: [] },
  'onyx-legacy': { attrs: 'data-backend="onyx-legacy" data-persona-id="0"', args: [] },
  'onyx-simple': { attrs: 'data-backend="onyx-simple" data-persona-id="0"', args: [] },
  // No workspace or user in the page: the gate supplies both.
  odyssey: { attrs: 'data-backend="odyssey"', args: ['--workspace-id', 'lumen'] },
};

/** A host page (its own origin) whose widget talks only to a gate started for that origin. */
async function gatedPage(backend, extraArgs = []) {
  let gateUrl = 'http://placeholder';
  const host = await hostSite({
    '/': { get body() { return pageHtml(gateUrl, BACKENDS[backend].attrs); } },
  });
  const gate = await startGate({ upstream: `${dev.url}/api`, backend, origins: [host.url], apiKey: KEY, args: [...BACKENDS[backend].args, ...extraArgs] });
  gates.push(gate);
  gateUrl = gate.url;
  const page = await newPage(browser);
  await page.goto(host.url + '/');
  return { page, gate };
}

function pageHtml(gateUrl, attrs) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Public site</title></head><body><main><h1>Public</h1>`
    + `<div id="w" data-sherpa ${attrs} style="height:560px"></div>`
    + `<script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${gateUrl}/api"></script></main></body></html>`;
}

for (const backend of Object.keys(BACKENDS)) {
  test(`${backend} through the gate: answer arrives, the key is not in the page`, async () => {
    await reset(dev);
    const { page } = await gatedPage(backend);
    const w = page.locator('#w');
    await ask(page, 'How do I export my notes?', w);
    const a = await answerIn(w, 'done');
    assert.match(await a.locator('[part~="answer"]').innerText(), /export/i);
    const html = await page.evaluate(() => document.documentElement.outerHTML + (document.querySelector('#w sherpa-chat, sherpa-chat')?.shadowRoot?.innerHTML ?? ''));
    assert.ok(!html.includes(KEY), 'the key is not in the page');
    const sent = (await requests(dev)).filter((r) => r.method === 'POST');
    assert.ok(sent.length >= 1);
    for (const r of sent) {
      const h = r.headers;
      assert.ok(h.authorization === 'Bearer [redacted]' || h['x-api-key'] === '[redacted]', `the upstream got the key: ${JSON.stringify(h)}`);
      if (backend === 'odyssey') assert.match(h.userid, /^visitor-/, 'userId made by the gate');
    }
    await page.context().close();
  });
}

test('a 429 from the gate shows the widget\'s retry message', async () => {
  const { page } = await gatedPage('onyx', ['--rate', '1/hour']);
  const w = page.locator('#w');
  await ask(page, 'How do I export my notes?', w);
  await answerIn(w, 'done');
  await ask(page, 'Can I get a refund?', w);
  const a = await answerIn(w, 'error');
  assert.match(await a.locator('[part~="error"]').innerText(), /Too many questions right now/);
  assert.match(await a.locator('[part~="error-details"]').textContent(), /too many requests \(429\)/i);
  await page.context().close();
});
