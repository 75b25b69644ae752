// Screenshots of the widget in a finished conversation — desktop 1280×800 and mobile 390×844,
// light and dark, LTR and RTL — saved under tests/e2e/artifacts/ (gitignored). The README's
// docs/screenshots/ are copies of some of these. Each shot is also a smoke test of the layout:
// the panel fits the viewport and the answer, a citation and its source card are visible.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDevServer, launchBrowser, newPage, ask, lastAnswer, artifacts } from './harness.mjs';
import { answerIn, hostSite, closeHosts, waitFocus } from './quality.mjs';

let dev, browser, site;

function siteCss(theme) {
  const dark = theme === 'dark';
  return `body{margin:0;font:16px/1.6 system-ui,sans-serif;background:${dark ? '#0f1217' : '#f6f7fb'};color:${dark ? '#dfe3ea' : '#1b1f29'}}
    header{padding:18px 40px;background:${dark ? '#1a1f29' : '#fff'};border-bottom:1px solid ${dark ? '#2a3140' : '#e3e6ee'};font-weight:700}
    main{max-width:720px;padding:32px 40px}h1{font-size:28px;margin:0 0 12px}p{color:${dark ? '#aab3c2' : '#4f5868'}}`;
}

function hostPage(theme, lang) {
  return `<!doctype html><html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1"><title>Lumen Notes Help</title>
    <link rel="stylesheet" href="/site.css?t=${theme}"></head><body>
    <header>Lumen Notes · Help centre</header>
    <main><h1>${lang === 'ar' ? 'مركز المساعدة' : 'Sync and devices'}</h1>
    <p>${lang === 'ar' ? 'ابحث في مقالات المساعدة أو اسأل المساعد.' : 'Lumen keeps your notebooks in sync across your phone, tablet and computer. If something looks out of date, the assistant can walk you through the fixes.'}</p></main>
    <script src="${dev.url}/sherpa/sherpa.js" data-load="eager" data-api-base="${dev.url}/f/pace=0/api"
      data-backend="onyx" data-title="${lang === 'ar' ? 'مساعدة Lumen' : 'Lumen Help'}" data-theme="${theme}" data-lang="${lang}"></script>
    </body></html>`;
}

before(async () => {
  dev = await startDevServer({ paceMs: 0 });
  browser = await launchBrowser();
  const pages = {};
  for (const theme of ['light', 'dark']) for (const lang of ['en', 'ar']) pages[`/${theme}-${lang}`] = hostPage(theme, lang);
  site = await hostSite(pages);
});
after(async () => { await browser?.close(); dev?.stop(); closeHosts(); });

const viewports = { desktop: { width: 1280, height: 800 }, mobile: { width: 390, height: 844 } };

for (const [vpName, viewport] of Object.entries(viewports)) {
  for (const theme of ['light', 'dark']) {
    for (const lang of ['en', 'ar']) {
      const dir = lang === 'ar' ? 'rtl' : 'ltr';
      test(`screenshot ${vpName} ${theme} ${dir}`, async () => {
        const mobile = vpName === 'mobile';
        const page = await newPage(browser, { viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: mobile ? 2 : 1, colorScheme: theme });
        await page.route(/\/site\.css/, (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/css' }, body: siteCss(theme) }));
        await page.goto(`${site.url}/${theme}-${lang}`);
        const scope = page.locator('sherpa-chat');
        await scope.locator('[part~="launcher"]').click();
        await waitFocus(page, 'input');
        await ask(page, 'My notes are not syncing, what should I do?', scope);
        const a = await answerIn(scope, 'done');
        await a.locator('[part~="citation"]').first().click();
        await waitFocus(page, 'source-card');
        // Server and user text takes its own direction: English in an Arabic UI stays LTR.
        for (const sel of ['[part~="message-user"] .bubble', '[part~="answer"]', '[part~="source-card"]']) {
          assert.equal(await scope.locator(sel).first().evaluate((e) => getComputedStyle(e).direction), 'ltr', sel);
        }
        const panel = await scope.locator('[part~="panel"]').boundingBox();
        assert.ok(panel.x >= 0 && panel.y >= 0 && panel.x + panel.width <= viewport.width + 0.5 && panel.y + panel.height <= viewport.height + 0.5, JSON.stringify(panel));
        assert.equal(await page.locator('sherpa-chat .sherpa').getAttribute('dir'), dir);
        await page.screenshot({ path: path.join(artifacts, `screenshot-${vpName}-${theme}-${dir}.png`), animations: 'disabled', caret: 'hide' });
        await page.close();
      });
    }
  }
}

