/* Sherpa loader: the only file a page includes.
 *   <script src="https://cdn.example.com/sherpa/sherpa.js" defer data-api-base="..."></script>
 * It finds its own URL, loads the widget module that sits next to it (sherpa_core.js and
 * sherpa_core_bg.wasm, with the same query string, so ?v=2 busts every cache), and hands the
 * script element to it: its data- attributes configure the widget. No eval, no inline styles.
 * Several script tags on one page share one module. */
(function () {
  'use strict';
  var script = document.currentScript;
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
    console.error('sherpa: the widget could not be loaded:', err && err.message || err);
  }
  var shared = window.__sherpaLoader || (window.__sherpaLoader = {});
  if (!shared.ready) {
    shared.ready = new Promise(function (resolve, reject) {
      var glue = document.createElement('script');
      glue.src = sibling('sherpa_core.js');
      glue.async = true;
      if (script.crossOrigin !== null) glue.crossOrigin = script.crossOrigin;
      glue.onerror = function () { reject(new Error('cannot load ' + glue.src)); };
      glue.onload = function () {
        // wasm-bindgen's no-modules glue declares a global binding (not a window property).
        /* global __sherpa_wasm */
        var init = typeof __sherpa_wasm === 'function' ? __sherpa_wasm : null;
        if (!init) return reject(new Error('sherpa_core.js did not define the module'));
        init({ module_or_path: sibling('sherpa_core_bg.wasm') }).then(function () { resolve(init); }, reject);
      };
      (document.head || document.documentElement).appendChild(glue);
    });
  }
  shared.ready.then(function (mod) { mod.boot(script); }).catch(fail);
})();
