// Build steps after tsc.
//
// 1. Copies the vendored ONNX protobuf module (src/onnx/onnx-proto.js and its .d.ts), which tsc
//    does not emit, next to the compiled src/onnx/proto.ts.
//
// 2. Replaces dist/utils/tf-gradients.js (one import of
// `@tensorflow/tfjs-core/dist/register_all_gradients`, which Node's ESM loader cannot load: core's
// ESM files import each other without extensions) with an esbuild bundle of that module, so the
// built package registers tfjs-core's gradients without the `@tensorflow/tfjs` umbrella. See
// src/utils/tf-gradients.ts.
import { build } from 'esbuild';
import { copyFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

for (const name of ['onnx-proto.js', 'onnx-proto.d.ts']) {
  copyFileSync(new URL(`../src/onnx/${name}`, import.meta.url), new URL(`../dist/onnx/${name}`, import.meta.url));
}

const file = fileURLToPath(new URL('../dist/utils/tf-gradients.js', import.meta.url));
const result = await build({
  entryPoints: [file],
  outfile: file,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});
// Everything in it must come from tfjs-core and the two small libraries core itself bundles into its
// Node build (long, seedrandom); a bare import left in the output would have to resolve from the
// app's node_modules.
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.endsWith('dist/utils/tf-gradients.js'));
const foreign = inputs.filter((p) => !/node_modules\/(@tensorflow\/tfjs-core\/dist|long|seedrandom)\//.test(p));
if (foreign.length > 0) throw new Error(`gradient bundle pulled in modules outside tfjs-core: ${foreign.join(', ')}`);
const out = result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.js'))];
if (out.imports.length > 0) throw new Error(`gradient bundle has external imports: ${out.imports.map((i) => i.path).join(', ')}`);
rmSync(`${file}.map`, { force: true }); // tsc's map of the one-line source, stale now
console.log(`dist/utils/tf-gradients.js: tfjs-core gradients bundled (${inputs.length} modules, ${(out.bytes / 1e3).toFixed(0)} kB)`);
