// Stages and checks the npm package (see scripts/release). Exits non-zero when the packed
// tarball holds anything other than exactly what a CDN needs.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const NAME = 'sherpa-chat-widget';
const DIST = ['sherpa.js', 'sherpa_core.js', 'sherpa_core_bg.wasm', 'sherpa_answer.wasm'];
const DOCS = ['README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'CHANGELOG.md'];
const stage = 'target/npm-package';

const fail = (msg) => { console.error(`release: ${msg}`); process.exit(1); };

// The crate's version and licence: the [package] table of Cargo.toml and [workspace.package].
const cargo = readFileSync('Cargo.toml', 'utf8');
const pkgTable = cargo.slice(cargo.indexOf('\n[package]'));
const version = /\nversion = "([^"]+)"/.exec(pkgTable)?.[1] ?? fail('no version in Cargo.toml [package]');
const license = /\nlicense = "([^"]+)"/.exec(cargo)?.[1] ?? fail('no license in Cargo.toml');
if (!readFileSync('CHANGELOG.md', 'utf8').includes(`## ${version}`)) fail(`CHANGELOG.md has no "## ${version}" entry`);

for (const f of DIST) if (!existsSync(`dist/${f}`)) fail(`dist/${f} missing: run scripts/build (or scripts/release without --no-build)`);
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const f of DIST) copyFileSync(`dist/${f}`, `${stage}/${f}`);
for (const f of DOCS) copyFileSync(f, `${stage}/${f}`);
copyFileSync('npm/sherpa.d.ts', `${stage}/sherpa.d.ts`);
const pkg = {
  name: NAME,
  version,
  description: 'Sherpa: an embeddable chat widget (one <script> tag) for Onyx-family and Odyssey RAG backends',
  license,
  keywords: ['chat', 'widget', 'rag', 'onyx', 'wasm', 'leptos'],
  // What jsDelivr and unpkg serve for the bare package URL.
  main: 'sherpa.js',
  browser: 'sherpa.js',
  jsdelivr: 'sherpa.js',
  unpkg: 'sherpa.js',
  types: 'sherpa.d.ts',
  files: [...DIST, 'sherpa.d.ts', ...DOCS.filter((f) => f !== 'README.md')],
  sideEffects: true,
};
writeFileSync(`${stage}/package.json`, JSON.stringify(pkg, null, 2) + '\n');

// What `npm pack` would put in the tarball, compared with exactly what is wanted.
const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: stage, encoding: 'utf8' });
const [packed] = JSON.parse(out);
const got = packed.files.map((f) => f.path).sort();
const want = [...DIST, ...DOCS, 'sherpa.d.ts', 'package.json'].sort();
if (JSON.stringify(got) !== JSON.stringify(want)) fail(`tarball holds [${got}], want [${want}]`);
if (packed.name !== NAME || packed.version !== version) fail(`packed ${packed.name}@${packed.version}, want ${NAME}@${version}`);
for (const f of packed.files.filter((f) => DIST.includes(f.path))) {
  const size = readFileSync(`dist/${f.path}`).length;
  if (f.size !== size) fail(`${f.path}: ${f.size} bytes packed, ${size} in dist/`);
}

const sri = (f) => 'sha384-' + createHash('sha384').update(readFileSync(f)).digest('base64');
const integrity = sri('dist/sherpa.js');
const url = (cdn) => `${cdn}/${NAME}@${version}/sherpa.js`;
console.log(`release: ${stage} holds ${NAME}@${version} (${packed.files.length} files, ${packed.size} bytes packed); checked
release: publish with: (cd ${stage} && npm publish)   [not done here]

Copy-paste snippet (jsDelivr; unpkg: ${url('https://unpkg.com')}):

<script src="${url('https://cdn.jsdelivr.net/npm')}" defer
        integrity="${integrity}" crossorigin="anonymous"
        data-api-base="https://onyx.example.com/api"></script>
`);
