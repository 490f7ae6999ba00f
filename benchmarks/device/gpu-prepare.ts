/**
 * Prepares the GPU encoder check for the lent machine (no Node, no network, 64 MiB per call): writes
 * `.device/gpu/` (git-ignored; carry it) holding
 *   node.xz          this Node binary, xz-compressed (unpacked there with Python's lzma)
 *   ort.tar.xz       onnxruntime-node's JS, its Linux x64 binding and libonnxruntime.so.1 (the WebGPU
 *                    provider is built in), onnxruntime-common
 *   run.mjs          benchmarks/device/gpu-run.ts bundled by esbuild with the encoder and the tokenizer
 *                    code (onnxruntime-node external)
 *   reference-mini/  ../shared/models/reference-mini with its vocabulary cut to the tokens of the
 *                    benchmark texts (ids renumbered in the embedding table and tokenizer.json; those
 *                    texts tokenize and encode exactly as with the full model)
 *   texts.json       the benchmark's 2,400 mixed texts
 *   gl/              the Vulkan loader (.deb from apt-get download libvulkan1)
 *   run.sh           the command
 * `npx tsx benchmarks/device/gpu-prepare.ts [--rehearse] [--bundle-only]` (--rehearse runs run.sh here,
 * into scratch/gpu-out; --bundle-only rebuilds run.mjs alone).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Encoder } from '../../src/encoder/index.js';
import { decodeModel, encodeModel, tensorData, floatTensor } from '../../src/onnx/proto.js';
import { toFloat16Array } from '../../src/utils/float16.js';
import { packageRoot } from '../../src/utils/paths.js';
import { loadTexts } from '../texts.js';

async function bundle(): Promise<void> {
  await build({
    entryPoints: [join(packageRoot(), 'benchmarks', 'device', 'gpu-run.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(packageRoot(), '.device', 'gpu', 'run.mjs'),
    external: ['onnxruntime-node', 'sharp'],
    minify: true,
    // neither the SQLite cache nor image decoding runs there: stubs instead of the native modules
    plugins: [
      {
        name: 'stub-native',
        setup(b) {
          b.onResolve({ filter: /^(better-sqlite3|sharp)$/ }, (a) => ({ path: a.path, namespace: 'stub' }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
            contents: "export default function stub() { throw new Error('not carried to the device run'); }",
            loader: 'js',
          }));
        },
      },
    ],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
}

const root = packageRoot();
const out = join(root, '.device', 'gpu');
if (process.argv.includes('--bundle-only')) {
  await bundle();
  process.exit(0);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const sh = (cmd: string, args: string[], cwd = out) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

// texts and the trimmed reference-mini
const texts = loadTexts(2400);
writeFileSync(join(out, 'texts.json'), JSON.stringify(texts));
const src = join(root, '..', 'shared', 'models', 'reference-mini');
const full = await Encoder.load(src, { device: 'cpu', logger: () => undefined });
const used = new Set<number>([0, 1, 2, 3, 4]);
for (const t of texts) for (const id of full.tokenize(t)) used.add(id);
await full.dispose();
const keep = [...used].sort((a, b) => a - b); // old ids in order; specials 0-4 keep their ids
const newId = new Map(keep.map((old, i) => [old, i]));
const tok = JSON.parse(readFileSync(join(src, 'tokenizer.json'), 'utf8')) as {
  model: { vocab: Record<string, number> };
  added_tokens: { id: number }[];
};
const vocab: Record<string, number> = {};
for (const [piece, id] of Object.entries(tok.model.vocab)) if (newId.has(id)) vocab[piece] = newId.get(id)!;
tok.model.vocab = vocab;
for (const a of tok.added_tokens) if (!newId.has(a.id) || newId.get(a.id) !== a.id) throw new Error(`added token ${a.id} would move`);
const mdir = join(out, 'reference-mini');
mkdirSync(join(mdir, 'onnx'), { recursive: true });
writeFileSync(join(mdir, 'tokenizer.json'), JSON.stringify(tok));
const config = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as { vocab_size: number; hidden_size: number };
config.vocab_size = keep.length;
writeFileSync(join(mdir, 'config.json'), JSON.stringify(config, null, 1));
for (const f of ['tokenizer_config.json', 'special_tokens_map.json']) cpSync(join(src, f), join(mdir, f));
const model = decodeModel(readFileSync(join(src, 'onnx', 'model.onnx')));
const inits = model.graph!.initializer!;
const wi = inits.findIndex((t) => t.dims?.length === 2 && Number(t.dims[0]) === 32000);
if (wi < 0) throw new Error('no word embedding table found');
const W = tensorData(inits[wi]!) as Float32Array;
const H = config.hidden_size;
const small = new Float32Array(keep.length * H);
keep.forEach((old, i) => small.set(W.subarray(old * H, old * H + H), i * H));
inits[wi] = floatTensor(inits[wi]!.name!, [keep.length, H], small);
writeFileSync(join(mdir, 'onnx', 'model.onnx'), encodeModel(model));
// check below on the fp32 file; then what travels: every large fp32 weight as fp16 bits (run.mjs widens
// them back to fp32 there, so the CPU and GPU runs share one model, rounded once to fp16: half the bytes)
const travel = decodeModel(readFileSync(join(mdir, 'onnx', 'model.onnx')));
for (const t of travel.graph!.initializer!) {
  if (t.dataType !== 1) continue;
  const data = tensorData(t) as Float32Array;
  if (data.length < 1024) continue;
  t.rawData = new Uint8Array(toFloat16Array(data).buffer);
  t.floatData = [];
  t.docString = 'mtl-gpu:fp16-in-transit';
}
// check: the trimmed model gives the full model's vectors on the texts
{
  const a = await Encoder.load(src, { device: 'cpu', logger: () => undefined });
  const b = await Encoder.load(mdir, { device: 'cpu', logger: () => undefined });
  const sample = texts.slice(0, 200);
  const [va, vb] = [await a.encode(sample), await b.encode(sample)];
  let m = 0;
  for (let i = 0; i < va.data.length; i++) m = Math.max(m, Math.abs(va.data[i]! - vb.data[i]!));
  await a.dispose();
  await b.dispose();
  if (m > 1e-5) throw new Error(`trimmed reference-mini differs from the full one by ${m}`);
  console.error(`[gpu-prepare] reference-mini trimmed to ${keep.length} tokens; max |Δ| vs full on 200 texts ${m}`);
}
rmSync(join(mdir, 'onnx', 'model.onnx'));
writeFileSync(join(mdir, 'onnx', 'model.fp16-transit.onnx'), encodeModel(travel));

await bundle();

// Node, onnxruntime-node (Linux x64 binding only), the Vulkan loader
sh('sh', ['-c', `xz -9e -T2 -c ${JSON.stringify(process.execPath)} > node.xz`]);
const nm = join(root, 'node_modules');
const stage = join(out, 'node_modules');
for (const p of [
  'onnxruntime-node/package.json',
  'onnxruntime-node/dist',
  'onnxruntime-node/bin/napi-v6/linux/x64',
  'onnxruntime-common/package.json',
  'onnxruntime-common/dist',
]) {
  cpSync(join(nm, p), join(stage, p), { recursive: true });
}
sh('tar', ['cJf', 'ort.tar.xz', 'node_modules']);
rmSync(stage, { recursive: true });
mkdirSync(join(out, 'gl'));
const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', '-oDir::State::Lists=/tmp/amd64'];
mkdirSync('/tmp/amd64/partial', { recursive: true });
sh('apt-get', [...o, 'update']);
sh('apt-get', [...o, 'download', 'libvulkan1'], join(out, 'gl'));
writeFileSync(
  join(out, 'run.sh'),
  `#!/bin/sh
# On the device: sh .device/gpu/run.sh "$OUT"   (carry [".device"])
set -e
G=$(cd "$(dirname "$0")" && pwd)
OUT=\${1:-$G/out}; mkdir -p "$OUT"
if [ "\${REHEARSE:-}" != 1 ]; then
  for f in "$G"/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
W=/tmp/mtl-gpu; rm -rf "$W"; mkdir -p "$W"
python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$G/node.xz" "$W/node"
chmod +x "$W/node"
python3 -c "import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$G/ort.tar.xz" "$W"
cp "$G/run.mjs" "$W/"
echo '{"name":"mtl-gpu-run","type":"module"}' > "$W/package.json"
export MTL_CACHE_DIR=/tmp/mtl-cache
mkdir -p "$W/fixtures" && cp -r "$G/../../fixtures/corpus" "$W/fixtures/"  # the repository's, for the minilm-l6 fixture
(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true) | tee "$OUT/nvidia-smi.txt"
ls /usr/local/nvidia/share/vulkan/icd.d/ /etc/vulkan/icd.d/ /usr/share/vulkan/icd.d/ 2>/dev/null | tee "$OUT/icd.txt" || true
"$W/node" "$W/run.mjs" "$G" "$OUT" 2>&1 | tee "$OUT/gpu.log"
`,
);
let total = 0;
const walk = (d: string): void => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    const s = statSync(p);
    if (s.isDirectory()) walk(p);
    else total += s.size;
  }
};
walk(out);
console.error(`[gpu-prepare] ${out}: ${(total / 2 ** 20).toFixed(1)} MiB in all`);
for (const f of readdirSync(out)) console.error(`  ${f}`);
if (process.argv.includes('--rehearse')) {
  const res = join(root, 'scratch', 'gpu-out');
  mkdirSync(res, { recursive: true });
  execFileSync('sh', [join(out, 'run.sh'), res], { stdio: 'inherit', env: { ...process.env, REHEARSE: '1' } });
}
