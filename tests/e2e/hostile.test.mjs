// A hostile or broken server cannot steer or freeze the widget (issue 18): ids that would
// change a URL path are refused before any request; a source card names the host its link
// really opens; what one answer may put on the page is bounded, cut visibly; and a turn that
// never ends is stopped by its deadline. A small mock Onyx (packet v2 NDJSON, with CORS) in
// this file plays the hostile server; the turn deadline runs against the dev server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask } from './harness.mjs';
import { widgetPage, answerIn, requests, closeHosts, mockBackend, packet } from './quality.mjs';

const SESSION = '0b6c5f1e-3d2a-4f8b-9c7e-5a4b3c2d1e0f';
let dev, browser, mock;

const P = packet;
const doc = (id, extra) => ({
  document_id: id, chunk_ind: 0, semantic_identifier: id, link: null, blurb: '', source_type: 'web', boost: 0,
  hidden: false, metadata: {}, score: 0.5, match_highlights: [], updated_at: null, is_internet: false, ...extra,
});

/** What each question makes the mock send after `message_start`. */
const ANSWERS = {
  // A 50 MB answer in 64 KB deltas, written as fast as the socket takes it.
  huge: async function* () {
    const delta = P(1, { type: 'message_delta', content: 'word '.repeat(13_107) });
    for (let sent = 0; sent < 50 << 20; sent += delta.length) yield delta;
  },
  // 10,000 citation packets for one document, then a short text citing it.
  citations: function* () {
    yield P(1, { type: 'message_delta', content: 'Refunds [[1]](https://a.example/1) are allowed.' });
    for (let i = 0; i < 10_000; i++) yield P(1, { type: 'citation_info', citation_number: 1, document_id: 'D1' });
  },
  // A document with a 1 MB title and blurb, 10,000 more documents, lying and look-alike hosts.
  documents: function* () {
    const big = 'T'.repeat(1 << 20);
    const docs = [
      doc('D1', { semantic_identifier: big, blurb: big, link: 'https://a.example/1' }),
      doc('LIAR', { semantic_identifier: 'Back\\slash', link: 'https://evil.example\\@good.example/' }),
      doc('LOOK', { semantic_identifier: 'Look-alike', link: 'https://xn--pypal-4ve.com/' }),
      doc('IDN', { semantic_identifier: 'Umlaut', link: 'https://www.xn--bcher-kva.example/' }),
      doc('BIDI', { semantic_identifier: 'moc.\u202Elive\u202C title', source_type: 'w\u2066e\u2069b' }),
      ...Array.from({ length: 10_000 }, (_, i) => doc(`X${i}`)),
    ];
    yield P(0, { type: 'search_tool_documents_delta', documents: docs });
    yield P(1, { type: 'message_delta', content: 'See [[1]](https://a.example/1).' });
    yield P(1, { type: 'citation_info', citation_number: 1, document_id: 'D1' });
  },
};

async function startMock() {
  const seen = [];
  const completed = {};
  const backend = await mockBackend(async (req, res, { path, json, cors }) => {
    seen.push(path);
    const send = (obj) => { res.writeHead(200, { ...cors, 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
    if (path === '/api/chat/create-chat-session') {
      return send({ chat_session_id: json.persona_id === 7 ? '../../../evil/admin-delete?all=1#' : SESSION });
    }
    if (path.startsWith('/api/chat/stop-chat-session/')) return send(null);
    if (path !== '/api/chat/send-chat-message') { res.writeHead(404, cors); res.end(); return; }
    const answer = ANSWERS[json.message];
    res.writeHead(200, { ...cors, 'content-type': 'application/x-ndjson' });
    const closed = new Promise((r) => res.on('close', r));
    let done = false;
    res.on('close', () => { done = true; });
    res.write(JSON.stringify({ user_message_id: 1, reserved_assistant_message_id: 2 }) + '\n');
    res.write(P(1, { type: 'message_start', final_documents: null }));
    for await (const chunk of answer()) {
      if (done) break;
      if (!res.write(chunk)) await Promise.race([new Promise((r) => res.once('drain', r)), closed]);
    }
    completed[json.message] = !done;
    if (!done) res.end(P(1, { type: 'stop', stop_reason: null }));
  });
  return { ...backend, seen, completed };
}

before(async () => {
  dev = await startDevServer({ paceMs: 1 });
  mock = await startMock();
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); dev?.stop(); mock?.stop(); closeHosts(); });

/** Waits (up to 20 s) for a condition of the mock's state. */
async function until(cond) {
  for (const end = Date.now() + 20000; !cond(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error('condition not met in time: ' + cond);
  }
}

async function mockPage(persona = 0) {
  const page = await widgetPage(browser, dev, `data-backend="onyx" data-persona-id="${persona}"`, { inline: true, apiBase: `${mock.url}/api` });
  return { page, w: page.locator('#w') };
}

test('a session id that would change the URL path is refused before any request uses it', async () => {
  const { page, w } = await mockPage(7);
  mock.seen.length = 0;
  await ask(page, 'citations', w);
  const a = await answerIn(w, 'error');
  assert.match(await a.locator('[part~="error"]').innerText(), /not available/);
  assert.match(await a.locator('[part~="error-details"]').textContent(), /not a UUID/);
  assert.ok(await a.locator('[part~="retry"]').isVisible(), 'Retry offered');
  assert.deepEqual(mock.seen.filter((p) => !p.startsWith('/api/persona/')), ['/api/chat/create-chat-session'],
    'nothing was sent with the hostile id');
  await page.context().close();
});

test('a 50 MB answer is cut at 100,000 characters with a note, and the stream and the server are stopped', async () => {
  const { page, w } = await mockPage();
  mock.seen.length = 0;
  await ask(page, 'huge', w);
  const a = await answerIn(w, 'done', 60000);
  // Characters of answer text (textContent: the breaks between the pieces a line this long
  // is shown in are not answer characters).
  const text = await a.locator('[part~="answer"]').textContent();
  assert.ok(text.length <= 100_000 && text.length > 90_000, `answer length ${text.length}`);
  assert.ok(await a.locator('[part~="answer"] p').count() >= 6, 'a 100,000-character line is shown in pieces');
  assert.match(await a.locator('[part~="truncated"]').innerText(), /too long/);
  assert.ok(mock.seen.includes(`/api/chat/stop-chat-session/${SESSION}`), `server told to stop: ${mock.seen}`);
  // The widget cancelled the body: the mock never got to write all 50 MB.
  await until(() => 'huge' in mock.completed);
  assert.equal(mock.completed.huge, false, 'the stream was cut before its end');
  await page.context().close();
});

test('10,000 citation packets for one document resolve to one citation', async () => {
  const { page, w } = await mockPage();
  await ask(page, 'citations', w);
  const a = await answerIn(w, 'done', 60000);
  assert.equal(await a.locator('[part~="answer"]').innerText(), 'Refunds are allowed.');
  await page.context().close();
});

test('source cards: capped to 50 with a note, labels bounded and bidi-free, hosts as the browser parses them', async () => {
  const { page, w } = await mockPage();
  await ask(page, 'documents', w);
  const a = await answerIn(w, 'done', 60000);
  const cite = a.locator('[part~="citation"]');
  const label = await cite.getAttribute('aria-label');
  assert.ok(label.length < 300, `citation label is ${label.length} characters`);
  assert.match(await a.locator('[part~="truncated"]').innerText(), /first sources/);
  await a.locator('[part~="show-all-sources"]').click();
  const cards = a.locator('[part~="source-card"]');
  assert.equal(await cards.count(), 50);
  const card = (id) => a.locator(`[part~="source-card"][data-doc="${id}"]`);
  const title = await card('D1').locator('.source-title').innerText();
  assert.equal(title.length, 201, 'a 1 MB title is cut to 200 characters and an ellipsis');
  assert.ok((await card('D1').locator('.source-blurb').innerText()).length <= 501);
  assert.equal(await card('LIAR').locator('.source-site').innerText(), 'evil.example', 'the host the link opens');
  assert.equal(await card('LIAR').locator('a').getAttribute('href'), 'https://evil.example\\@good.example/');
  assert.equal(await card('LOOK').locator('.source-site').innerText(), 'xn--pypal-4ve.com', 'a mixed-script host stays punycode');
  assert.equal(await card('IDN').locator('.source-site').innerText(), 'bücher.example');
  const bidi = await card('BIDI').innerText();
  assert.ok(!/[\u202A-\u202E\u2066-\u2069]/.test(bidi), JSON.stringify(bidi));
  await page.context().close();
});

test('a stream that only sends heartbeats is ended by data-turn-timeout, retryable, and the server is told to stop', async () => {
  const apiBase = `${dev.url}/f/stall,heartbeat-ms=50/api`;
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-persona-id="0" data-turn-timeout="2"', { inline: true, apiBase });
  const w = page.locator('#w');
  await ask(page, 'How do I export my notes?', w);
  const a = await answerIn(w, 'error', 30000);
  assert.match(await a.locator('[part~="error"]').innerText(), /taking too long/);
  assert.match(await a.locator('[part~="error-details"]').textContent(), /took too long \(over 2 seconds\)/);
  assert.ok(await a.locator('[part~="retry"]').isVisible());
  const stops = (await requests(dev)).filter((r) => /stop-chat-session/.test(r.path ?? r.url ?? ''));
  assert.equal(stops.length, 1, 'one stop request reached the server');
  await page.context().close();
});
