// Chains subresource integrity through the widget (run by scripts/build, after every other
// step has written its file):  node scripts/integrity.mjs dist
// A page checks sherpa.js with the integrity attribute of its script tag; sherpa.js carries
// the hashes of sherpa_core.js and sherpa_core_bg.wasm, and sherpa_core.js that of
// sherpa_answer.wasm. Each placeholder @@SRI:<file>@@ becomes sha384-<base64> of <file>,
// leaves first, so a hash is always taken of a file's final bytes. Fails, changing nothing,
// when a placeholder is missing or unknown.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const fail = (msg) => { console.error(`integrity: ${msg}`); process.exit(1); };
// Each file and the files whose hashes it carries, in the order they are filled in.
const chain = [
  ['sherpa_core.js', ['sherpa_answer.wasm']],
  ['sherpa.js', ['sherpa_core.js', 'sherpa_core_bg.wasm']],
];
export const sri = (bytes) => 'sha384-' + crypto.createHash('sha384').update(bytes).digest('base64');

if (!dir) fail('usage: node scripts/integrity.mjs DIST_DIR');
const placeholder = /@@SRI:([\w.]+)@@/g;
for (const [file, deps] of chain) {
  const p = path.join(dir, file);
  let text = fs.readFileSync(p, 'utf8');
  const found = [...text.matchAll(placeholder)].map((m) => m[1]).sort();
  if (found.join() !== [...deps].sort().join()) {
    fail(`${file}: expected placeholders for ${deps.join(', ')}, found ${found.join(', ') || 'none'}`);
  }
  for (const dep of deps) {
    const bytes = fs.readFileSync(path.join(dir, dep));
    if (bytes.includes('@@SRI:')) fail(`${dep} still has placeholders`);
    text = text.replaceAll(`@@SRI:${dep}@@`, sri(bytes));
  }
  fs.writeFileSync(p, text);
}
console.log(`integrity: sherpa.js ${sri(fs.readFileSync(path.join(dir, 'sherpa.js')))}`);
