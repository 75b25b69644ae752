// XSS: a corpus of hostile strings placed everywhere a server or a page author can put text —
// answer markdown, document titles, links and blurbs, follow-up questions, error messages,
// persona starters, and the widget's own data- attributes (title, welcome, placeholder,
// starter questions, text overrides). A tiny mock backend in this file (Onyx packet v2 NDJSON
// and Odyssey JSON, with CORS) serves them. Nothing may run: no dialog, no window.__pwned, no
// event-handler attribute, no script/iframe/img/… element and no javascript:/data:/vbscript:
// URL anywhere in the shadow DOM; plain-text fields show the payload as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startDevServer, launchBrowser, newPage, ask } from './harness.mjs';
import { answerIn, hostSite, closeHosts, settled } from './quality.mjs';

const J = 'window.__pwned=1';
export const PAYLOADS = [
  // Tags and event handlers
  `<script>${J}</script>`,
  `<SCRIPT SRC=data:text/javascript,${J}></SCRIPT>`,
  `<img src=x onerror="${J}">`,
  `<img src="x" onerror=alert(1)//`,
  `<svg onload=${J}>`,
  `<svg><script>${J}</script></svg>`,
  `<svg><a xlink:href="javascript:${J}"><text y="20">svg link</text></a></svg>`,
  `<iframe src="javascript:${J}"></iframe>`,
  `<iframe srcdoc="<script>parent.${J}</script>"></iframe>`,
  `<body onload=${J}>`,
  `<details open ontoggle=${J}>`,
  `<video><source onerror="${J}"></video>`,
  `<audio src=x onerror=alert(1)>`,
  `<input autofocus onfocus=${J}>`,
  `<marquee onstart=${J}>x</marquee>`,
  `<object data="javascript:${J}"></object>`,
  `<embed src="data:text/html,<script>parent.${J}</script>">`,
  `<math><mtext><table><mglyph><style><img src=x onerror=${J}>`,
  `<style>@import 'javascript:${J}';</style>`,
  `<link rel=stylesheet href="javascript:${J}">`,
  `<meta http-equiv="refresh" content="0;url=javascript:${J}">`,
  `<base href="javascript:${J}//">`,
  `<form action="javascript:${J}"><button>go</button></form>`,
  `<a href="javascript:${J}">html link</a>`,
  `<div style="background:url(javascript:${J})">styled</div>`,
  `<template><script>${J}</script></template>`,
  `<noscript><p title="</noscript><img src=x onerror=${J}>">`,
  // Attribute and tag breakouts
  `"><script>${J}</script>`,
  `'><img src=x onerror=${J}>`,
  `" onmouseover="${J}" x="`,
  `' autofocus onfocus='${J}`,
  `</script><script>${J}</script>`,
  `</textarea><script>${J}</script>`,
  `</title><script>${J}</script>`,
  `--><script>${J}</script><!--`,
  `<![CDATA[<script>${J}</script>]]>`,
  // Entity tricks
  `&lt;script&gt;${J}&lt;/script&gt;`,
  `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;${J}">entity link</a>`,
  `<img src=x onerror="&#119;indow.__pwned=1">`,
  `&#60;img src=x onerror=${J}&#62;`,
  `\\u003cscript\\u003e${J}\\u003c/script\\u003e`,
  // Markdown link and image tricks
  `[click](javascript:${J})`,
  `[click](JaVaScRiPt:${J})`,
  `[click]( javascript:${J} )`,
  `[click](java&#115;cript:${J})`,
  `[click](&#x6A;avascript:${J})`,
  `[click](<javascript:${J}>)`,
  `[click](vbscript:msgbox(1))`,
  `[click](data:text/html;base64,PHNjcmlwdD5wYXJlbnQud2luZG93Ll9fcHdubmVkPTE8L3NjcmlwdD4=)`,
  `[click](data:text/html,<script>${J}</script>)`,
  `<javascript:${J}>`,
  `[ref link][r]\n\n[r]: javascript:${J}`,
  `![pic](javascript:${J})`,
  `![pic](x" onerror="${J})`,
  `![pic](data:image/svg+xml,<svg onload=${J}>)`,
  `[x](https://ok.example/"onmouseover="${J})`,
  `[[1]](javascript:${J})`,
  `**<img src=x onerror=${J}>**`,
  '`<script>' + J + '</script>`',
  '```html\n<script>' + J + '</script>\n```',
  `| a | b |\n|---|---|\n| <img src=x onerror=${J}> | [t](javascript:${J}) |`,
  `> <svg onload=${J}>`,
  `- [ ] <img src=x onerror=${J}>`,
  `<https://ok.example/?q="><script>${J}</script>>`,
];

/** Links for documents: the hostile schemes, and a few payloads that are URLs. */
const LINKS = [
  `javascript:${J}`, `JAVASCRIPT:${J}`, ` javascript:${J}`, `java\tscript:${J}`, `jav&#x09;ascript:${J}`,
  `data:text/html,<script>${J}</script>`, `vbscript:msgbox(1)`, `//evil.example/x`, `https://ok.example/"><script>${J}</script>`,
];

let dev, browser, mock;

/** The mock backend: Onyx packet v2 (session, persona, stream, errors) and Odyssey JSON. */
function startMock() {
  const P = (turn, obj) => JSON.stringify({ placement: { turn_index: turn, tab_index: 0, sub_turn_index: null, model_index: 0 }, obj });
  const docs = PAYLOADS.map((p, i) => ({
    document_id: `D-${i + 1}`, chunk_ind: 0, semantic_identifier: p, link: LINKS[i % LINKS.length], blurb: p,
    source_type: 'web', boost: 0, hidden: false, metadata: {}, score: 0.5, is_relevant: null, relevance_explanation: null,
    match_highlights: [p], updated_at: null, primary_owners: null, secondary_owners: null, is_internet: false, file_id: null,
  }));
  const server = http.createServer(async (req, res) => {
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, POST, OPTIONS' };
    if (req.method === 'OPTIONS') { res.writeHead(204, cors); res.end(); return; }
    let body = '';
    for await (const c of req) body += c;
    const json = body ? JSON.parse(body) : {};
    const path = new URL(req.url, 'http://x').pathname;
    const send = (status, obj, type = 'application/json') => { res.writeHead(status, { ...cors, 'content-type': type }); res.end(typeof obj === 'string' ? obj : JSON.stringify(obj)); };
    if (path === '/api/chat/create-chat-session') return send(200, { chat_session_id: '3f2b8c1e-0d4a-4c6e-9b7a-1e2d3c4b5a69', incognito: false });
    if (path.startsWith('/api/persona/')) {
      return send(200, { id: 0, name: PAYLOADS[0], starter_messages: PAYLOADS.slice(0, 12).map((p) => ({ name: p, message: p })) });
    }
    if (path === '/api/chat/stop-chat-session/3f2b8c1e-0d4a-4c6e-9b7a-1e2d3c4b5a69' || path === '/api/chat/create-chat-message-feedback') return send(200, null);
    if (path === '/api/chat/send-chat-message') {
      const q = json.message || '';
      const lines = [JSON.stringify({ user_message_id: 1, reserved_assistant_message_id: 2 })];
      let m;
      if ((m = q.match(/^stream-error (\d+)$/))) {
        lines.push(P(1, { type: 'message_start', final_documents: null }));
        lines.push(P(1, { type: 'message_delta', content: 'Partial ' }));
        lines.push(JSON.stringify({ error: PAYLOADS[+m[1]], stack_trace: null }));
        return send(200, lines.join('\n') + '\n', 'text/event-stream');
      }
      if ((m = q.match(/^http-error (\d+)$/))) return send(400, { detail: PAYLOADS[+m[1]] });
      lines.push(P(0, { type: 'search_tool_start', is_internet_search: false }));
      lines.push(P(0, { type: 'search_tool_queries_delta', queries: PAYLOADS.slice(0, 3) }));
      lines.push(P(0, { type: 'search_tool_documents_delta', documents: docs }));
      lines.push(P(0, { type: 'section_end' }));
      lines.push(P(1, { type: 'message_start', final_documents: docs }));
      PAYLOADS.forEach((p, i) => {
        lines.push(P(1, { type: 'citation_info', citation_number: i + 1, document_id: `D-${i + 1}` }));
        lines.push(P(1, { type: 'message_delta', content: `${p} [[${i + 1}]](${LINKS[i % LINKS.length]})\n\n` }));
      });
      lines.push(P(1, { type: 'stop', stop_reason: null }));
      res.writeHead(200, { ...cors, 'content-type': 'text/event-stream' });
      for (const l of lines) res.write(l + '\n');
      res.end();
      return;
    }
    if (path === '/api/chat/message') {
      return send(200, { data: {
        id: 'r1', query: json.message, type: 'response', rootAgentName: PAYLOADS[1],
        response: PAYLOADS.join('\n\n'),
        followUps: { id: 'f', questions: PAYLOADS.slice(0, 20) },
        sourceSnips: PAYLOADS.slice(0, 20).map((p, i) => ({ chunkid: `c${i}`, content: p, displaytext: p, filename: p, filetype: p, url: LINKS[i % LINKS.length] })),
        stepsBreakdown: [{ agentname: PAYLOADS[2], content: {}, external: 'none', step_id: 's', type: 'rag' }],
      } });
    }
    send(404, { detail: 'not found' });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, stop: () => { server.close(); server.closeAllConnections(); },
  })));
}

before(async () => {
  dev = await startDevServer({ paceMs: 1 });
  mock = await startMock();
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); dev?.stop(); mock?.stop(); closeHosts(); });

const esc = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A page that records dialogs; `__pwned` is checked on it later. */
async function hostilePage(body) {
  const host = await hostSite({ '/': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>XSS</title></head><body>${body}</body></html>` });
  const page = await newPage(browser);
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.host = host;
  await page.goto(host.url + '/');
  return page;
}

/** Nothing ran, and nothing that could run is in any shadow root. */
async function assertInert(page) {
  // Anything that could run (an error or load handler, a queued task) has had its turn.
  await settled(page);
  assert.deepEqual(page.dialogs, [], 'no dialog opened');
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no payload ran');
  const bad = await page.evaluate(() => {
    const out = [];
    const roots = [...document.querySelectorAll('*')].filter((e) => e.shadowRoot).map((e) => e.shadowRoot);
    const forbidden = new Set(['script', 'iframe', 'object', 'embed', 'img', 'image', 'video', 'audio', 'source', 'form', 'base', 'meta', 'link', 'style', 'math', 'template', 'frame', 'frameset', 'marquee', 'details', 'input']);
    for (const root of roots) {
      for (const el of root.querySelectorAll('*')) {
        const name = el.localName;
        // The widget's own checkboxes (task lists) are disabled inputs it creates itself.
        const own = (name === 'input' && el.type === 'checkbox' && el.disabled)
          || (name === 'form' && el.getAttribute('part') === 'composer' && !el.hasAttribute('action'))
          // The widget's own collapsed error details (its event handlers are checked below).
          || (name === 'details' && el.getAttribute('part') === 'error-details' && el.attributes.length === 2);
        if (forbidden.has(name) && !own) out.push(`<${name}>`);
        for (const a of el.attributes) {
          if (/^on/i.test(a.name)) out.push(`${name}[${a.name}]`);
          if (/^(href|src|action|formaction|xlink:href|data|srcdoc|style)$/i.test(a.name)
            && /^\s*(javascript|data|vbscript)\s*:/i.test(a.value.replace(/[\u0000-\u001f]/g, ''))) out.push(`${name}[${a.name}=${a.value}]`);
        }
        if (name === 'a' && !/^(https?:|mailto:)/i.test(el.getAttribute('href') ?? 'https:')) out.push(`a[href=${el.getAttribute('href')}]`);
      }
      // Only the widget's own icons are SVG: none carries payload-like content.
      for (const svg of root.querySelectorAll('svg')) {
        if (svg.getAttribute('aria-hidden') !== 'true' || svg.querySelector('script, a, text, foreignObject')) out.push('<svg> from content');
      }
    }
    return out;
  });
  assert.deepEqual(bad, [], 'no executable markup in the shadow DOM');
}

const norm = (s) => s.replace(/\s+/g, ' ').trim();

test(`corpus has at least 50 payloads (${PAYLOADS.length})`, () => {
  assert.ok(PAYLOADS.length >= 50);
});

test('onyx: payloads in answer text, citations, document titles, links, blurbs, persona starters, search queries', async () => {
  const page = await hostilePage(`<div id="w" data-sherpa style="height:700px"></div>
    <script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${mock.url}/api" data-backend="onyx"></script>`);
  const w = page.locator('#w');
  // Persona starters (served by the mock) are payloads: shown as text.
  await w.locator('[part~="starter"]').first().waitFor();
  const starters = await w.locator('[part~="starter"]').evaluateAll((els) => els.map((e) => e.textContent));
  assert.ok(starters.length >= 3, 'persona starters shown');
  assert.deepEqual(starters.map(norm), PAYLOADS.slice(0, starters.length).map(norm), 'starters shown as text');
  await assertInert(page);
  await ask(page, 'hello', w);
  const a = await answerIn(w, 'done');
  // Raw HTML in the answer shows as text.
  const answerText = await a.locator('[part~="answer"]').evaluate((e) => e.textContent);
  for (const p of PAYLOADS.filter((p) => /^<(script|svg|iframe|img)/i.test(p))) {
    assert.ok(answerText.includes(p.replace(/__pwned/g, '').slice(0, 12)) || answerText.includes(p.slice(0, 12)), `shown as text: ${p}`);
  }
  await a.locator('[part~="show-all-sources"]').click();
  const cards = a.locator('[part~="source-card"]');
  // An answer keeps its first 50 sources (README "Limits"): the first 50 payload documents.
  const SHOWN = PAYLOADS.slice(0, 50);
  assert.equal(await cards.count(), SHOWN.length);
  const titles = await cards.locator('.source-title').evaluateAll((els) => els.map((e) => e.textContent));
  const blurbs = await cards.locator('.source-blurb').evaluateAll((els) => els.map((e) => e.textContent));
  assert.deepEqual(new Set(titles.map(norm)), new Set(SHOWN.map(norm)), 'titles shown as text');
  // Snippets are shown as plain text with their markdown rendered away (issue 15 item 7): each
  // is one text node, and raw HTML stays text.
  const blurbKids = await cards.locator('.source-blurb').evaluateAll((els) => els.map((e) => e.childElementCount));
  assert.ok(blurbKids.every((n) => n === 0), 'blurbs are text only');
  assert.equal(blurbs.length, SHOWN.length);
  // Raw HTML stays text: each payload that is a tag shows its opening in its card's snippet.
  const tags = SHOWN.filter((p) => /^<[a-z]+ /i.test(p));
  assert.ok(tags.length >= 5, `tag payloads (${tags.length})`);
  for (const p of tags) {
    const head = p.slice(0, p.indexOf(' ') + 1);
    assert.ok(blurbs.some((b) => b.includes(head)), `raw HTML shown as text in a snippet: ${p}`);
  }
  // Every card title with a hostile link is plain text, not a link.
  const hrefs = await cards.locator('a.source-title').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
  assert.ok(hrefs.every((h) => /^https:\/\//.test(h)), JSON.stringify(hrefs));
  // Click every citation (each reveals its card) and every link-looking thing; still inert.
  const cites = a.locator('[part~="citation"]');
  for (let i = 0; i < Math.min(await cites.count(), 12); i++) await cites.nth(i).click();
  await assertInert(page);
  page.host.stop();
});

test('onyx: payloads as streamed and HTTP error messages are shown as text', async () => {
  const page = await hostilePage(`<div id="w" data-sherpa style="height:700px"></div>
    <script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${mock.url}/api" data-backend="onyx"
      data-starter-questions="x"></script>`);
  const w = page.locator('#w');
  const picks = [0, 2, 4, 6, 27, 29, 31, 36, 41, 51];
  for (const i of picks) {
    for (const kind of ['stream-error', 'http-error']) {
      await ask(page, `${kind} ${i}`, w);
      const a = await answerIn(w, 'error');
      // The server's text is kept for the site owner under Details (visitors read a plain sentence).
      const text = await a.locator('[part~="error-details"] p').evaluate((e) => e.textContent);
      assert.ok(norm(text).includes(norm(PAYLOADS[i]).slice(0, 290)), `${kind} ${i}: ${text}`);
    }
  }
  await assertInert(page);
  page.host.stop();
});

test('odyssey: payloads in the answer, follow-up questions, source snippets and steps', async () => {
  const page = await hostilePage(`<div id="w" data-sherpa style="height:700px"></div>
    <script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${mock.url}/api" data-backend="odyssey"
      data-workspace-id="ws-1" data-user-id="u" data-api-key="k"></script>`);
  const w = page.locator('#w');
  await ask(page, 'hello', w);
  const a = await answerIn(w, 'done');
  const chips = await a.locator('[part~="follow-up"]').evaluateAll((els) => els.map((e) => e.textContent));
  assert.ok(chips.length >= 3);
  for (const c of chips) assert.ok(PAYLOADS.map(norm).includes(norm(c)), `follow-up shown as text: ${c}`);
  await assertInert(page);
  // Sending a hostile follow-up sends it as text and shows it as the user's message.
  await a.locator('[part~="follow-up"]').first().click();
  await w.locator('[part~="message-user"]').nth(1).waitFor();
  assert.equal(norm(await w.locator('[part~="message-user"]').nth(1).evaluate((e) => e.textContent)), norm(chips[0]));
  await answerIn(w, 'done');
  await assertInert(page);
  page.host.stop();
});

test('the widget\'s own data- attributes: title, welcome, placeholder, starters, text overrides', async () => {
  // One launcher (script tag) and one inline instance per payload, each attribute a payload.
  // The host page escapes attribute values, as any correct page does.
  const noPipe = PAYLOADS.filter((p) => !p.includes('|'));
  const n = PAYLOADS.length;
  const widgets = PAYLOADS.map((p, i) => `<div class="w" data-sherpa style="height:320px"
    data-title="${esc(p)}" data-welcome="${esc(PAYLOADS[(i + 1) % n])}" data-placeholder="${esc(PAYLOADS[(i + 2) % n])}"
    data-starter-questions="${esc(noPipe[i % noPipe.length])} | ${esc(noPipe[(i + 3) % noPipe.length])}"
    data-text-send="${esc(PAYLOADS[(i + 4) % n])}" data-text-sources="${esc(PAYLOADS[(i + 5) % n])}"
    data-text-retry="${esc(PAYLOADS[(i + 6) % n])}" data-text-new-chat="${esc(PAYLOADS[(i + 7) % n])}"></div>`).join('\n');
  const page = await hostilePage(`${widgets}
    <script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${dev.url}/api" data-backend="onyx"
      data-title="${esc(PAYLOADS[5])}" data-welcome="${esc(PAYLOADS[6])}" data-placeholder="${esc(PAYLOADS[7])}"
      data-text-open-chat="${esc(PAYLOADS[8])} {title}"></script>`);
  await page.locator('.w[data-sherpa-mounted]').nth(n - 1).waitFor({ state: 'attached' });
  await page.locator('.w').last().locator('[part~="starter"]').first().waitFor({ state: 'attached' });
  const seen = await page.evaluate(() => [...document.querySelectorAll('.w')].map((h) => {
    const r = h.shadowRoot;
    return {
      title: r.querySelector('.title')?.textContent,
      welcome: r.querySelector('.welcome p')?.textContent,
      placeholder: r.querySelector('[part~="input"]')?.getAttribute('placeholder'),
      starters: [...r.querySelectorAll('[part~="starter"]')].map((s) => s.textContent),
      newChat: r.querySelector('[part~="new-chat"]')?.getAttribute('aria-label'),
    };
  }));
  seen.forEach((s, i) => {
    assert.equal(norm(s.title), norm(PAYLOADS[i]), `title ${i}`);
    assert.equal(norm(s.welcome), norm(PAYLOADS[(i + 1) % n]), `welcome ${i}`);
    assert.equal(norm(s.placeholder), norm(PAYLOADS[(i + 2) % n]), `placeholder ${i}`);
    assert.deepEqual(s.starters.map(norm), [noPipe[i % noPipe.length], noPipe[(i + 3) % noPipe.length]].map(norm), `starters ${i}`);
    assert.equal(norm(s.newChat), norm(PAYLOADS[(i + 7) % n]), `text override ${i}`);
  });
  // The launcher's title and the templated label.
  const launcher = page.locator('sherpa-chat [part~="launcher"]');
  assert.equal(norm(await launcher.getAttribute('aria-label')), norm(`${PAYLOADS[8]} ${PAYLOADS[5]}`));
  await launcher.click();
  assert.equal(norm(await page.locator('sherpa-chat .title').evaluate((e) => e.textContent)), norm(PAYLOADS[5]));
  // Use one inline widget (answer, sources heading override, retry override on an error).
  const w = page.locator('.w').first();
  await w.scrollIntoViewIfNeeded();
  await ask(page, 'Can I get a refund?', w);
  const a = await answerIn(w, 'done');
  assert.equal(norm(await a.locator('.sources-title').evaluate((e) => e.textContent)), norm(PAYLOADS[5]));
  await assertInert(page);
  page.host.stop();
});

test('the checks above would notice: planted markup in a shadow root fails assertInert', async () => {
  const page = await hostilePage(`<div id="w" data-sherpa style="height:300px"></div>
    <script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${dev.url}/api"></script>`);
  await page.locator('#w [part~="input"]').waitFor();
  for (const html of ['<a href="javascript:void 0">x</a>', '<b onclick="x()">x</b>', '<img alt="">', '<a href="data:text/html,x">x</a>']) {
    await page.evaluate((h) => {
      const t = document.createElement('template');
      t.innerHTML = h;
      const root = document.querySelector('#w').shadowRoot;
      root.querySelector('.planted')?.remove();
      const div = document.createElement('div');
      div.className = 'planted';
      div.append(t.content);
      root.querySelector('.thread').append(div);
    }, html);
    await assert.rejects(assertInert(page), /no executable markup/, html);
  }
  await page.evaluate(() => { window.__pwned = 1; });
  await assert.rejects(assertInert(page), /no payload ran/);
  page.host.stop();
});
