/** ONNX Runtime Web (WebGPU, then wasm). The only file of the browser build that imports ORT. */
import * as ort from 'onnxruntime-web/webgpu';
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
  auto: ['webgpu', 'wasm'],
  webgpu: ['webgpu'],
  wasm: ['wasm'],
  cpu: ['wasm'],
  cuda: ['cuda'],
};

function metadata(list: unknown): ValueInfo[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((m: { name: string; type?: string; shape?: ReadonlyArray<number | string> }) => ({
    name: m.name,
    type: m.type,
    shape: m.shape,
  }));
}

class WebSession implements BackendSession {
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
      // WebGPU outputs may live on the GPU; getData() downloads them.
      const data = t.location === 'gpu-buffer' ? await t.getData(true) : t.data;
      out[name] = { data: toFloat32(t.type, data, name), dims: [...t.dims] };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export const webBackend: Backend = {
  platform: 'web',
  providerOrder: (device) => ORDER[device],
  async createSession(model: ModelSource, provider: Provider, config: SessionConfig): Promise<BackendSession> {
    if (provider !== 'webgpu' && provider !== 'wasm') {
      throw new Error(`execution provider '${provider}' does not exist in onnxruntime-web (use 'webgpu' or 'wasm')`);
    }
    if (provider === 'webgpu' && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
      throw new Error('WebGPU is not available in this browser (navigator.gpu is undefined)');
    }
    ort.env.wasm.numThreads = config.threads;
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      logSeverityLevel: 3,
    };
    const session =
      typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
    return new WebSession(session);
  },
  defaultThreads: () => {
    const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
    // Multi-threaded wasm needs cross-origin isolation (SharedArrayBuffer).
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    return isolated ? Math.max(1, Math.min(n, 8)) : 1;
  },
};
