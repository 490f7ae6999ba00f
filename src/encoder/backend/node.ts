/** ONNX Runtime for Node (onnxruntime-node). The only file of the Node build that imports it. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Device } from '../types.js';
import { OrtSession } from './session.js';
import type { Backend, BackendSession, ModelSource, Provider, SessionConfig } from './types.js';

const ORDER: Record<Device, Provider[]> = {
  auto: ['cuda', 'webgpu', 'cpu'],
  cuda: ['cuda'],
  webgpu: ['webgpu'],
  cpu: ['cpu'],
  wasm: ['wasm'],
};

const CUDA_OPT_IN = 'node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12';

/**
 * Why a provider cannot work here, found without asking ORT; null when ORT has to try. Asking ORT
 * for a provider whose libraries are absent makes native code print error lines to stderr that no
 * option silences (ORT's provider bridge, Dawn's Vulkan loader), so `device: 'auto'` checks first.
 */
export function providerPrecheck(provider: Provider, env: NodeJS.ProcessEnv = process.env): string | null {
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
  }
  return null;
}

export const nodeBackend: Backend = {
  platform: 'node',
  providerOrder: (device) => ORDER[device],
  async createSession(model: ModelSource, provider: Provider, config: SessionConfig): Promise<BackendSession> {
    const missing = providerPrecheck(provider);
    if (missing) throw new Error(missing);
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: config.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
      ...(process.env.MTL_ORT_NO_SPIN === '1' ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    };
    const session =
      typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
    return new OrtSession(session, (data, dims) => new ort.Tensor('int64', data, dims));
  },
  defaultThreads: () => availableParallelism(),
};
