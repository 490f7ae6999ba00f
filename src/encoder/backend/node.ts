/** ONNX Runtime for Node (onnxruntime-node). The only file of the Node build that imports it. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Device } from '../types.js';
import {
  toFloat32,
  type Backend,
  type BackendSession,
  type InputTensor,
  type ModelSource,
  type OutputTensor,
  type Provider,
  type SessionConfig,
  type ValueInfo,
} from './types.js';

const ORDER: Record<Device, Provider[]> = {
  auto: ['cuda', 'webgpu', 'cpu'],
  cuda: ['cuda'],
  webgpu: ['webgpu'],
  cpu: ['cpu'],
  wasm: ['wasm'],
};

function metadata(list: unknown): ValueInfo[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((m: { name: string; type?: string; shape?: ReadonlyArray<number | string> }) => ({
    name: m.name,
    type: m.type,
    shape: m.shape,
  }));
}

class NodeSession implements BackendSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputInfo?: readonly ValueInfo[];
  readonly outputInfo?: readonly ValueInfo[];

  constructor(private readonly session: ort.InferenceSession) {
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
    const s = session as unknown as { inputMetadata?: unknown; outputMetadata?: unknown };
    this.inputInfo = metadata(s.inputMetadata);
    this.outputInfo = metadata(s.outputMetadata);
  }

  async run(feeds: Record<string, InputTensor>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('int64', t.data, t.dims);
    const results = await this.session.run(ortFeeds, outputNames as string[]);
    const out: Record<string, OutputTensor> = {};
    for (const name of outputNames) {
      const t = results[name];
      if (!t) throw new Error(`ONNX Runtime returned no output '${name}'`);
      out[name] = { data: toFloat32(t.type, t.data, name), dims: [...t.dims] };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

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
    return new NodeSession(session);
  },
  defaultThreads: () => availableParallelism(),
};
