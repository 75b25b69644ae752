// First impressions (issue 19): layout and motion details, each measured in Chromium — tables
// keep words whole, buttons line up, labels do not resize their button, notes stay in view,
// citation markers stay with their word, the composer, the launcher, the jump pill, source
// titles, focus ring and Stop colour, sources that stay put while an answer streams, follow-ups
// of older answers, the panel's transition, and the citation card (hover, keyboard, touch).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask, lastAnswer } from './harness.mjs';
import { answerIn, widgetPage, closeHosts, waitFocus, axe, activePart, animationsDone } from './quality.mjs';

let dev, slow, browser;
before(async () => {
  dev = await startDevServer({ paceMs: 0 });
  // Slow enough that an answer streams over many frames.
  slow = await startDevServer({ paceMs: 25 });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); dev?.stop(); slow?.stop(); closeHosts(); });

const SYNC = 'My notes are not syncing, what should I do?';
const desktop = { viewport: { width: 1280, height: 800 } };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A launcher widget on another origin, opened, with the answer to `question` done. */
async function answered(question, { server = dev, attrs = 'data-backend="onyx"', context = desktop } = {}) {
  const page = await widgetPage(browser, server, attrs, { context });
  const scope = page.locator('sherpa-chat');
  await ask(page, question, scope);
  const a = await answerIn(scope, 'done');
  // Measured boxes include the panel's opening transform (scale 0.98 → 1): let it end first.
  await animationsDone(scope.locator('[part~="panel"]'));
  return { page, scope, a };
}

/** Runs `fn(root, arg)` in the page with the first widget's shadow root. */
function inRoot(page, fn, arg) {
  return page.evaluate(([src, a]) => {
    const root = document.querySelector('sherpa-chat, [data-sherpa]').shadowRoot;
    return new Function('root', 'arg', `return (${src})(root, arg)`)(root, a);
  }, [fn.toString(), arg]);
}

/** Words of table cells that are split over two lines (each word's boxes on several lines). */
function brokenCellWords(root) {
  const broken = [];
  for (const cell of root.querySelectorAll('[part~="answer"] td, [part~="answer"] th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      for (const m of t.data.matchAll(/\S+/g)) {
        const r = document.createRange();
        r.setStart(t, m.index);
        r.setEnd(t, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}

for (const [name, context] of [['desktop', desktop], ['390 px', phone]]) {
  test(`item 2, ${name}: table cells keep their words whole; a wide table scrolls sideways inside the answer`, async () => {
    const { page, scope, a } = await answered('What plans are there?', { context });
    assert.ok(await a.locator('table th').count() >= 5, 'the plans table');
    assert.deepEqual(await inRoot(page, brokenCellWords), []);
    const fit = await a.locator('.table-wrap').evaluate((w) => {
      const answer = w.closest('[part~="answer"]').getBoundingClientRect();
      const r = w.getBoundingClientRect();
      return { inside: r.left >= answer.left - 0.5 && r.right <= answer.right + 0.5, scrolls: w.scrollWidth > w.clientWidth, overflow: getComputedStyle(w).overflowX };
    });
    assert.ok(fit.inside, 'the table wrapper stays inside the answer');
    assert.equal(fit.overflow, 'auto');
    if (name === '390 px') assert.ok(fit.scrolls, 'at 390 px the table is wider than the answer and scrolls');
    assert.ok(await scope.locator('[part~="panel"]').isVisible());
    await page.close();
  });
}

/** Rectangles (top, bottom, left, right, height, width) of the matching elements. */
function rects(root, sel) {
  return [...root.querySelectorAll(sel)].map((e) => {
    const r = e.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height, width: r.width };
  });
}

const clip = { ...desktop, permissions: ['clipboard-read', 'clipboard-write'] };
/** The box of the last element matching `sel` in the first widget. */
const box = async (page, sel) => (await inRoot(page, rects, sel)).at(-1);

test('item 10: the thumb buttons are as tall as the text buttons, their glyphs centred', async () => {
  const { page } = await answered(SYNC, { context: clip });
  const copy = await box(page, '[part~="copy"]');
  for (const part of ['feedback-up', 'feedback-down']) {
    const b = await box(page, `[part~="${part}"]`);
    const glyph = await box(page, `[part~="${part}"] svg`);
    assert.ok(Math.abs(b.height - copy.height) < 0.5, `${part} ${b.height} px tall, copy ${copy.height} px`);
    assert.ok(Math.abs(b.top - copy.top) < 0.5, `${part} on the same line as copy`);
    const off = (glyph.top + glyph.bottom) / 2 - (b.top + b.bottom) / 2;
    assert.ok(Math.abs(off) < 0.5, `${part} glyph ${off} px off centre`);
  }
  await page.close();
});

test('item 10: "Copied" keeps the copy button\'s width and the row in place', async () => {
  const { page, a } = await answered(SYNC, { context: clip });
  const copy = await box(page, '[part~="copy"]');
  const regen = await box(page, '[part~="regenerate"]');
  await a.locator('[part~="copy"]').click();
  await a.locator('[part~="copy"]').filter({ hasText: 'Copied' }).waitFor();
  assert.equal((await box(page, '[part~="copy"]')).width, copy.width, '"Copied" keeps the button width');
  assert.equal((await box(page, '[part~="regenerate"]')).left, regen.left, 'the row does not shift');
  await page.close();
});

test('item 10: "Thanks for your feedback!" shows inside the thread, not behind the composer', async () => {
  const { page, a } = await answered(SYNC, { context: clip });
  await a.locator('[part~="feedback-up"]').click();
  await a.locator('[part~="feedback-send"]').click();
  await a.locator('.actions [role="status"]').waitFor();
  await page.waitForFunction(() => {
    const root = document.querySelector('sherpa-chat').shadowRoot;
    const n = root.querySelector('.actions [role="status"]')?.getBoundingClientRect();
    const t = root.querySelector('[part~="thread"]').getBoundingClientRect();
    return n && n.top >= t.top && n.bottom <= t.bottom;
  }, null, { timeout: 5000 });
  await page.close();
});

/** For every citation in the answer, whether the last letter before it is on its line. */
function citationsAlone(root) {
  const alone = [];
  for (const c of root.querySelectorAll('[part~="answer"] [part~="citation"]')) {
    const block = c.closest('p, li, td, th, h3, h4, h5, h6');
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let last = null;
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (c.contains(t) || (c.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING)) break;
      if (t.parentElement.closest('[part~="citation"], .citation, [role="tooltip"]')) continue;
      const i = t.data.search(/\S\s*$/);
      if (i >= 0) last = [t, i];
    }
    if (!last) continue;
    const r = document.createRange();
    r.setStart(last[0], last[1]);
    r.setEnd(last[0], last[1] + 1);
    const ch = r.getBoundingClientRect();
    const b = c.getBoundingClientRect();
    if (!(ch.top < b.bottom && b.top < ch.bottom)) alone.push(c.dataset.citation);
  }
  return alone;
}

test('item 10: citation markers never wrap onto a line of their own (any widget width)', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"', { inline: true, style: 'height:700px;width:300px', context: desktop });
  const scope = page.locator('#w');
  await ask(page, SYNC, scope);
  await answerIn(scope, 'done');
  const failures = await page.evaluate(([src]) => {
    const host = document.querySelector('#w');
    const check = new Function('root', `return (${src})(root)`);
    const out = [];
    for (let w = 260; w <= 520; w += 2) {
      host.style.width = `${w}px`;
      const alone = check(host.shadowRoot);
      if (alone.length) out.push(`${w}px: [${alone}]`);
    }
    return out;
  }, [citationsAlone.toString()]);
  assert.deepEqual(failures, []);
  await page.close();
});

test('item 10: the send button keeps its size on Shift+Enter', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-open="true"', { context: desktop });
  const input = page.locator('sherpa-chat [part~="input"]');
  await input.waitFor();
  await animationsDone(page.locator('sherpa-chat [part~="panel"]'));
  const send = await box(page, '[part~="send"]');
  const before = await box(page, '[part~="input"]');
  await input.click();
  await input.type('first line');
  for (let i = 0; i < 3; i++) await input.press('Shift+Enter');
  await input.type('fourth line');
  await page.waitForFunction((h) => document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="input"]').getBoundingClientRect().height > h + 30, before.height);
  const s = await box(page, '[part~="send"]');
  const t = await box(page, '[part~="input"]');
  assert.ok(Math.abs(s.height - send.height) < 0.5, `send ${send.height} → ${s.height} px`);
  assert.ok(Math.abs(s.bottom - t.bottom) < 1, 'send sits at the bottom of the input');
  await page.close();
});

test('item 10: the send arrow is mirrored in right-to-left only', async () => {
  for (const [lang, transform] of [['en', 'none'], ['ar', 'matrix(-1, 0, 0, 1, 0, 0)']]) {
    const page = await widgetPage(browser, dev, `data-backend="onyx" data-open="true" data-lang="${lang}"`, { context: desktop });
    const arrow = page.locator('sherpa-chat [part~="send"] svg');
    await arrow.waitFor();
    assert.equal(await arrow.evaluate((e) => getComputedStyle(e).transform), transform, lang);
    await page.close();
  }
});

test('item 10: Stop has the accent colour of Send', async () => {
  const page = await widgetPage(browser, slow, 'data-backend="onyx" data-open="true"', { context: desktop });
  const scope = page.locator('sherpa-chat');
  await scope.locator('[part~="input"]').waitFor();
  const sendBg = await scope.locator('[part~="send"]').evaluate((e) => getComputedStyle(e).backgroundColor);
  await ask(page, SYNC, scope);
  const stop = scope.locator('[part~="stop"]');
  await stop.waitFor();
  assert.equal(await stop.evaluate((e) => getComputedStyle(e).backgroundColor), sendBg);
  await page.close();
});

/** The `d` of the launcher's visible icon, and its label. */
function launcherLook(root) {
  const b = root.querySelector('[part~="launcher"]');
  const svg = [...b.querySelectorAll('svg')].filter((s) => getComputedStyle(s).display !== 'none');
  return { label: b.getAttribute('aria-label'), icons: svg.map((s) => s.querySelector('path').getAttribute('d')) };
}

test('item 10: the launcher says and shows "close" while the panel is open', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-title="Lumen Help"', { context: desktop });
  const launcher = page.locator('sherpa-chat [part~="launcher"]');
  await launcher.click();
  await waitFocus(page, 'input');
  await page.locator('sherpa-chat [part~="close"]').click();
  await waitFocus(page, 'launcher');
  const closed = await inRoot(page, launcherLook);
  assert.match(closed.label, /Lumen Help/);
  assert.equal(closed.icons.length, 1);
  await launcher.click();
  await waitFocus(page, 'input');
  const open = await inRoot(page, launcherLook);
  assert.equal(open.label, 'Close chat');
  assert.equal(open.icons.length, 1);
  assert.notEqual(open.icons[0], closed.icons[0], 'another icon while open');
  await page.close();
});

/** Whether two rectangles overlap. */
const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

test('item 10: "Jump to latest" covers nothing in the thread', async () => {
  const { page, scope } = await answered(SYNC);
  await inRoot(page, (root) => { root.querySelector('[part~="thread"]').scrollTop = 0; });
  await scope.locator('[part~="jump"]').waitFor();
  const j = await box(page, '[part~="jump"]');
  const t = await box(page, '[part~="thread"]');
  assert.ok(!overlap(j, t), `the pill ${JSON.stringify(j)} lies over the thread ${JSON.stringify(t)}`);
  await page.close();
});

test('item 10: source titles are neither bold nor underlined', async () => {
  const { page, a } = await answered(SYNC);
  const title = await a.locator('.source-title').first().evaluate((e) => {
    const s = getComputedStyle(e);
    return { weight: Number(s.fontWeight), line: s.textDecorationLine };
  });
  assert.ok(title.weight < 600, `source title weight ${title.weight}`);
  assert.equal(title.line, 'none');
  await page.close();
});

test('item 10: the focused input has one ring', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx" data-open="true"', { context: desktop });
  const input = page.locator('sherpa-chat [part~="input"]');
  await input.waitFor();
  await input.focus();
  const ring = await input.evaluate((e) => {
    const s = getComputedStyle(e);
    return { style: s.outlineStyle, offset: parseFloat(s.outlineOffset), border: parseFloat(s.borderTopWidth), focus: e.matches(':focus-visible') };
  });
  assert.ok(ring.focus, 'focus-visible');
  // One ring: no outline, or an outline drawn over the border (not beside it).
  assert.ok(ring.style === 'none' || ring.offset <= -ring.border, JSON.stringify(ring));
  await page.close();
});

test('item 11: the sources and the answer stay put while the text streams', async () => {
  const page = await widgetPage(browser, slow, 'data-backend="onyx"', { context: desktop });
  const scope = page.locator('sherpa-chat');
  await ask(page, SYNC, scope);
  await answerIn(scope, 'streaming');
  // Every frame until the answer ends: where the first source card and the answer start,
  // measured from the top of their message, once there is text.
  const samples = await page.evaluate(() => new Promise((resolve) => {
    const root = document.querySelector('sherpa-chat').shadowRoot;
    const seen = [];
    const frame = () => {
      const msg = [...root.querySelectorAll('[part~="message-assistant"]')].at(-1);
      if (msg.dataset.state === 'done') return resolve(seen);
      const card = msg.querySelector('[part~="source-card"]');
      const answer = msg.querySelector('[part~="answer"]');
      if (card && answer.textContent.trim()) {
        const top = msg.getBoundingClientRect().top;
        seen.push({ card: card.getBoundingClientRect().top - top, answer: answer.getBoundingClientRect().top - top, len: answer.textContent.length });
      }
      requestAnimationFrame(frame);
    };
    frame();
  }));
  assert.ok(new Set(samples.map((s) => s.len)).size >= 5, `the text grew over several frames (${samples.length} samples)`);
  assert.deepEqual([...new Set(samples.map((s) => s.card))], [samples[0].card], 'the first source card never moved');
  assert.deepEqual([...new Set(samples.map((s) => s.answer))], [samples[0].answer], 'the answer never moved');
  await page.close();
});

test('item 11: when the answer ends and its sources go below it, the line being read stays put', async () => {
  // Slower still, so the answer is still being written when the reader has scrolled.
  const page = await widgetPage(browser, slow, 'data-backend="onyx"', {
    context: desktop, apiBase: `${slow.url}/f/pace=80/api`,
    // A short panel, so the text outgrows the thread well before it ends.
    head: '<style>sherpa-chat { --sherpa-height: 360px; }</style>',
  });
  const scope = page.locator('sherpa-chat');
  await ask(page, SYNC, scope);
  await answerIn(scope, 'streaming');
  await page.waitForFunction(() => {
    const root = document.querySelector('sherpa-chat').shadowRoot;
    const t = root.querySelector('[part~="thread"]');
    return [...root.querySelectorAll('[part~="answer"]')].at(-1).offsetHeight > t.clientHeight + 100;
  });
  // The reader scrolls up (the thread stops following) so the answer's text starts at the top
  // of the thread, and reads on.
  await inRoot(page, (root) => {
    const thread = root.querySelector('[part~="thread"]');
    thread.scrollTop = 0;
    thread.dispatchEvent(new Event('scroll'));
  });
  await scope.locator('[part~="jump"]').waitFor();
  const moves = await page.evaluate(() => new Promise((resolve) => {
    const root = document.querySelector('sherpa-chat').shadowRoot;
    const thread = root.querySelector('[part~="thread"]');
    const msg = [...root.querySelectorAll('[part~="message-assistant"]')].at(-1);
    const answer = msg.querySelector('[part~="answer"]');
    const at = () => answer.getBoundingClientRect().top - thread.getBoundingClientRect().top;
    thread.scrollTop += at() + 5;
    const start = at();
    const seen = [];
    let after = 0;
    let streaming = 0;
    const frame = () => {
      seen.push(at() - start);
      if (msg.dataset.state === 'streaming') streaming++;
      if (msg.dataset.state === 'done') after++;
      if (after > 3) resolve({ seen, streaming, below: msg.querySelector('[part~="sources"]').getBoundingClientRect().top > answer.getBoundingClientRect().bottom });
      else requestAnimationFrame(frame);
    };
    frame();
  }));
  assert.ok(moves.streaming >= 5, `the answer was still streaming when the reader scrolled (${moves.streaming} frames)`);
  assert.ok(moves.below, 'the sources are below the finished answer');
  assert.ok(moves.seen.every((d) => Math.abs(d) < 1), `the text moved: ${[...new Set(moves.seen.map(Math.round))]}`);
  await page.close();
});

test('item 11: once a new question is asked, older answers retire their follow-up chips', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="odyssey" data-workspace-id="lumen" data-user-id="user-7" data-api-key="od_live_key"', { context: desktop });
  const scope = page.locator('sherpa-chat');
  await ask(page, SYNC, scope);
  const first = await answerIn(scope, 'done');
  await first.locator('[part~="follow-up"]').first().waitFor();
  await ask(page, 'What plans are there?', scope);
  const older = scope.locator('[part~="message-assistant"]').first();
  await older.locator('[part~="follow-ups"]').waitFor({ state: 'detached' });
  await answerIn(scope, 'done');
  assert.equal(await older.locator('[part~="follow-up"]').count(), 0, 'the older answer has no chips');
  assert.ok(await lastAnswer(scope).locator('[part~="follow-up"]').count() > 0, 'the newest answer has them');
  await page.close();
});

/** Records the panel's transitions (`run` and `end` events, by property). */
function recordTransitions(root) {
  const panel = root.querySelector('[part~="panel"]');
  window.transitions = [];
  for (const type of ['transitionrun', 'transitionend']) {
    panel.addEventListener(type, (e) => { if (e.target === panel) window.transitions.push(`${type}:${e.propertyName}`); });
  }
}

test('item 14: the panel opens and closes with a short transition', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"', { context: desktop });
  const launcher = page.locator('sherpa-chat [part~="launcher"]');
  await launcher.click();
  await waitFocus(page, 'input');
  await inRoot(page, recordTransitions);
  await page.locator('sherpa-chat [part~="close"]').click();
  await page.waitForFunction(() => window.transitions.includes('transitionend:opacity'));
  await page.locator('sherpa-chat [part~="panel"]').waitFor({ state: 'hidden' });
  assert.ok(await inRoot(page, () => window.transitions.includes('transitionrun:opacity')), 'it faded out');
  await page.evaluate(() => { window.transitions = []; });
  await launcher.click();
  await page.waitForFunction(() => window.transitions.includes('transitionend:opacity'));
  const panel = page.locator('sherpa-chat [part~="panel"]');
  const style = await panel.evaluate((e) => ({ d: getComputedStyle(e).transitionDuration, t: getComputedStyle(e).transform, o: getComputedStyle(e).opacity }));
  assert.ok(style.d.split(',').every((d) => parseFloat(d) > 0.1 && parseFloat(d) <= 0.2), style.d);
  assert.deepEqual([style.t, style.o], ['none', '1'], 'at rest: no transform, opaque');
  await page.close();
});

test('item 14: no panel transition under prefers-reduced-motion', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"', { context: { ...desktop, reducedMotion: 'reduce' } });
  await page.locator('sherpa-chat [part~="launcher"]').click();
  await waitFocus(page, 'input');
  const panel = page.locator('sherpa-chat [part~="panel"]');
  assert.deepEqual(await panel.evaluate((e) => [e.getAnimations().length, getComputedStyle(e).opacity]), [0, '1']);
  await page.locator('sherpa-chat [part~="close"]').click();
  assert.equal(await panel.evaluate((e) => getComputedStyle(e).display), 'none', 'gone at once');
  await page.close();
});

/** The open citation card: its text, where it is, and whether the citation points to it. */
function citationCard(root) {
  const card = [...root.querySelectorAll('[part~="citation-card"]')].find((c) => !c.hidden);
  if (!card) return null;
  const r = card.getBoundingClientRect();
  const cite = root.querySelector(`[aria-describedby="${card.id}"]`);
  return { id: card.id, text: card.innerText, role: card.getAttribute('role'), described: !!cite, inView: r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight, width: r.width };
}

test('item 14: a citation card on hover and on keyboard focus (title, site, snippet), Escape closes it', async () => {
  const { page, scope, a } = await answered(SYNC);
  const cite = a.locator('[part~="citation"]').first();
  assert.equal(await cite.getAttribute('title'), null, 'no native tooltip');
  const n = await cite.getAttribute('data-citation');
  await cite.hover();
  await page.waitForFunction(() => document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="citation-card"]:not([hidden])'));
  const card = await inRoot(page, citationCard);
  const source = a.locator('[part~="source-card"]').filter({ has: page.locator(`.source-n:text-is("${n}")`) });
  const title = await source.locator('.source-title').innerText();
  const site = await source.locator('.source-site').innerText();
  assert.ok(card.text.includes(title) && card.text.includes(site), `${card.text} / ${title} / ${site}`);
  assert.ok(card.text.length > title.length + site.length + 20, 'with a snippet');
  assert.equal(card.role, 'tooltip');
  assert.ok(card.described && card.inView, JSON.stringify(card));
  assert.deepEqual(await axe(page), [], 'axe-clean with the card open');
  await page.mouse.move(5, 5);
  await page.waitForFunction(() => !document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="citation-card"]:not([hidden])'));
  await cite.focus();
  await page.waitForFunction(() => document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="citation-card"]:not([hidden])'));
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="citation-card"]:not([hidden])'));
  assert.ok(await scope.locator('[part~="panel"]').isVisible(), 'Escape closed the card, not the panel');
  assert.equal(await activePart(page), 'citation');
  await page.close();
});

test('item 14: on touch, a first tap shows the citation card, a second reveals the source', async () => {
  const { page, a } = await answered(SYNC, { context: phone });
  const cite = a.locator('[part~="citation"]').first();
  await cite.scrollIntoViewIfNeeded();
  await cite.tap();
  await page.waitForFunction(() => document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="citation-card"]:not([hidden])'));
  const card = await inRoot(page, citationCard);
  assert.ok(card.inView && card.width <= 390, JSON.stringify(card));
  assert.notEqual(await activePart(page), 'source-card', 'the first tap does not jump to the source');
  await cite.tap();
  await waitFocus(page, 'source-card');
  await page.close();
});
