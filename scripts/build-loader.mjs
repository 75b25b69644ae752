// Builds dist/sherpa.js from src/loader/sherpa.js: puts the launcher's rules from
// style/sherpa.css and its label and text direction from src/i18n.rs into it (so the loader's
// launcher and the widget's cannot drift apart) and minifies it with terser (the loader is
// fetched by every page view).
//   node scripts/build-loader.mjs [out.js]
//   node scripts/build-loader.mjs --strip file.js   minifies wasm-bindgen's glue (an ES
//                                                   module) in place
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
const css = fs.readFileSync(path.join(root, 'style/sherpa.css'), 'utf8');
const src = fs.readFileSync(path.join(root, 'src/loader/sherpa.js'), 'utf8');

/** Splits CSS into top-level items: { prelude, body } for blocks. Comments removed first. */
function items(text) {
  const list = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) break;
    let depth = 1;
    let j = open + 1;
    while (j < text.length && depth > 0) {
      if (text[j] === '{') depth++;
      else if (text[j] === '}') depth--;
      j++;
    }
    list.push({ prelude: text.slice(i, open).trim(), body: text.slice(open + 1, j - 1) });
    i = j;
  }
  return list;
}

// A rule is the launcher's if one of its selectors is about the host, the launcher button,
// the wrapper itself, or is one of the stylesheet's global resets.
const launcherSelector = (sel) => /:host|\.launcher\b/.test(sel)
  || /^\.sherpa(\[[^\]]*\])*$/.test(sel) || /^(\*|\[hidden\]|:focus-visible)$/.test(sel);

function launcherRules(text) {
  let outCss = '';
  for (const { prelude, body } of items(text)) {
    if (prelude.startsWith('@')) {
      const inner = launcherRules(body);
      if (inner) outCss += `${prelude}{${inner}}`;
    } else if (prelude.split(',').some((s) => launcherSelector(s.trim()))) {
      const decls = body.split(';').map((d) => d.trim().replace(/\s*:\s*/, ':')).filter(Boolean);
      outCss += `${prelude.replace(/\s+/g, ' ')}{${decls.join(';')}}`;
    }
  }
  return outCss;
}

const launcherCss = launcherRules(css.replace(/\/\*[\s\S]*?\*\//g, ''));
if (!/\.launcher\{/.test(launcherCss)) {
  console.error('build-loader: no .launcher rule found in style/sherpa.css');
  process.exit(1);
}
// The launcher's label and text direction, from src/i18n.rs (so the loader's launcher reads
// and sits exactly like the widget's in every language): each language's open_chat text, and
// the right-to-left language and script subtags.
function i18nFacts(rs) {
  const unrust = (lit) => JSON.parse('"' + lit.replace(/\\u\{([0-9a-fA-F]+)\}/g,
    (_, h) => '\\u' + h.padStart(4, '0')) + '"');
  // LANGS entries: ("fr", FR.list()).
  const langs = [...rs.matchAll(/\("([a-z]{2,3})",\s*([A-Z]+)\.list\(\)\)/g)];
  const open = {};
  const unavailable = {};
  for (const [, code, table] of langs) {
    const body = rs.slice(rs.indexOf(`const ${table}: Table = Table {`));
    const m = body.match(/open_chat:\s*"((?:[^"\\]|\\.)*)"/);
    if (m) open[code] = unrust(m[1]);
    const u = body.match(/error_unavailable:\s*"((?:[^"\\]|\\.)*)"/);
    if (u) unavailable[code] = unrust(u[1]);
  }
  const list = (name) => {
    const m = rs.match(new RegExp(`const ${name}: &\\[&str\\] = &\\[([^\\]]*)\\]`));
    return m ? [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]) : null;
  };
  const facts = { open, unavailable, rtlLangs: list('RTL_LANGS'), rtlScripts: list('RTL_SCRIPTS') };
  if (!open.en || !unavailable.en || !facts.rtlLangs || !facts.rtlScripts) {
    console.error('build-loader: could not read open_chat / error_unavailable / RTL_LANGS / RTL_SCRIPTS from src/i18n.rs');
    process.exit(1);
  }
  return facts;
}
const i18n = i18nFacts(fs.readFileSync(path.join(root, 'src/i18n.rs'), 'utf8'));
const i18nMarker = "'/*I18N*/'";

const marker = "'/*LAUNCHER_CSS*/'";
if (!src.includes(marker)) {
  console.error(`build-loader: ${marker} not found in src/loader/sherpa.js`);
  process.exit(1);
}

// Comments and indentation only (the CSS goes in after, as one JSON string).
if (!src.includes(i18nMarker)) {
  console.error(`build-loader: ${i18nMarker} not found in src/loader/sherpa.js`);
  process.exit(1);
}
const js = await minified(src.replace(marker, JSON.stringify(launcherCss))
  .replace(i18nMarker, JSON.stringify(i18n)), 'src/loader/sherpa.js');
const banner = '/* Sherpa loader. Source: src/loader/sherpa.js */\n';
fs.writeFileSync(out, banner + js);
