// Removes JS classes that wasm-bindgen exports on behalf of a dependency we never use, and the
// wasm exports behind them, so wasm-opt can drop their code (run between wasm-bindgen and
// wasm-opt; scripts/build). Today: wasm-streams' IntoUnderlying{ByteSource,Sink,Source}, which
// Leptos pulls in through its server functions (Sherpa has none): −2 KB gz.
//   node scripts/drop-exports.mjs glue.js module.wasm ClassName...
// Fails, changing nothing, if the glue's shape is not the expected one or if anything left in
// it still refers to what would be removed.
import fs from 'node:fs';

const [gluePath, wasmPath, ...classes] = process.argv.slice(2);
const fail = (msg) => { console.error(`drop-exports: ${msg}`); process.exit(1); };
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

// The wasm side: rewrite the export section (id 7) without the dropped names.
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
const parts = [bytes.subarray(0, 8)];
let at = 8, removed = 0;
while (at < bytes.length) {
  const id = bytes[at];
  const [size, body] = uleb(bytes, at + 1);
  const end = body + size;
  if (id !== 7) { parts.push(bytes.subarray(at, end)); at = end; continue; }
  let [count, p] = uleb(bytes, body);
  const kept = [];
  for (let i = 0; i < count; i++) {
    const start = p;
    const [len, nameAt] = uleb(bytes, p);
    const name = bytes.subarray(nameAt, nameAt + len).toString('utf8');
    [, p] = uleb(bytes, nameAt + len + 1); // kind byte, then the index
    if (dropped.has(name)) removed++; else kept.push(bytes.subarray(start, p));
  }
  const section = Buffer.concat([encode(kept.length), ...kept]);
  parts.push(Buffer.from([7]), encode(section.length), section);
  at = end;
}
if (removed !== dropped.size) fail(`found ${removed} of the ${dropped.size} exports the glue used for ${classes.join(', ')}`);
fs.writeFileSync(wasmPath, Buffer.concat(parts));
fs.writeFileSync(gluePath, glue);
console.log(`drop-exports: ${classes.join(', ')}: ${removed} exports removed`);
