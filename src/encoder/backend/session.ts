/**
 * One BackendSession over any ONNX Runtime JS build: onnxruntime-node and onnxruntime-web have the
 * same InferenceSession/Tensor shape, so each platform file only passes its own Tensor constructor.
 * No ORT import here (the browser build must not pull in onnxruntime-node, nor Node the web build).
 */
import { toFloat32, type BackendSession, type InputTensor, type OutputTensor, type ValueInfo } from './types.js';

/** The parts of an ORT tensor this adapter reads. */
export interface OrtTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
  /** onnxruntime-web: 'gpu-buffer' when the output stayed on the GPU. */
  readonly location?: string;
  getData?(releaseData?: boolean): Promise<unknown>;
}

/** The parts of an ORT InferenceSession this adapter uses. */
export interface OrtSessionLike<T> {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, T>, fetches: string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

function metadata(list: unknown): ValueInfo[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((m: { name: string; type?: string; shape?: ReadonlyArray<number | string> }) => ({
    name: m.name,
    type: m.type,
    shape: m.shape,
  }));
}

export class OrtSession<T> implements BackendSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputInfo?: readonly ValueInfo[];
  readonly outputInfo?: readonly ValueInfo[];

  constructor(
    private readonly session: OrtSessionLike<T>,
    private readonly int64Tensor: (data: BigInt64Array, dims: number[]) => T,
  ) {
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
    const s = session as unknown as { inputMetadata?: unknown; outputMetadata?: unknown };
    this.inputInfo = metadata(s.inputMetadata);
    this.outputInfo = metadata(s.outputMetadata);
  }

  async run(feeds: Record<string, InputTensor>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>> {
    const ortFeeds: Record<string, T> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = this.int64Tensor(t.data, t.dims);
    const results = await this.session.run(ortFeeds, outputNames as string[]);
    const out: Record<string, OutputTensor> = {};
    for (const name of outputNames) {
      const t = results[name];
      if (!t) throw new Error(`ONNX Runtime returned no output '${name}'`);
      // WebGPU outputs may live on the GPU; getData() downloads them.
      const data = t.location === 'gpu-buffer' && t.getData ? await t.getData(true) : t.data;
      out[name] = { data: toFloat32(t.type, data, name), dims: [...t.dims] };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
