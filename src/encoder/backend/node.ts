/** ONNX Runtime for Node (onnxruntime-node). The only file of the Node build that imports it. */
import { availableParallelism } from 'node:os';
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

export const nodeBackend: Backend = {
  platform: 'node',
  providerOrder: (device) => ORDER[device],
  async createSession(model: ModelSource, provider: Provider, config: SessionConfig): Promise<BackendSession> {
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
