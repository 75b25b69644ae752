// Accessibility: axe-core (WCAG 2.0/2.1 A and AA, colour contrast included) finds nothing in
// the closed, open, streaming, done and error states of the launcher and inline modes, in the
// light and dark themes; and the whole chat works from the keyboard alone with focus landing
// where it should.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, launchBrowser, ask, lastAnswer } from './harness.mjs';
import { widgetPage, answerIn, axe, activePart, waitFocus, closeHosts, textReaches, animationsDone } from './quality.mjs';

let dev, browser;
before(async () => { dev = await startDevServer({ paceMs: 2 }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

async function noViolations(page, label) {
  const v = await axe(page);
  assert.deepEqual(v, [], `${label}: ${JSON.stringify(v, null, 2)}`);
}

for (const theme of ['light', 'dark']) {
  for (const mode of ['launcher', 'inline']) {
    test(`axe: ${mode}, ${theme} theme — closed, open, streaming, done, error`, async () => {
      const inline = mode === 'inline';
      // Slow stream (to catch it streaming), then a crash on a second question (error state).
      const apiBase = `${dev.url}/f/pace=60/api`;
      const page = await widgetPage(browser, dev,
        `data-backend="onyx" data-theme="${theme}" data-title="Help" data-starter-questions="Can I get a refund? | What plans are there?"`,
        { inline, apiBase, context: { colorScheme: theme } });
      const w = inline ? page.locator('#w') : page.locator('sherpa-chat');
      if (!inline) {
        await page.locator('sherpa-chat[data-sherpa-mounted] [part~="launcher"]').waitFor();
        await noViolations(page, 'closed');
        await page.locator('sherpa-chat [part~="launcher"]').click();
        await animationsDone(w.locator('[part~="panel"]'));
      }
      await w.locator('[part~="starter"]').first().waitFor();
      await noViolations(page, 'open, welcome and starters');
      await ask(page, 'My notes are not syncing, what should I do?', w);
      await lastAnswer(w).and(w.locator('[data-state="streaming"]')).waitFor();
      await textReaches(lastAnswer(w).locator('[part~="answer"]'), 40);
      await noViolations(page, 'streaming');
      await answerIn(w, 'done', 30000);
      // Open every source so the full list, highlighted card and actions are checked too.
      const showAll = w.locator('[part~="show-all-sources"]');
      if (await showAll.count()) await showAll.click();
      await lastAnswer(w).locator('[part~="citation"]').first().click();
      await noViolations(page, 'done (code block, list, citations, sources, actions)');
      // Error state: the same widget, an answer that fails.
      await page.route(/send-chat-message$/, (route) => route.fulfill({
        status: 502, headers: { 'content-type': 'text/html', 'access-control-allow-origin': '*' }, body: '<h1>502</h1>',
      }));
      await ask(page, 'What plans are there?', w);
      await answerIn(w, 'error');
      await noViolations(page, 'error');
      page.host.stop();
    });
  }
}

test('axe: odyssey follow-ups, a table answer, stopped state, RTL', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="odyssey" data-workspace-id="lumen" data-user-id="u" data-api-key="od_k" data-lang="ar"', { inline: true });
  const w = page.locator('#w');
  await ask(page, 'How do I export my notes?', w);
  await lastAnswer(w).locator('[part~="follow-up"]').first().waitFor();
  await noViolations(page, 'odyssey follow-ups, RTL');
  page.host.stop();
  const p2 = await widgetPage(browser, dev, 'data-backend="onyx"', { inline: true, apiBase: `${dev.url}/f/pace=150/api` });
  const w2 = p2.locator('#w');
  await ask(p2, 'What plans are there?', w2);
  await lastAnswer(w2).and(w2.locator('[data-state="streaming"]')).waitFor();
  await w2.locator('[part~="stop"]').click();
  await answerIn(w2, 'stopped');
  await noViolations(p2, 'stopped');
  p2.host.stop();
  const p3 = await widgetPage(browser, dev, 'data-backend="onyx"', { inline: true });
  const w3 = p3.locator('#w');
  await ask(p3, 'What plans are there?', w3);
  await answerIn(w3, 'done');
  await noViolations(p3, 'table answer');
  p3.host.stop();
});

for (const [theme, lang] of [['light', 'en'], ['dark', 'ar']]) {
  test(`axe: contact link and disclaimer (${theme}, ${lang}) — done, error, keyboard reach`, async () => {
    const page = await widgetPage(browser, dev,
      `data-backend="onyx" data-theme="${theme}" data-lang="${lang}" data-contact-url="https://example.com/support"
       data-disclaimer="AI answers can be wrong. Terms: https://example.com/terms"`, { inline: true, context: { colorScheme: theme } });
    const w = page.locator('#w');
    await w.locator('[part~="disclaimer"]').waitFor();
    await noViolations(page, 'disclaimer');
    await ask(page, 'Can I get a refund?', w);
    await answerIn(w, 'done');
    // The contact link is reached by Tab from the answer's last action.
    await lastAnswer(w).locator('[part~="copy"]').focus();
    let part = null;
    for (let i = 0; i < 6 && part !== 'contact'; i++) {
      await page.keyboard.press('Tab');
      part = await activePart(page, '#w');
    }
    assert.equal(part, 'contact');
    await noViolations(page, 'done with a contact link');
    await page.route(/send-chat-message$/, (route) => route.fulfill({
      status: 500, headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' }, body: '{"detail":"Internal error."}',
    }));
    await ask(page, 'And again?', w);
    await answerIn(w, 'error');
    await noViolations(page, 'error with a contact link');
    page.host.stop();
  });
}

test('keyboard only: Tab to the launcher, Enter, type, Enter, Tab to a citation and a follow-up, Esc', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="odyssey" data-workspace-id="lumen" data-user-id="u" data-api-key="od_k"');
  await page.locator('sherpa-chat[data-sherpa-mounted] [part~="launcher"]').waitFor();
  const kb = page.keyboard;
  // Tab from the top of the page reaches the launcher (the host page has no other controls).
  await kb.press('Tab');
  assert.equal(await activePart(page), 'launcher');
  await kb.press('Enter');
  await waitFocus(page, 'input');
  await kb.type('How do I export my notes?');
  await kb.press('Enter');
  const a = await answerIn(page.locator('sherpa-chat'), 'done');
  assert.equal(await page.locator('sherpa-chat [part~="message-user"]').innerText(), 'How do I export my notes?');
  // Tab forward until a citation has focus; Enter reveals and focuses its source card.
  const tabTo = async (part, max = 40) => {
    for (let i = 0; i < max; i++) {
      await kb.press('Tab');
      if ((await activePart(page))?.split(' ').includes(part)) return;
    }
    assert.fail(`Tab never reached part=${part}`);
  };
  if (await a.locator('[part~="citation"]').count()) {
    await page.evaluate(() => document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="input"]').focus());
    // From the input, Shift+Tab goes back up into the thread; go to the top and Tab down instead.
    await page.evaluate(() => document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="close"]').focus());
    await tabTo('citation');
    await kb.press('Enter');
    await waitFocus(page, 'source-card');
    assert.equal(await a.locator('[part~="source-card"].highlight').count(), 1);
  }
  await tabTo('follow-up');
  const q = await page.evaluate(() => document.querySelector('sherpa-chat').shadowRoot.activeElement.textContent);
  await kb.press('Enter');
  // The chip is disabled while the answer streams: focus moves to the composer, not the body.
  await waitFocus(page, 'input');
  await page.locator('sherpa-chat [part~="message-user"]').nth(1).waitFor();
  assert.equal(await page.locator('sherpa-chat [part~="message-user"]').nth(1).innerText(), q);
  await answerIn(page.locator('sherpa-chat'), 'done');
  await kb.press('Escape');
  await page.locator('sherpa-chat [part~="panel"]').waitFor({ state: 'hidden' });
  assert.equal(await activePart(page), 'launcher', 'focus back on the launcher after Esc');
  assert.equal(await page.locator('sherpa-chat [part~="launcher"]').getAttribute('aria-expanded'), 'false');
  page.host.stop();
});

test('keyboard only (onyx): a citation activated from the keyboard focuses its source card', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"');
  await page.locator('sherpa-chat[data-sherpa-mounted] [part~="launcher"]').waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await waitFocus(page, 'input');
  await page.keyboard.type('Can I get a refund?');
  await page.keyboard.press('Enter');
  await answerIn(page.locator('sherpa-chat'), 'done');
  await page.evaluate(() => document.querySelector('sherpa-chat').shadowRoot.querySelector('[part~="close"]').focus());
  let found = false;
  for (let i = 0; i < 30 && !found; i++) {
    await page.keyboard.press('Tab');
    found = (await activePart(page)) === 'citation';
  }
  assert.ok(found, 'Tab reaches a citation');
  await page.keyboard.press('Space');
  await waitFocus(page, 'source-card');
  await page.keyboard.press('Escape');
  assert.equal(await activePart(page), 'launcher');
  page.host.stop();
});

test('axe does see inside the shadow root (a planted low-contrast line is reported)', async () => {
  const page = await widgetPage(browser, dev, 'data-backend="onyx"', { inline: true });
  await page.locator('#w [part~="input"]').waitFor();
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.textContent = 'planted';
    p.setAttribute('class', 'planted');
    document.querySelector('#w').shadowRoot.querySelector('.thread').appendChild(p);
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('.planted { color: #eeeeee; }');
    const root = document.querySelector('#w').shadowRoot;
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  });
  const v = await axe(page);
  assert.ok(v.some((x) => x.id === 'color-contrast'), JSON.stringify(v));
  page.host.stop();
});
