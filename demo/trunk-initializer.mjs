// Used only by `trunk serve` / `trunk build` (Trunk.toml, index.html's data-trunk link): trunk
// imports this module before it starts its debug build of the widget. It tells the page's
// loader (sherpa.js, which shares `window.__sherpaLoader` between script tags) to use that
// module instead of fetching the release files: the loader's `load()` takes `ready` as given.
const shared = window.__sherpaLoader || (window.__sherpaLoader = {});
shared.ready = new Promise((resolve, reject) => {
  addEventListener('TrunkApplicationStarted', () => resolve(window.wasmBindings), { once: true });
  shared.failed = reject;
});
shared.ready.catch(() => {});

export default function initializer() {
  return {
    onFailure: (reason) => {
      console.error('sherpa (trunk): the debug build could not start:', reason);
      shared.failed(reason);
    },
  };
}
