// Content-Security-Policy: the widget works fully — question, streamed answer with citations,
// source cards, an error and its retry, a second backend inline — on a page with a strict
// policy, and no violation is reported (securitypolicyviolation events and console lines).
// Two set-ups: everything on one origin (the policy a site serving Sherpa itself would use),
// and a host page on another origin naming the widget/API origin in script-src/connect-src.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, newPage, ask } from './harness.mjs';
import { answerIn, hostSite, closeHosts, waitFocus, widgetErrors, settled } from './quality.mjs';

/** The policy validated (README, "Content Security Policy"). */
export const STRICT = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'";

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

function body(base) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CSP</title></head><body><main><h1>Strict CSP</h1>
    <div id="w" data-sherpa data-backend="odyssey" data-workspace-id="lumen" data-user-id="u1" data-api-key="od_k"></div>
    <script src="${base}/sherpa/sherpa.js" data-load="eager" data-api-base="${base}/api" data-backend="onyx" data-accent="#225500"></script>
    </main></body></html>`;
}

/** Records violations and CSP console lines from the first byte of the page. */
async function cspPage() {
  const p = await newPage(browser);
  p.violations = [];
  await p.exposeFunction('__violation', (v) => p.violations.push(v));
  await p.addInitScript(() => document.addEventListener('securitypolicyviolation',
    (e) => window.__violation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)));
  p.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) p.violations.push('console: ' + m.text()); });
  return p;
}

async function fullChat(p, apiFault) {
  // Launcher: open, ask, streamed answer with citations, a source card revealed.
  await p.locator('sherpa-chat[data-sherpa-mounted] [part~="launcher"]').click();
  await waitFocus(p, 'input');
  const lw = p.locator('sherpa-chat');
  await ask(p, 'My notes are not syncing, what should I do?', lw);
  const a = await answerIn(lw, 'done');
  assert.ok(await a.locator('pre code').count() >= 1, 'markdown code block');
  const cite = a.locator('[part~="citation"]').first();
  // Its card, placed through the CSSOM (a style attribute would be refused).
  await cite.hover();
  const card = lw.locator('[part~="citation-card"]:not([hidden])');
  await card.waitFor();
  assert.match(await card.evaluate((c) => c.style.top || c.style.bottom), /^\d+(\.\d+)?px$/);
  await cite.click();
  await waitFocus(p, 'source-card');
  // An error and its retry (the fault travels in a request header set by interception).
  await p.route(/send-chat-message$/, (route) => route.continue({ headers: { ...route.request().headers(), 'x-sherpa-fault': apiFault } }));
  await ask(p, 'Can I get a refund?', lw);
  const e = await answerIn(lw, 'error');
  await e.locator('[part~="retry"]').click();
  await answerIn(lw, 'done');
  await p.unroute(/send-chat-message$/);
  // The inline Odyssey instance on the same page.
  const w = p.locator('#w');
  await ask(p, 'How do I export my notes?', w);
  const o = await answerIn(w, 'done');
  assert.ok(await o.locator('[part~="source-card"]').count() >= 1);
  assert.ok(await o.locator('[part~="follow-up"]').count() >= 1);
  // Styles really applied (not blocked): the accent colour from data-accent on the launcher.
  const bg = await p.locator('sherpa-chat [part~="launcher"]').evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(bg, 'rgb(34, 85, 0)');
  await settled(p);
  assert.deepEqual(p.violations, []);
  assert.deepEqual(widgetErrors(p), []);
}

test(`same origin, ${STRICT}: full chat, no violation`, async () => {
  const p = await cspPage();
  await p.route(dev.url + '/csp.html', (route) => route.fulfill({
    status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': STRICT }, body: body(''),
  }));
  await p.goto(dev.url + '/csp.html');
  await fullChat(p, 'midstream-error,once,id=csp-same');
});

test('cross origin: the host page allows only the widget origin in script-src and connect-src', async () => {
  const policy = `default-src 'self'; script-src 'self' ${dev.url} 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self' ${dev.url}`;
  const site = await hostSite({ '/': { headers: { 'content-security-policy': policy }, body: body(dev.url) } });
  const p = await cspPage();
  await p.goto(site.url + '/');
  await fullChat(p, 'crash,once,id=csp-cross');
  site.stop();
});
