/**
 * The small interface between the encoder and an ONNX Runtime build. One implementation per platform:
 * `node.ts` (onnxruntime-node) and `web.ts` (onnxruntime-web). Nothing else in src/encoder imports ORT.
 */
import type { Device } from '../types.js';
import { float16BitsToFloat32 } from '../../utils/float16.js';
import { UserError } from '../../errors.js';

export type Provider = Exclude<Device, 'auto'>;

/** An int64 input tensor: row-major data and its shape. */
export interface InputTensor {
  data: BigInt64Array;
  dims: number[];
}

/** A float output tensor (float16 outputs are widened to float32 by the backend). */
export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

export interface ValueInfo {
  name: string;
  /** ORT element type, e.g. 'int64', 'float32', 'float16'. */
  type?: string;
  /** Static shape where known; symbolic dims are strings or -1. */
  shape?: ReadonlyArray<number | string>;
}

export interface BackendSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputInfo?: readonly ValueInfo[];
  readonly outputInfo?: readonly ValueInfo[];
  /** How many runs can proceed at once (a pool of worker sessions); absent: one at a time. */
  readonly concurrency?: number;
  /** Runs the graph; resolves with the requested outputs only. The feeds' buffers may be handed over (do not reuse them). */
  run(feeds: Record<string, InputTensor>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>>;
  release(): Promise<void>;
}

export interface SessionConfig {
  /** intra-op threads (CPU / wasm); with `workers`, shared out among them. */
  threads: number;
  /** CPU provider on Node: that many worker threads, each with its own session (data-parallel batches). */
  workers?: number;
  /** True when the provider is one `device: 'auto'` tries before others (it may be skipped on a hunch). */
  auto?: boolean;
}

/** Where the model comes from: a file path (Node) or the bytes (browser). */
export type ModelSource = string | Uint8Array;

export interface Backend {
  readonly platform: 'node' | 'web';
  /** The providers tried for a requested device, in order. */
  providerOrder(device: Device): Provider[];
  /** Creates a session on exactly one provider; throws ORT's own error when that provider is unavailable. */
  createSession(model: ModelSource, provider: Provider, config: SessionConfig): Promise<BackendSession>;
  /** Default intra-op thread count. */
  defaultThreads(): number;
}

/** Widens an ORT output tensor's data to a Float32Array. */
export function toFloat32(type: string, data: unknown, name: string): Float32Array {
  if (data instanceof Float32Array) return data;
  if (type === 'float16') {
    if (data instanceof Uint16Array) return float16BitsToFloat32(data);
    // Float16Array where the runtime has it.
    return Float32Array.from(data as ArrayLike<number>);
  }
  if (data instanceof Float64Array) return Float32Array.from(data);
  throw new UserError(
    `output '${name}' has element type ${type}; expected float32 or float16; export the model with float outputs (e.g. optimum-cli export onnx)`,
  );
}
