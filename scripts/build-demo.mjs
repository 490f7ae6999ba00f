// `npm run build`, after tsc: bundle the demo page of `mtl serve` (examples/07-demo) into dist/demo/
// with esbuild, so that an installed package serves it without esbuild or the examples folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDemoPage } from '../dist/cli/serve.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = await bundleDemoPage(root);
const out = join(root, 'dist', 'demo');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'index.html'), page.html);
writeFileSync(join(out, 'main.js'), page.js);
console.log(`dist/demo: index.html, main.js (${(page.js.length / 1e6).toFixed(1)} MB)`);
