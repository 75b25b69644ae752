// Removes JS classes that wasm-bindgen exports on behalf of a dependency we never use, and the
// wasm exports behind them, so wasm-opt can drop their code (run between wasm-bindgen and
// wasm-opt; scripts/build). Today: wasm-streams' IntoUnderlying{ByteSource,Sink,Source}, which
// Leptos pulls in through its server functions (Sherpa has none): −2 KB gz.
//   node scripts/drop-exports.mjs glue.js module.wasm ClassName...
// Fails, changing nothing, if the glue's shape is not the expected one or if anything left in
// it still refers to what would be removed.
import fs from 'node:fs';
import { writtenFor } from './written-for.mjs';
import { editExports } from './wasm-sections.mjs';

const [gluePath, wasmPath, ...classes] = process.argv.slice(2);
const fail = (msg) => { console.error(`drop-exports: ${msg}`); process.exit(1); };
writtenFor('drop-exports', ['wasm-bindgen']);
let glue = fs.readFileSync(gluePath, 'utf8');
const dropped = new Set();

for (const name of classes) {
  const pieces = [
    // `export class X { … }` up to the `Symbol.dispose` line after it
    new RegExp(`\\n[ \\t]*export class ${name} \\{[\\s\\S]*?\\n[ \\t]*if \\(Symbol\\.dispose\\) ${name}\\.prototype\\[Symbol\\.dispose\\] = ${name}\\.prototype\\.free;\\n`),
    // `const XFinalization = (typeof FinalizationRegistry === 'undefined') ? … : new …;`
    new RegExp(`\\n[ \\t]*const ${name}Finalization = [\\s\\S]*?\\);\\n`),
  ];
  for (const re of pieces) {
    const m = glue.match(re);
    if (!m) fail(`${name}: not found in ${gluePath} in the expected shape; update this script or remove ${name} from scripts/build`);
    for (const [, ex] of m[0].matchAll(/wasm\.(\w+)/g)) dropped.add(ex);
    glue = glue.replace(re, '\n');
  }
  if (new RegExp(`\\b${name}\\b`).test(glue)) fail(`${name} is still referenced by the glue`);
}
for (const ex of dropped) {
  if (new RegExp(`wasm\\.${ex}\\b`).test(glue)) fail(`export ${ex} is still used by the glue`);
}

// The wasm side: the export section without the dropped names.
let removed = 0;
const out = editExports(fs.readFileSync(wasmPath), (entries) => entries.filter((e) => {
  if (!dropped.has(e.name)) return true;
  removed++;
  return false;
}));
if (!out) fail(`${wasmPath}: no export section`);
if (removed !== dropped.size) fail(`found ${removed} of the ${dropped.size} exports the glue used for ${classes.join(', ')}`);
fs.writeFileSync(wasmPath, out);
fs.writeFileSync(gluePath, glue);
console.log(`drop-exports: ${classes.join(', ')}: ${removed} exports removed`);
