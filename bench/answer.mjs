// A deterministic markdown answer for the streaming benchmark: headings, paragraphs, bullet and
// numbered lists, fenced code, tables, emphasis, inline code and Onyx citations ` [[n]](url)`,
// cut into deltas the way a model streams (a few characters each, citations whole).

/** Small deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('notebook export sync share page folder backup restore template tag search filter ' +
  'offline device account team workspace permission history version link import format markdown ' +
  'attachment reminder calendar archive trash settings password security editor shortcut table ' +
  'heading list checkbox comment mention integration webhook token limit plan storage').split(' ');

export const CITATIONS = 40;
export const citationUrl = (n) => `https://help.example.com/articles/${n}-lumen-notes-guide`;

/**
 * Builds about `targetBytes` of markdown. Returns { text, segments } where segments are the
 * pieces to stream: plain text pieces and { cite: n } markers.
 */
export function buildAnswer(targetBytes = 60_000, seed = 7) {
  const r = rng(seed);
  const pick = () => WORDS[Math.floor(r() * WORDS.length)];
  const words = (n) => Array.from({ length: n }, pick).join(' ');
  const segs = [];
  let size = 0;
  let cite = 0;
  const push = (s) => { segs.push(s); size += s.length; };
  const citeNext = () => {
    cite = (cite % CITATIONS) + 1;
    const marker = ` [[${cite}]](${citationUrl(cite)})`;
    segs.push({ cite, marker });
    size += marker.length;
  };
  const sentence = () => {
    const s = words(8 + Math.floor(r() * 10));
    return s[0].toUpperCase() + s.slice(1);
  };
  let section = 0;
  while (size < targetBytes) {
    section++;
    push(`## ${section}. ${sentence()}\n\n`);
    push(`${sentence()}, with **${pick()}** and \`${pick()}_${pick()}\`. ${sentence()}.`);
    citeNext();
    push(`\n\n`);
    switch (section % 4) {
      case 0:
        for (let i = 0; i < 5; i++) { push(`- ${sentence()}`); if (i % 2 === 0) citeNext(); push('\n'); }
        break;
      case 1:
        for (let i = 1; i <= 5; i++) push(`${i}. Open *${pick()}* then ${words(6)}.\n`);
        break;
      case 2:
        push('```js\n');
        for (let i = 0; i < 6; i++) push(`const ${pick()}${i} = await lumen.${pick()}({ ${pick()}: "${pick()}" });\n`);
        push('```\n');
        break;
      case 3:
        push(`| ${pick()} | ${pick()} | ${pick()} |\n|---|---|---|\n`);
        for (let i = 0; i < 5; i++) push(`| ${words(2)} | ${words(3)} | ${Math.floor(r() * 1000)} |\n`);
        break;
    }
    push(`\n${sentence()}. ${sentence()}.`);
    citeNext();
    push('\n\n');
  }
  const text = segs.map((s) => (typeof s === 'string' ? s : s.marker)).join('');
  return { text, segs };
}

/** Cuts the segments into exactly `n` deltas (citations whole, text split evenly). */
export function toDeltas(segs, n) {
  const textBytes = segs.reduce((k, s) => k + (typeof s === 'string' ? s.length : 0), 0);
  const cites = segs.filter((s) => typeof s !== 'string').length;
  const textDeltas = n - cites;
  const per = textBytes / textDeltas;
  const out = [];
  let budget = 0;
  let made = 0;
  for (const s of segs) {
    if (typeof s !== 'string') { out.push(s); continue; }
    let rest = s;
    while (rest.length) {
      budget += per;
      made++;
      const take = Math.max(1, Math.round(budget));
      const piece = rest.slice(0, take);
      budget -= piece.length;
      rest = rest.slice(piece.length);
      out.push(piece);
    }
  }
  // Merge or split to land exactly on n (rounding drift is a handful of deltas).
  let cursor = 0;
  while (out.length > n) {
    cursor = (cursor + 997) % (out.length - 1);
    const i = cursor;
    if (typeof out[i] === 'string' && typeof out[i + 1] === 'string') out.splice(i, 2, out[i] + out[i + 1]);
  }
  while (out.length < n) {
    const i = out.findIndex((d) => typeof d === 'string' && d.length > 1);
    out.splice(i, 1, out[i].slice(0, 1), out[i].slice(1));
  }
  void made;
  return out;
}
