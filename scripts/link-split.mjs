// Joins the answer module (src/kit.rs) to the main module after the split (scripts/build):
//   node scripts/link-split.mjs glue.js main_bg.wasm link.js answer.wasm
// - wasm-split writes a small JS module (link.js) that the main wasm imports its loader
//   function from, and that imports wasm-bindgen's glue back to reach the main module's
//   exports. Put next to the glue as its own file, it would be one more request at first
//   open, and under a cache-busting query (sherpa.js?v=2 loads sherpa_core.js?v=2) its
//   import of "./sherpa_core.js" would load a second, uninitialised copy of the glue. So its
//   code goes into the glue itself, reading the glue's own `wasm` exports, and the answer
//   module is fetched with the glue's query string.
// - wasm-bindgen drops the export of the function table, which the answer module imports (its
//   functions go into the main module's table): it is exported again here.
// Fails, changing nothing, when an input is not in the expected shape.
import fs from 'node:fs';
import { writtenFor } from './written-for.mjs';
import path from 'node:path';
import { editExports, exportEntry, sections, uleb } from './wasm-sections.mjs';

const [gluePath, wasmPath, linkPath, answerPath] = process.argv.slice(2);
const fail = (msg) => { console.error(`link-split: ${msg}`); process.exit(1); };
writtenFor('link-split', ['wasm-bindgen', 'wasm-split-cli']);
const answerName = path.basename(answerPath);

// 1. The link module, adapted to live inside the glue.
let link = fs.readFileSync(linkPath, 'utf8');
const mainImport = /^import \{ initSync \} from "\.\/[\w.]+";\n/m;
if (!mainImport.test(link)) fail(`${linkPath}: no import of initSync from the glue`);
link = link.replace(mainImport, '');
if (!link.includes('initSync(undefined, undefined)')) fail(`${linkPath}: no initSync(undefined, undefined) call`);
link = link.replaceAll('initSync(undefined, undefined)', 'wasm');
const urls = [...link.matchAll(/new URL\("\.\/([\w.]+\.wasm)", import\.meta\.url\)/g)];
if (urls.length !== 1) fail(`${linkPath}: expected one split module, found ${urls.length}; update scripts/build`);
link = link.replace(urls[0][0], `new URL(${JSON.stringify('./' + answerName)} + new URL(import.meta.url).search, import.meta.url)`);
// The answer module is fetched with its hash (scripts/integrity.mjs fills it in): a changed
// file is refused before it is compiled.
const answerFetch = /fetch\((new URL\([^;]*?import\.meta\.url\))\)/;
if (!answerFetch.test(link)) fail(`${linkPath}: the split module is not fetched with fetch(new URL(…))`);
link = link.replace(answerFetch, `fetch($1, { integrity: ${JSON.stringify('@@SRI:' + answerName + '@@')} })`);
const exported = [...link.matchAll(/^export const (\w+) = /gm)].map((m) => m[1]);
if (exported.length === 0) fail(`${linkPath}: exports no loader`);
link = link.replace(/^export const /gm, 'const ');
if (/^\s*(import|export)\b/m.test(link)) fail(`${linkPath}: has imports or exports left`);

// 2. The glue: its import of the link module becomes the inlined code.
let glue = fs.readFileSync(gluePath, 'utf8');
const linkName = path.basename(linkPath);
const glueImport = new RegExp(`^import \\* as (\\w+) from "\\./${linkName.replace('.', '\\.')}";?\\n`, 'm');
const m = glue.match(glueImport);
if (!m) fail(`${gluePath}: no import of ./${linkName}`);
if (!/^let wasmModule, wasmInstance, wasm;$/m.test(glue)) fail(`${gluePath}: no module-level \`wasm\` binding`);
glue = glue.replace(glueImport, `${link}\nconst ${m[1]} = { ${exported.join(', ')} };\n`);

// 3. The table export.
const TABLE = '__indirect_function_table';
const bytes = fs.readFileSync(wasmPath);
const tables = sections(bytes).find((s) => s.id === 4);
// The function table is the first table (wasm-bindgen appends its externref table).
if (!tables || uleb(tables.body, 0)[0] < 1 || tables.body[uleb(tables.body, 0)[1]] !== 0x70) {
  fail(`${wasmPath}: table 0 is not a funcref table`);
}
const out = editExports(bytes, (entries) => {
  if (entries.some((e) => e.name === TABLE)) fail(`${wasmPath}: already exports ${TABLE}`);
  return [...entries, exportEntry(TABLE, 1, 0)];
});
if (!out) fail(`${wasmPath}: no export section`);
fs.writeFileSync(wasmPath, out);
fs.writeFileSync(gluePath, glue);
console.log(`link-split: ${exported.join(', ')} inlined into ${path.basename(gluePath)}; ${TABLE} exported`);
