/** ONNX Runtime Web (WebGPU, then wasm). The only file of the browser build that imports ORT. */
import * as ort from 'onnxruntime-web/webgpu';
import type { Device } from '../types.js';
import { OrtSession } from './session.js';
import type { Backend, BackendSession, ModelSource, Provider, SessionConfig } from './types.js';
import { UserError } from '../../errors.js';

const ORDER: Record<Device, Provider[]> = {
  auto: ['webgpu', 'wasm'],
  webgpu: ['webgpu'],
  wasm: ['wasm'],
  cpu: ['wasm'],
  cuda: ['cuda'],
};

/**
 * Where the page serves onnxruntime-web's `.wasm` / `.mjs` files (a URL prefix ending in `/`,
 * relative to the page or absolute);
 * without it ORT uses its default (next to its own script, or transformers.js' CDN setting).
 * @example
 * setOrtWasmPaths('/ort/'); // the page then fetches onnxruntime-web's ort-wasm-simd-threaded*.mjs / .wasm from /ort/
 */
export function setOrtWasmPaths(prefix: string): void {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  ort.env.wasm.wasmPaths = base ? new URL(prefix, base).href : prefix;
}

export const webBackend: Backend = {
  platform: 'web',
  providerOrder: (device) => ORDER[device],
  async createSession(model: ModelSource, provider: Provider, config: SessionConfig): Promise<BackendSession> {
    if (provider !== 'webgpu' && provider !== 'wasm') {
      throw new UserError(`execution provider '${provider}' does not exist in onnxruntime-web (use 'webgpu' or 'wasm')`);
    }
    if (provider === 'webgpu' && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
      throw new UserError('WebGPU is not available in this browser (navigator.gpu is undefined)');
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
    return new OrtSession(session, (data, dims) => new ort.Tensor('int64', data, dims));
  },
  defaultThreads: () => {
    const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
    // Multi-threaded wasm needs cross-origin isolation (SharedArrayBuffer).
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    return isolated ? Math.max(1, Math.min(n, 8)) : 1;
  },
};
