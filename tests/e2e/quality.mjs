// Helpers for the browser quality gates (backends, faults, a11y, XSS, CSP, isolation, multi,
// screenshots): widget pages on a second origin, waiting for answer states, what the dev server
// received, focus inside the shadow root, axe-core, and PNG decoding for pixel comparisons.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { startHostSite, newPage, ask, lastAnswer, root } from './harness.mjs';

export const axePath = path.join(root, 'node_modules/axe-core/axe.min.js');

const hosts = new Set();
/** startHostSite, remembered so that closeHosts() can stop it even when a test failed. */
export async function hostSite(pages) {
  const h = await startHostSite(pages);
  hosts.add(h);
  return h;
}
/** Stops every host site still running (call from `after`). */
export function closeHosts() {
  for (const h of hosts) h.stop();
  hosts.clear();
}

/** One Onyx packet v2 line (placement with `turn` and `obj`), newline included. */
export const packet = (turn, obj) => JSON.stringify({ placement: { turn_index: turn, tab_index: 0, sub_turn_index: null, model_index: 0 }, obj }) + '\n';

/**
 * A mock backend on a free loopback port that any origin may call (CORS, preflight answered).
 * `handle(req, res, { path, json, cors })` gets the request with its body read and parsed.
 * Resolves to { url, stop }.
 */
export function mockBackend(handle) {
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, POST, OPTIONS' };
  const server = http.createServer(async (req, res) => {
    if (req.method === 'OPTIONS') { res.writeHead(204, cors); res.end(); return; }
    let body = '';
    for await (const c of req) body += c;
    const path = new URL(req.url, 'http://x').pathname;
    await handle(req, res, { path, json: body ? JSON.parse(body) : {}, cors });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => { server.close(); server.closeAllConnections(); },
  })));
}

/**
 * Opens a page on another origin with one widget. `attrs` go on the script tag (launcher) or
 * on the `data-sherpa` element (inline); `apiBase` replaces the script's data-api-base.
 */
export async function widgetPage(browser, dev, attrs = '', {
  inline = false, apiBase = `${dev.url}/api`, head = '', extra = '', after = '', context = {}, scriptAttrs = '',
  style = 'height:560px',
} = {}) {
  const tag = `<script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${apiBase}" ${inline ? scriptAttrs : attrs}></script>`;
  const body = inline ? `<div id="w" data-sherpa ${attrs} style="${style}"></div>${tag}` : tag;
  const host = await hostSite({
    '/': `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host page</title>${head}</head><body><main><h1>Host</h1>${extra}${body}${after}</main></body></html>`,
  });
  const page = await newPage(browser, context);
  page.host = host;
  await page.goto(host.url + '/');
  return page;
}

/** Console errors other than Chromium's own network lines ("Failed to load resource: …",
 * logged for every HTTP error or broken body whatever the page does about it). */
export function widgetErrors(page) {
  return page.consoleErrors.filter((e) => !/^Failed to load resource: /.test(e));
}

/** Waits until the last answer of `scope` has `data-state` = `state`; returns it. */
export async function answerIn(scope, state, timeout = 20000) {
  const a = lastAnswer(scope);
  await a.and(scope.locator(`[data-state="${state}"]`)).waitFor({ timeout });
  return a;
}

/** Resolves once the page has loaded and then gone idle: every idle callback queued before
 * (the loader's idle boot among them) has run. What "nothing happened meanwhile" waits for. */
export async function pageIdle(page) {
  await page.evaluate(() => new Promise((resolve) => {
    const idle = () => (window.requestIdleCallback ? requestIdleCallback(() => resolve()) : setTimeout(resolve));
    if (document.readyState === 'complete') idle(); else addEventListener('load', idle, { once: true });
  }));
}

/** Resolves after the page has rendered a frame and run the tasks queued before the next one
 * (events such as error, load or securitypolicyviolation that the frame's work dispatched). */
export async function settled(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r)))));
}

/** Waits until `locator`'s text has at least `n` characters besides white space. */
export async function textReaches(locator, n, timeout = 20000) {
  const el = await locator.elementHandle({ timeout });
  await locator.page().waitForFunction(([e, min]) => e.innerText.replace(/\s/g, '').length >= min, [el, n], { timeout });
}

/** Polls a condition on this side (a recorded request, a collected event) until it holds. */
export async function until(cond, what, timeout = 10000) {
  const end = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Asks `question` in the launcher widget of `page` while its answer module cannot be had;
 * checks the answer says so and the question stays. Returns the answer. */
export async function askWithoutAnswerModule(page, question) {
  const w = page.locator('sherpa-chat');
  await ask(page, question, w);
  const a = await answerIn(w, 'error');
  assert.match(await a.locator('[part~="error"]').innerText(), /could not be loaded/);
  assert.equal(await w.locator('[part~="message-user"]').innerText(), question);
  return a;
}

/** Waits until the element's animations and transitions (the panel's opening fade) have ended. */
export function animationsDone(locator) {
  return locator.evaluate((e) => Promise.all(e.getAnimations().map((a) => a.finished)));
}

export async function requests(dev) { return (await fetch(dev.url + '/api/_test/requests')).json(); }
export async function reset(dev) { await fetch(dev.url + '/api/_test/reset', { method: 'POST' }); }

/** The `part` of the focused element inside the first widget's shadow root (or of `sel`). */
export function activePart(page, sel = 'sherpa-chat') {
  return page.evaluate((s) => document.querySelector(s)?.shadowRoot?.activeElement?.getAttribute('part') ?? null, sel);
}

/** Waits until the focused element in `sel`'s shadow root has part `part`. */
export function waitFocus(page, part, sel = 'sherpa-chat') {
  return page.waitForFunction(([s, p]) => document.querySelector(s)?.shadowRoot?.activeElement?.getAttribute('part')?.split(' ').includes(p), [sel, part], { timeout: 5000 });
}

/** Runs axe-core on the whole document (it enters open shadow roots). */
export async function axe(page, { rules = {} } = {}) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ path: axePath });
  const result = await page.evaluate((r) => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    rules: r,
    resultTypes: ['violations'],
  }), rules);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.split('\n').slice(1).join(' ')}`),
  }));
}

/** Decodes an 8-bit, non-interlaced PNG (what Chromium screenshots are) to RGBA. */
export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0, height = 0, colorType = 0, bitDepth = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      bitDepth = data[8]; colorType = data[9];
      if (data[12] !== 0) throw new Error('interlaced PNG');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (bitDepth !== 8 || ![2, 6].includes(colorType)) throw new Error(`unsupported PNG ${bitDepth}/${colorType}`);
  const bpp = colorType === 6 ? 4 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? line[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      let p;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: { const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c); p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break; }
        default: throw new Error('bad PNG filter ' + filter);
      }
      line[x] = (line[x] + p) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      out[(y * width + x) * 4] = line[x * bpp];
      out[(y * width + x) * 4 + 1] = line[x * bpp + 1];
      out[(y * width + x) * 4 + 2] = line[x * bpp + 2];
      out[(y * width + x) * 4 + 3] = bpp === 4 ? line[x * bpp + 3] : 255;
    }
    prev = line;
  }
  return { width, height, data: out };
}

/** Compares two PNGs: { sameSize, differing pixels (any channel off by more than `tolerance`) }. */
/* `corners`: ignore that many pixels square at each corner (where a rounded panel lets the
 * page's own background show through). */
/* `round`: compare only inside the inscribed circle (less a 1.5 px rim): a round button. */
export function comparePng(a, b, { tolerance = 0, corners = 0, round = false } = {}) {
  const A = decodePng(a), B = decodePng(b);
  if (A.width !== B.width || A.height !== B.height) {
    return { sameSize: false, size: [A.width, A.height, B.width, B.height], diff: Infinity };
  }
  let diff = 0;
  const W = A.width, H = A.height;
  for (let i = 0; i < A.data.length; i += 4) {
    const x = (i / 4) % W, y = Math.floor(i / 4 / W);
    if ((x < corners || x >= W - corners) && (y < corners || y >= H - corners)) continue;
    if (round && Math.hypot(x + 0.5 - W / 2, y + 0.5 - H / 2) > Math.min(W, H) / 2 - 1.5) continue;
    for (let k = 0; k < 4; k++) {
      if (Math.abs(A.data[i + k] - B.data[i + k]) > tolerance) { diff++; break; }
    }
  }
  return { sameSize: true, diff, total: A.width * A.height };
}

/** Text of a stream's first line with the message ids (Onyx family), parsed. */
export function idsOf(streamText) {
  for (const line of streamText.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line);
      if ('reserved_assistant_message_id' in v) return v;
    } catch { /* not JSON */ }
  }
  return null;
}
