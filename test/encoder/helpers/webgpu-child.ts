/**
 * Child process of node-webgpu.test.ts: encodes with onnxruntime-node's WebGPU provider and on CPU
 * and prints one JSON line. A separate process because the Vulkan loader reads its environment
 * (VK_ICD_FILENAMES, LD_LIBRARY_PATH) when ORT first initializes Dawn.
 */
import { Encoder } from '../../../src/encoder/index.js';
import { mixedSentences } from './data.js';

const dir = process.argv[2]!;
const texts = mixedSentences(16);

async function timed(device: 'cpu' | 'webgpu' | 'auto') {
  const logs: string[] = [];
  const enc = await Encoder.load(dir, { device, threads: 2, logger: (m) => logs.push(m) });
  await enc.encode(texts.slice(0, 4)); // warm-up (WebGPU compiles its shaders here)
  const t0 = performance.now();
  const out = await enc.encode(texts);
  const seconds = (performance.now() - t0) / 1000;
  const used = enc.info.device;
  await enc.dispose();
  return { out, seconds, used, logs };
}

const cpu = await timed('cpu');
const auto = await timed('auto');
const gpu = await timed('webgpu');
let diff = 0;
for (let i = 0; i < gpu.out.data.length; i++) diff = Math.max(diff, Math.abs(gpu.out.data[i]! - cpu.out.data[i]!));
const result = {
  auto: { device: auto.used, logs: auto.logs },
  webgpu: { device: gpu.used, dims: gpu.out.dims, diff, seconds: gpu.seconds },
  cpuSeconds: cpu.seconds,
};
process.stdout.write(JSON.stringify(result) + '\n');
