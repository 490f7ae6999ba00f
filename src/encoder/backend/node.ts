/** ONNX Runtime for Node (onnxruntime-node). The only file of the Node build that imports it. */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Device } from '../types.js';
import { WorkerPoolSession } from './node-pool.js';
import { OrtSession } from './session.js';
import type { Backend, BackendSession, ModelSource, Provider, SessionConfig } from './types.js';
import { UserError } from '../../errors.js';

const ORDER: Record<Device, Provider[]> = {
  auto: ['cuda', 'webgpu', 'cpu'],
  cuda: ['cuda'],
  webgpu: ['webgpu'],
  cpu: ['cpu'],
  wasm: ['wasm'],
};

const CUDA_OPT_IN = 'node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12';

/** Vulkan ICD manifests the loader would read: VK_DRIVER_FILES / VK_ICD_FILENAMES, else the icd.d folders. */
export function vulkanIcdFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  if (explicit) return explicit.split(delimiter).filter(Boolean);
  const bases = [
    env.XDG_CONFIG_HOME ?? (env.HOME ? join(env.HOME, '.config') : ''),
    ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(delimiter),
    '/etc',
    env.XDG_DATA_HOME ?? (env.HOME ? join(env.HOME, '.local/share') : ''),
    ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(delimiter),
  ].filter(Boolean);
  const out: string[] = [];
  for (const base of bases) {
    const dir = join(base, 'vulkan', 'icd.d');
    try {
      for (const f of readdirSync(dir)) if (f.endsWith('.json')) out.push(join(dir, f));
    } catch {
      // no such folder
    }
  }
  return out;
}

/** CPU implementations of Vulkan: WebGPU on them is far slower than ORT's CPU provider. */
const SOFTWARE_ICD = /swiftshader|lvp_icd|lavapipe|llvmpipe/i;

/**
 * Why a provider cannot work here (or, for `auto`, should not be tried), found without asking ORT;
 * null when ORT has to try. Asking ORT for a provider whose libraries are absent makes native code
 * print error lines to stderr that no option silences (ORT's provider bridge, Dawn's Vulkan loader),
 * so `device: 'auto'` checks first. `auto` also skips WebGPU when the only Vulkan drivers are
 * software ones (SwiftShader, lavapipe): measured here, SwiftShader WebGPU encodes ~200x slower than
 * the CPU provider. An explicit `device: 'webgpu'` still uses them.
 */
export function providerPrecheck(
  provider: Provider,
  env: NodeJS.ProcessEnv = process.env,
  options: { auto?: boolean } = {},
): string | null {
  if (provider === 'cuda') {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    const file = join(pkg, 'bin', 'napi-v6', process.platform, process.arch, lib);
    if (!existsSync(file)) return `CUDA execution provider not installed (${lib} missing; opt in with: ${CUDA_OPT_IN})`;
  }
  if (provider === 'webgpu' && process.platform === 'linux') {
    const dirs = [
      ...(env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean),
      '/usr/lib/x86_64-linux-gnu',
      '/usr/lib/aarch64-linux-gnu',
      '/lib/x86_64-linux-gnu',
      '/lib/aarch64-linux-gnu',
      '/usr/lib64',
      '/usr/lib',
      '/usr/local/lib',
    ];
    if (!dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return 'WebGPU needs a Vulkan loader (libvulkan.so.1), none found';
    if (options.auto) {
      const icds = vulkanIcdFiles(env);
      if (icds.length === 0) return 'no Vulkan driver (ICD manifest) found';
      if (icds.every((f) => SOFTWARE_ICD.test(basename(f)))) {
        return `only software Vulkan drivers (${icds.map((f) => basename(f)).join(', ')}): WebGPU would run on the CPU, slower than the cpu provider; ask for device 'webgpu' to use them anyway`;
      }
    }
  }
  return null;
}

export const nodeBackend: Backend = {
  platform: 'node',
  providerOrder: (device) => ORDER[device],
  async createSession(model: ModelSource, provider: Provider, config: SessionConfig): Promise<BackendSession> {
    const missing = providerPrecheck(provider, process.env, { auto: config.auto });
    if (missing) throw new UserError(missing);
    // One session: one run at a time on all threads. onnxruntime-node (1.30) runs session.run
    // synchronously on the JS thread (inside a setImmediate), so concurrent runs of one session only
    // queue up; ORT's profile of a short-text batch is 96% kernels, 86% of it the weight GEMMs (docs/benchmarks.md,
    // speed suite). `workers` > 1 on the CPU: a pool of sessions in worker threads, threads shared out.
    const workers = provider === 'cpu' ? Math.max(1, config.workers ?? 1) : 1;
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: Math.max(1, Math.floor(config.threads / workers)),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
      ...(process.env.MTL_ORT_NO_SPIN === '1' ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    };
    if (workers > 1) return WorkerPoolSession.create(model, options as Record<string, unknown>, workers);
    const session =
      typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
    return new OrtSession(session, (data, dims) => new ort.Tensor('int64', data, dims));
  },
  defaultThreads: () => availableParallelism(),
};
