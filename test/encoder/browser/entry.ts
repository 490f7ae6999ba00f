/**
 * The page script of the real-browser test: the package's browser entry (onnxruntime-web + the
 * transformers.js web build), bundled by esbuild, driven from Node through `window.mtlEncode`.
 */
import { env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-web/webgpu';
import { Encoder } from '../../../src/encoder/index.browser.js';
import type { Device, Dtype } from '../../../src/encoder/types.js';

export interface BrowserEncodeRequest {
  model: string;
  texts: string[];
  device: Device;
  dtype: Dtype;
}

export interface BrowserEncodeResult {
  dims: number[];
  data: number[];
  device: string;
  files: string[];
  logs: string[];
  webgpu: { navigatorGpu: boolean; adapter: boolean | null };
}

declare global {
  interface Window {
    mtlEncode: (req: BrowserEncodeRequest) => Promise<BrowserEncodeResult>;
  }
}

window.mtlEncode = async ({ model, texts, device, dtype }) => {
  const origin = window.location.origin;
  // What an app does to self-host: ORT's wasm next to the page, models from its own server.
  ort.env.wasm.wasmPaths = `${origin}/ort/`;
  env.allowLocalModels = false;
  env.useBrowserCache = false;
  env.remoteHost = origin;
  env.remotePathTemplate = 'models/{model}/';
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const adapter = gpu ? (await gpu.requestAdapter()) !== null : null;
  const logs: string[] = [];
  const enc = await Encoder.load(model, { device, dtype, logger: (m) => logs.push(m) });
  try {
    const out = await enc.encode(texts);
    return {
      dims: out.dims,
      data: Array.from(out.data),
      device: enc.info.device,
      files: enc.info.files,
      logs,
      webgpu: { navigatorGpu: !!gpu, adapter },
    };
  } finally {
    await enc.dispose();
  }
};
