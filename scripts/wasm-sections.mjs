// Reading and rewriting a wasm module's sections, for the build's post-processing scripts
// (drop-exports.mjs, link-split.mjs). Only what they need: walking the sections, and the
// export section as a list of entries.

/** Reads an unsigned LEB128 number at `at`: [value, position after it]. */
export function uleb(buf, at) {
  let value = 0, shift = 0, b;
  do { b = buf[at++]; value += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [value, at];
}

/** Encodes an unsigned LEB128 number. */
export function encode(n) {
  const out = [];
  do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n);
  return Buffer.from(out);
}

/** The module's sections, in order: { id, body } (body without the id and size). */
export function sections(bytes) {
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const [size, body] = uleb(bytes, at + 1);
    out.push({ id: bytes[at], body: bytes.subarray(body, body + size) });
    at = body + size;
  }
  return out;
}

/**
 * Rewrites the export section: `edit` gets its entries ({ name, kind, bytes }, `bytes` being
 * the whole encoded entry) and returns the entries to write. Returns the new module, or null
 * when it has no export section.
 */
export function editExports(bytes, edit) {
  let found = false;
  const parts = [bytes.subarray(0, 8)];
  for (const { id, body } of sections(bytes)) {
    if (id !== 7) {
      parts.push(Buffer.from([id]), encode(body.length), body);
      continue;
    }
    found = true;
    let [count, p] = uleb(body, 0);
    const entries = [];
    for (let i = 0; i < count; i++) {
      const start = p;
      const [len, nameAt] = uleb(body, p);
      const name = body.subarray(nameAt, nameAt + len).toString('utf8');
      const kind = body[nameAt + len];
      [, p] = uleb(body, nameAt + len + 1);
      entries.push({ name, kind, bytes: body.subarray(start, p) });
    }
    const kept = edit(entries);
    const section = Buffer.concat([encode(kept.length), ...kept.map((e) => e.bytes)]);
    parts.push(Buffer.from([7]), encode(section.length), section);
  }
  return found ? Buffer.concat(parts) : null;
}

/** An export entry: `name` exporting item `index` of `kind` (0 function, 1 table, 2 memory, 3 global). */
export function exportEntry(name, kind, index) {
  const n = Buffer.from(name);
  return { name, kind, bytes: Buffer.concat([encode(n.length), n, Buffer.from([kind]), encode(index)]) };
}
