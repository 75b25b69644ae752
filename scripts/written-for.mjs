// The tool versions whose output the release build's post-processing steps were written
// against (link-split.mjs and drop-exports.mjs match text in wasm-bindgen's glue and
// wasm-split's link module). Each step calls writtenFor() first, so a new version
// stops the build with what to do instead of producing a widget that fails in the browser.
import { execFileSync } from 'node:child_process';

const VERSIONS = {
  'wasm-bindgen': '0.2.130',
  'wasm-split-cli': '0.2.4',
};

function installed(tool) {
  if (tool === 'wasm-split-cli') {
    // It has no --version: cargo's list of installed crates tells.
    const list = execFileSync('cargo', ['install', '--list'], { encoding: 'utf8' });
    return list.match(/^wasm_split_cli_support v([\d.]+):/m)?.[1] ?? 'none';
  }
  return execFileSync(tool, ['--version'], { encoding: 'utf8' }).trim().split(/\s+/)[1];
}

/** Exits with a message naming `step` when a tool is not at the version it was written for. */
export function writtenFor(step, tools) {
  for (const tool of tools) {
    const want = VERSIONS[tool];
    let have;
    try { have = installed(tool); } catch { have = 'none'; }
    if (have !== want) {
      console.error(`${step}: written for ${tool} ${want}, found ${have}. To upgrade: install the new version `
        + `(scripts/setup pins it; for wasm-bindgen, Cargo.lock's crate too), build once, compare the `
        + `generated files with what ${step} expects (its comments say what it matches), adjust it, `
        + `then set the version in scripts/written-for.mjs.`);
      process.exit(1);
    }
  }
}
