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
import path from 'node:path';

const [gluePath, wasmPath, linkPath, answerPath] = process.argv.slice(2);
const fail = (msg) => { console.error(`link-split: ${msg}`); process.exit(1); };
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
const bytes = fs.readFileSync(wasmPath);
const uleb = (buf, at) => {
  let value = 0, shift = 0, b;
  do { b = buf[at++]; value += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [value, at];
};
const encode = (n) => {
  const out = [];
  do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n);
  return Buffer.from(out);
};
const TABLE = '__indirect_function_table';
const parts = [bytes.subarray(0, 8)];
let at = 8, added = false;
while (at < bytes.length) {
  const id = bytes[at];
  const [size, body] = uleb(bytes, at + 1);
  const end = body + size;
  if (id === 4) {
    // The function table is the first table (wasm-bindgen appends its externref table).
    const [count, p] = uleb(bytes, body);
    if (count < 1 || bytes[p] !== 0x70) fail(`${wasmPath}: table 0 is not a funcref table`);
  }
  if (id !== 7) { parts.push(bytes.subarray(at, end)); at = end; continue; }
  const [count, p] = uleb(bytes, body);
  if (bytes.subarray(p, end).includes(Buffer.from(TABLE))) fail(`${wasmPath}: already exports ${TABLE}`);
  const name = Buffer.from(TABLE);
  const entry = Buffer.concat([encode(name.length), name, Buffer.from([1]), encode(0)]);
  const section = Buffer.concat([encode(count + 1), bytes.subarray(p, end), entry]);
  parts.push(Buffer.from([7]), encode(section.length), section);
  added = true;
  at = end;
}
if (!added) fail(`${wasmPath}: no export section`);
fs.writeFileSync(wasmPath, Buffer.concat(parts));
fs.writeFileSync(gluePath, glue);
console.log(`link-split: ${exported.join(', ')} inlined into ${path.basename(gluePath)}; ${TABLE} exported`);
