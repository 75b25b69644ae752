// Builds dist/sherpa.js from src/loader/sherpa.js: puts the launcher's CSS rules, its label and
// text direction into it, as examples/loader_facts.rs prints them from the widget's own
// sources (so the loader's launcher and the widget's cannot drift apart), and minifies it
// with terser (the loader is fetched by every page view).
//   node scripts/build-loader.mjs [out.js]
//   node scripts/build-loader.mjs --strip file.js   minifies wasm-bindgen's glue (an ES
//                                                   module) in place
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { minify } from 'terser';

/** Minified with terser (names mangled, comments and white space out). The strings the build
 * and the loader rely on (export names, the @@SRI:…@@ placeholders, the module's URLs) are
 * kept as they are. `module`: an ES module (wasm-bindgen's glue), else a classic script. */
async function minified(code, file, module = false) {
  try {
    const out = await minify(code, {
      module,
      compress: { passes: 2 },
      mangle: true,
      format: { comments: false },
    });
    return out.code + '\n';
  } catch (e) {
    console.error(`build-loader: terser could not minify ${file}: ${e.message}`);
    process.exit(1);
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv[2] === '--strip') {
  const file = process.argv[3];
  fs.writeFileSync(file, await minified(fs.readFileSync(file, 'utf8'), file, true));
  process.exit(0);
}
const out = process.argv[2] || path.join(root, 'dist/sherpa.js');
const src = fs.readFileSync(path.join(root, 'src/loader/sherpa.js'), 'utf8');

/** What the loader needs from the widget's sources (labels and notes in every language, the
 * right-to-left subtags, the launcher's CSS rules), printed by examples/loader_facts.rs. */
function loaderFacts() {
  try {
    const out = execFileSync('cargo', ['run', '--quiet', '--locked', '--example', 'loader_facts'],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out);
  } catch (e) {
    console.error(`build-loader: \`cargo run --example loader_facts\` failed: ${e.message}`);
    process.exit(1);
  }
}
const { launcherCss, ...i18n } = loaderFacts();
const i18nMarker = "'/*I18N*/'";

const marker = "'/*LAUNCHER_CSS*/'";
if (!src.includes(marker)) {
  console.error(`build-loader: ${marker} not found in src/loader/sherpa.js`);
  process.exit(1);
}
if (!src.includes(i18nMarker)) {
  console.error(`build-loader: ${i18nMarker} not found in src/loader/sherpa.js`);
  process.exit(1);
}
const js = await minified(src.replace(marker, JSON.stringify(launcherCss))
  .replace(i18nMarker, JSON.stringify(i18n)), 'src/loader/sherpa.js');
const banner = '/* Sherpa loader. Source: src/loader/sherpa.js */\n';
fs.writeFileSync(out, banner + js);
