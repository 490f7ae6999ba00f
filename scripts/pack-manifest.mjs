// The package.json that goes into the tarball, without install-time lifecycle scripts.
//
// In this repository `prepare` builds dist/ (so `npm ci`, as CI runs it, builds what the CLI tests
// and `npm run demo` use). An app that installs the package must not be asked to allow a script it
// never needs, so `npm pack` / `npm publish` run `prepack` (build, then `strip`: package.json without
// preinstall/install/postinstall/prepare, the original kept in package.json.prepack) and `postpack`
// (`restore`: the original back). A pack that failed in between is restored by the next `strip`.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(new URL('../package.json', import.meta.url));
const kept = `${file}.prepack`;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

function writeAtomic(path, text) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const step = process.argv[2];
if (step === 'strip') {
  if (existsSync(kept)) renameSync(kept, file);
  const text = readFileSync(file, 'utf8');
  const json = JSON.parse(text);
  for (const s of INSTALL_SCRIPTS) delete json.scripts?.[s];
  writeFileSync(kept, text);
  writeAtomic(file, JSON.stringify(json, null, 2) + '\n');
} else if (step === 'restore') {
  if (existsSync(kept)) renameSync(kept, file);
} else {
  console.error('usage: node scripts/pack-manifest.mjs strip|restore');
  process.exit(2);
}
