// Host isolation: on pages with hostile global CSS (tests/e2e/fixtures/hostile.css), the real
// Bootstrap 5 stylesheet and Tailwind's preflight, the widget looks exactly as on a blank page
// (element screenshots of the panel compared pixel by pixel, decoded from PNG; a channel may be
// off by 2 where compositing anti-aliases an edge, and the 16 px corners outside the rounded
// panel, like the outside of the round launcher, show the page's own background), and the host
// page's own layout is the same with and without the widget (bounding boxes of every element).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDevServer, launchBrowser, newPage, ask, root, artifacts } from './harness.mjs';
import { answerIn, hostSite, closeHosts, comparePng } from './quality.mjs';

const css = {
  blank: '',
  hostile: fs.readFileSync(path.join(root, 'tests/e2e/fixtures/hostile.css'), 'utf8'),
  bootstrap: fs.readFileSync(path.join(root, 'node_modules/bootstrap/dist/css/bootstrap.min.css'), 'utf8'),
  tailwind: fs.readFileSync(path.join(root, 'node_modules/tailwindcss/preflight.css'), 'utf8'),
};

let dev, browser, site;

const content = `<header class="navbar bg-light"><h1 class="h3">Acme docs</h1><nav><a href="#a">Guide</a> <a href="#b">API</a></nav></header>
  <main class="container"><p class="lead">Some host content with <strong>bold</strong> text and a <a href="#c">link</a>.</p>
  <form class="row"><label>Email <input class="form-control" type="email" value="a@b.c"></label> <button class="btn btn-primary" type="button">Subscribe</button></form>
  <ul><li>One</li><li>Two</li></ul>
  <table class="table"><tr><th>Plan</th><td>Pro</td></tr></table>
  <div id="w" data-sherpa data-backend="onyx" data-title="Inline help" style="position:absolute;left:760px;top:60px;width:420px;height:640px"></div>
  <p id="after">Text after the inline widget.</p></main>`;

function page(kind, withWidget) {
  const script = withWidget ? `<script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${dev.url}/f/pace=0/api" data-title="Help" data-starter-questions="Can I get a refund? | What plans are there?"></script>` : '';
  const link = css[kind] ? '<link rel="stylesheet" href="/site.css?k=' + kind + '">' : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${kind}</title>${link}</head><body>${content}${script}</body></html>`;
}

before(async () => {
  dev = await startDevServer({ paceMs: 0 });
  browser = await launchBrowser();
  const pages = {};
  for (const kind of Object.keys(css)) {
    pages[`/${kind}`] = page(kind, true);
    pages[`/${kind}-bare`] = page(kind, false);
  }
  site = await hostSite(pages);
  // One stylesheet route serves the kind named in the query.
  site.css = css;
});
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

async function open(kind, bare = false) {
  const p = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await p.route(/\/site\.css\?k=/, (route) => {
    const k = new URL(route.request().url()).searchParams.get('k');
    route.fulfill({ status: 200, headers: { 'content-type': 'text/css' }, body: css[k] });
  });
  await p.goto(`${site.url}/${kind}${bare ? '-bare' : ''}`);
  return p;
}

/** Every light-DOM element's box (the widget's host counts; its shadow content does not). */
function boxes(p) {
  return p.evaluate(() => [...document.body.querySelectorAll('*')]
    .filter((e) => e.localName !== 'script' && e.localName !== 'sherpa-chat')
    .map((e) => { const r = e.getBoundingClientRect(); return `${e.localName}#${e.id} ${r.x},${r.y},${r.width},${r.height}`; }));
}

/** Screenshots of the widget in fixed states: inline panel with a finished answer, launcher
 * button, launcher panel open with starters. */
async function shots(kind) {
  const p = await open(kind);
  const w = p.locator('#w');
  await ask(p, 'Can I get a refund?', w);
  await answerIn(w, 'done');
  await p.evaluate(() => document.activeElement?.blur());
  const inline = await w.locator('[part~="panel"]').screenshot({ animations: 'disabled', caret: 'hide' });
  const launcherBtn = p.locator('sherpa-chat[data-sherpa-mounted] [part~="launcher"]');
  const launcher = await launcherBtn.screenshot({ animations: 'disabled' });
  await launcherBtn.click();
  await p.locator('sherpa-chat [part~="starter"]').first().waitFor();
  await p.evaluate(() => document.activeElement?.blur());
  const panel = await p.locator('sherpa-chat [part~="panel"]').screenshot({ animations: 'disabled', caret: 'hide' });
  const layout = await boxes(p);
  const sheets = await p.evaluate(() => [document.styleSheets.length, document.adoptedStyleSheets.length]);
  await p.close();
  return { inline, launcher, panel, layout, sheets };
}

let blank;
test('blank page reference', async () => {
  blank = await shots('blank');
  fs.writeFileSync(path.join(artifacts, 'isolation-blank-inline.png'), blank.inline);
  fs.writeFileSync(path.join(artifacts, 'isolation-blank-panel.png'), blank.panel);
});

for (const kind of ['hostile', 'bootstrap', 'tailwind']) {
  test(`${kind} CSS: the widget renders pixel for pixel as on a blank page; host layout unchanged`, async () => {
    const s = await shots(kind);
    for (const part of ['inline', 'launcher', 'panel']) {
      fs.writeFileSync(path.join(artifacts, `isolation-${kind}-${part}.png`), s[part]);
      const c = comparePng(blank[part], s[part], part === 'launcher' ? { round: true, tolerance: 2 } : { corners: 16, tolerance: 2 });
      assert.ok(c.sameSize, `${kind} ${part}: size ${JSON.stringify(c.size)}`);
      assert.equal(c.diff, 0, `${kind} ${part}: ${c.diff} of ${c.total} pixels differ (see tests/e2e/artifacts/isolation-${kind}-${part}.png)`);
    }
    // The host page's layout is identical with and without the widget, and the widget added
    // no stylesheet to the document.
    const bare = await open(kind, true);
    assert.deepEqual(s.layout, await boxes(bare));
    assert.deepEqual(s.sheets, await bare.evaluate(() => [document.styleSheets.length, document.adoptedStyleSheets.length]));
    await bare.close();
  });
}
