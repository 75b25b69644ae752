/* Sherpa loader: the only file a page includes.
 *   <script src="https://cdn.example.com/sherpa/sherpa.js" defer data-api-base="..."></script>
 *
 * It draws the launcher itself (same element, shadow root, parts and styles as the widget's)
 * and loads the widget module that sits next to it (sherpa_core.js, an ES module imported
 * with import(), + sherpa_core_bg.wasm, with the same query string, so ?v=2 busts every cache)
 * only when it is needed:
 *   - on the first hover, focus, touch or click on the launcher, or a pointer within 120 px
 *     of it;
 *   - when the browser is idle after the page's load event (requestIdleCallback, or a timer
 *     where that is missing), the bytes only are fetched, nothing compiled or run, unless the
 *     script tag says data-load="interaction" or the user has Data Saver on;
 *   - at once with data-load="eager" or data-open="true";
 *   - for each [data-sherpa] element, when it comes near the viewport (IntersectionObserver).
 * A click that comes before the module is ready is kept: the panel opens once it is, with
 * focus in the input. The module then takes over the launcher's host element and shadow root.
 * Until then window.Sherpa is a stub: a call loads the module, mounts every instance (inline ones
 * too, wherever they are) and is replayed on the module's API.
 * The module fetches the rest of itself (sherpa_answer.wasm: streaming, markdown, sources) on
 * the first question, or at once when there is a saved conversation to show (src/kit.rs).
 * No eval, no inline style attributes (styles go through a constructable stylesheet and the
 * CSSOM), so a strict CSP (script-src 'self' 'wasm-unsafe-eval'; style-src 'self') is enough.
 * Several script tags on one page share one module.
 *
 * Built by scripts/build-loader.mjs (from scripts/build), which replaces LAUNCHER_CSS below with
 * the launcher's rules from style/sherpa.css and I18N with texts and subtags from src/i18n.rs,
 * both as examples/loader_facts.rs prints them; this source file does not run as is. */
(function () {
  'use strict';
  var CSS = '/*LAUNCHER_CSS*/';
  // { open: { en: 'Open chat: {title}', fr: …, … }, unavailable: { en: …, … }, rtlLangs: [...],
  //   rtlScripts: [...], icon: the launcher's SVG path }
  var I18N = '/*I18N*/';
  var ICON = I18N.icon; // src/icons.rs
  var doc = document;
  var script = doc.currentScript;
  if (!script || !script.src) {
    console.error('sherpa: load sherpa.js with a <script src=...> tag');
    return;
  }
  var here = new URL(script.src, location.href);
  function sibling(name) {
    var u = new URL(name, here);
    u.search = here.search;
    return u.href;
  }
  function fail(err) {
    console.error('sherpa: the widget could not be loaded:', (err && err.message) || err);
  }
  function ignore() { /* reported once, by fail */ }
  // Calls into the module: an exception there (a bug) is reported, not lost in a promise.
  function guarded(f) {
    return function (mod) {
      try { f(mod); } catch (e) { fail(e); }
    };
  }
  function attr(el, name) {
    var v = el.getAttribute('data-' + name);
    return v == null ? null : v.trim();
  }
  function on(el, types, fn, opts) {
    types.split(' ').forEach(function (t) { el.addEventListener(t, fn, opts); });
  }
  function whenParsed(fn) {
    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', fn);
    else fn();
  }

  // The hashes of the files this loader fetches (put in by scripts/build): a file that does
  // not match is refused before it runs, so the page's integrity check on sherpa.js covers
  // the whole widget (sherpa_core.js carries the hash of sherpa_answer.wasm in turn).
  var SRI = { glue: '@@SRI:sherpa_core.js@@', wasm: '@@SRI:sherpa_core_bg.wasm@@' };
  // The glue module, checked: a module <script> takes an integrity attribute where import()
  // does not, and as an external script it needs no CSP exception. Once it has run, import()
  // of the same URL returns that module from the page's module map, fetching nothing.
  function importChecked(url) {
    return new Promise(function (resolve, reject) {
      var s = doc.createElement('script');
      s.type = 'module';
      s.crossOrigin = script.crossOrigin || 'anonymous';
      s.integrity = SRI.glue;
      if (script.nonce) s.nonce = script.nonce;
      s.onload = function () { resolve(import(url)); };
      s.onerror = function () {
        reject(new Error(url + ' could not be fetched or failed its integrity check'));
      };
      s.src = url;
      doc.head.appendChild(s);
    });
  }

  // One module per page, whichever script tag asks first.
  var shared = window.__sherpaLoader || (window.__sherpaLoader = {});
  function fetchWasm() {
    return fetch(sibling('sherpa_core_bg.wasm'), { integrity: SRI.wasm });
  }
  // Idle time: the bytes only, nothing compiled or run (the page pays nothing until used).
  // The wasm is kept in memory for load(); the glue goes to the HTTP cache, where the module
  // script finds it (same URL and credentials mode).
  function prefetch() {
    if (shared.ready || shared.bytes) return;
    shared.bytes = fetchWasm().then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.arrayBuffer();
    });
    shared.bytes.then(null, ignore);
    fetch(sibling('sherpa_core.js'), {
      integrity: SRI.glue,
      credentials: script.crossOrigin === 'use-credentials' ? 'include' : 'same-origin',
    })
      .then(function (r) { return r.arrayBuffer(); }).then(null, ignore);
  }
  function load() {
    if (!shared.ready) {
      // The wasm downloads alongside the glue module, not after it (one round trip less).
      var wasm = shared.bytes
        ? shared.bytes.then(null, function () { return fetchWasm(); })
        : fetchWasm();
      wasm.then(null, ignore);
      shared.ready = importChecked(sibling('sherpa_core.js')).then(function (mod) {
        return mod.default({ module_or_path: wasm }).then(function () { return mod; });
      });
      shared.ready.then(null, function (err) {
        fail(err);
        unavailable();
      });
    }
    return shared.ready;
  }

  var policy = (attr(script, 'load') || 'idle').toLowerCase(); // idle | interaction | eager
  // Data Saver on: no preload on idle, only when the user reaches for the chat.
  if (policy === 'idle' && navigator.connection && navigator.connection.saveData) policy = 'interaction';
  var openAttr = attr(script, 'open');
  var eager = policy === 'eager' || openAttr === '' || openAttr === 'true';
  var NEAR = 120;        // px: a pointer this close to the launcher boots the module
  // A docked panel the visitor left open on the last page comes back at once (the widget notes
  // it: PANEL_OPEN_KEY in src/storage.rs).
  var persist = attr(script, 'persist');
  try {
    if (attr(script, 'mode') === 'panel' && persist !== 'none' &&
        window[persist === 'local' ? 'localStorage' : 'sessionStorage'].getItem('sherpa:panel-open')) eager = true;
  } catch (e) { /* storage disabled: nothing was noted */ }
  var host = null;      // the launcher's <sherpa-chat>, drawn below
  var clicked = false;  // the user clicked the launcher before the module was ready
  var booted = null;    // promise: this script's launcher handed to the module

  function boot() {
    if (!booted) {
      booted = load().then(guarded(function (mod) {
        unstub();
        mod.boot(script, { host: host, open: clicked, inline: false });
      }));
      booted.then(null, ignore);
    }
    return booted;
  }

  // window.Sherpa before the module is ready: calls are kept, every instance is mounted, then
  // the calls are replayed on the module's own API (which replaces this stub).
  var parsed = new Promise(whenParsed);
  if (!window.Sherpa) {
    var stub = (shared.stub = window.Sherpa = {});
    shared.queue = [];
    shared.wake = [];
    'open close toggle ask reset'.split(' ').forEach(function (name) {
      stub[name] = function () {
        shared.queue.push([name, arguments]);
        Promise.all(shared.wake.map(function (f) { return f(); })).then(function () {
          var real = window.Sherpa;
          shared.queue.splice(0).forEach(function (c) {
            if (real && real !== stub) real[c[0]].apply(real, c[1]);
          });
        }, ignore);
      };
    });
  }
  function unstub() {
    if (window.Sherpa && window.Sherpa === shared.stub) delete window.Sherpa;
  }
  function wake(f) {
    if (shared.wake) shared.wake.push(function () { return parsed.then(f); });
  }
  wake(boot);

  // The placeholder launcher: the same DOM the widget renders for its launcher.
  function el(name, attrs, ns) {
    var e = ns ? doc.createElementNS(ns, name) : doc.createElement(name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function drawLauncher() {
    host = el('sherpa-chat', { 'data-sherpa-host': 'launcher' });
    var accent = attr(script, 'accent');
    if (accent) host.style.setProperty('--sherpa-accent', accent);
    var root = host.attachShadow({ mode: 'open' });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) { /* very old browser: the widget installs its styles when it loads */ }
    // The attributes the widget puts on its wrapper and launcher (src/ui/mod.rs, src/i18n.rs).
    var pos = attr(script, 'position');
    var theme = attr(script, 'theme');
    var lang = attr(script, 'lang') || 'en';
    var tags = lang.split(/[-_]/);
    var primary = tags[0].toLowerCase();
    var sub = tags.slice(1).filter(function (t) { return !/^[a-z]{3}$/i.test(t); })[0];
    var rtl = sub && /^[a-z]{4}$/i.test(sub)
      ? I18N.rtlScripts.indexOf(sub.toLowerCase()) >= 0
      : I18N.rtlLangs.indexOf(primary) >= 0;
    var label = attr(script, 'text-open-chat') || I18N.open[primary] || I18N.open.en;
    var wrap = el('div', {
      'class': 'sherpa', 'data-mode': 'launcher',
      'data-position': pos === 'left' || pos === 'bottom-left' ? 'left' : 'right',
      'data-theme': theme === 'light' || theme === 'dark' ? theme : 'auto',
      dir: rtl ? 'rtl' : 'ltr', lang: lang,
    });
    var button = el('button', {
      part: 'launcher', 'class': 'launcher', 'aria-expanded': 'false',
      'aria-label': label.split('{title}').join(attr(script, 'title') || 'Help'),
    });
    var svgNs = 'http://www.w3.org/2000/svg';
    var svg = el('svg', { viewBox: '0 0 24 24', width: '26', height: '26', 'aria-hidden': 'true' }, svgNs);
    svg.appendChild(el('path', { fill: 'currentColor', d: ICON }, svgNs));
    button.appendChild(svg);
    wrap.appendChild(button);
    root.appendChild(wrap);
    on(button, 'pointerenter focus touchstart', boot, { passive: true, once: true });
    // A pointer coming near the launcher is intent too: the module compiles on the way.
    var near = function (e) {
      if (booted) return doc.removeEventListener('pointermove', near);
      var r = button.getBoundingClientRect();
      var dx = Math.max(r.left - e.clientX, 0, e.clientX - r.right);
      var dy = Math.max(r.top - e.clientY, 0, e.clientY - r.bottom);
      if (dx * dx + dy * dy < NEAR * NEAR) boot();
    };
    on(doc, 'pointermove', near, { passive: true });
    // A press counts as the click it starts: if the widget takes over between the press and
    // the release, the click lands on no button and would otherwise be lost.
    on(button, 'pointerdown', function () { clicked = true; }, { passive: true });
    on(button, 'click', function () {
      clicked = true;
      button.setAttribute('aria-busy', 'true');
      button.style.cursor = 'progress';
      load().then(null, ignore);
      boot();
    });
    doc.body.appendChild(host);
  }

  // The module could not be loaded (offline, a server fault, a file that failed its integrity
  // check): the launcher says so, in the page's language, instead of doing nothing.
  function unavailable() {
    var button = host && host.shadowRoot && host.shadowRoot.querySelector('.launcher');
    if (!button || host.hasAttribute('data-sherpa-mounted')) return;
    var lang = (attr(script, 'lang') || 'en').split(/[-_]/)[0].toLowerCase();
    var text = attr(script, 'text-error-unavailable') || I18N.unavailable[lang] || I18N.unavailable.en;
    button.removeAttribute('aria-busy');
    button.setAttribute('aria-disabled', 'true');
    button.style.cursor = 'not-allowed';
    if (button.parentNode.querySelector('.launcher-error')) return;
    var note = el('p', { part: 'load-error', 'class': 'launcher-error', role: 'status' });
    note.textContent = text;
    button.parentNode.appendChild(note);
  }

  // Inline instances: mounted one by one as they near the viewport. The first script tag on
  // the page owns them (its attributes are their defaults, as with boot(script)).
  function watchInline() {
    if (shared.inline) return;
    shared.inline = true;
    var pending = [];
    var mount = function (target) {
      pending = pending.filter(function (t) { return t !== target; });
      if (io) io.unobserve(target);
      return load().then(guarded(function (mod) {
        unstub();
        mod.mountInline(script, target);
      }));
    };
    var io = window.IntersectionObserver && !eager && new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) mount(e.target).then(null, ignore);
      });
    }, { rootMargin: '600px 0px' });
    var track = function (target) {
      if (io) {
        pending.push(target);
        io.observe(target);
      } else mount(target).then(null, ignore);
    };
    doc.querySelectorAll('[data-sherpa]').forEach(track);
    // Elements added later (single-page apps) are picked up too.
    if (window.MutationObserver) {
      new MutationObserver(function (records) {
        records.forEach(function (r) {
          r.addedNodes.forEach(function (n) {
            if (n.nodeType !== 1) return;
            if (n.matches('[data-sherpa]')) track(n);
            n.querySelectorAll('[data-sherpa]').forEach(track);
          });
        });
      }).observe(doc.documentElement, { childList: true, subtree: true });
    }
    wake(function () { return Promise.all(pending.map(mount)); });
  }

  // Opening from the page (README, "Opening from your page"): data-trigger (a CSS selector
  // for the page's own buttons; one with data-sherpa-ask="…" also asks that), data-shortcut
  // (e.g. mod+k, never taken from a text field) and data-url-param (?ask=… opens the panel
  // and asks once, then leaves the address bar). All go through window.Sherpa, whose stub
  // keeps the request until the module is ready; the last argument says how it was opened.
  function call(name, a, b, via) {
    var api = window.Sherpa;
    if (api && api[name]) api[name](a, b, via);
  }
  function combo(has, key) {
    return ['ctrl', 'meta', 'alt', 'shift'].filter(has).concat(key).join('+');
  }
  function openers() {
    var sel = attr(script, 'trigger');
    try { if (sel) doc.querySelector(sel); } catch (e) {
      console.error('sherpa: data-trigger="' + sel + '" is not a CSS selector');
      sel = '';
    }
    if (sel) on(doc, 'click', function (e) {
      var hit = e.target.closest && e.target.closest(sel);
      if (!hit) return;
      e.preventDefault();
      var q = (hit.getAttribute('data-sherpa-ask') || '').trim();
      if (q) call('ask', q, null, 'trigger');
      else call('open', null, 'trigger');
    });
    var keys = (attr(script, 'shortcut') || 'off').toLowerCase().split('+');
    var mod = /Mac|iP/.test(navigator.platform) ? 'meta' : 'ctrl';
    var want = combo(function (m) {
      return keys.indexOf(m) >= 0 || (m === mod && keys.indexOf('mod') >= 0);
    }, keys.pop());
    if (!/^(off|false)$/.test(want)) on(doc, 'keydown', function (e) {
      var t = e.composedPath()[0];
      if (e.repeat || t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) ||
          combo(function (m) { return e[m + 'Key']; }, (e.key || '').toLowerCase()) !== want) return;
      e.preventDefault();
      call('toggle', null, 'shortcut');
    });
    var param = attr(script, 'url-param');
    var url = new URL(location.href);
    var asked = param ? url.searchParams.get(param) : null;
    if (asked != null) {
      url.searchParams.delete(param);
      history.replaceState(history.state, '', url.href);
      if (asked.trim()) call('ask', asked.trim(), null, 'url');
      else call('open', null, 'url');
    }
  }

  parsed.then(function () {
    openers();
    watchInline();
    if ((attr(script, 'mode') || 'launcher') !== 'inline') {
      if (doc.body) drawLauncher();
      // (without a body there is nowhere to draw; the widget adds its own launcher)
      if (eager) boot();
      else if (policy !== 'interaction') {
        var idle = function () {
          if (window.requestIdleCallback) requestIdleCallback(prefetch, { timeout: 5000 });
          else setTimeout(prefetch, 2000);
        };
        if (doc.readyState === 'complete') idle();
        else window.addEventListener('load', idle);
      }
    }
  });
})();
