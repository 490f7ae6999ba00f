/**
 * The trainable top of an encoder: layers fromLayer+1 … L rebuilt from the model's ONNX initializers
 * (./extract.ts) as a forward graph and a backward graph (./layer.ts on ./autodiff.ts), both run on
 * ONNX Runtime's CPU kernels; the optimizer (./adamw.ts) updates the weights in TypeScript.
 *
 *   const top = await TrainableTop.fromOnnx('model.onnx', { fromLayer: 4 });
 *   const { output, tape } = await top.forward(hidden4, [B, T, H], attentionMask, { train: true });
 *   // … heads compute the loss and d loss / d output …
 *   const { gradInput } = await top.backward(tape, gradOutput);
 *   top.step(optimizer);                     // applies (and clears) the accumulated gradients
 *   const bytes = top.exportOnnx();          // the original graph with the new top-layer weights (int8 re-quantized)
 *
 * `hidden` is what the frozen bottom gives at layer fromLayer (`Encoder.load(model, { layer })`).
 * Dropout masks are drawn in TypeScript from a seeded generator keyed by (seed, draw counter), so a
 * run is deterministic and resumes from `draws`; eval (`train: false`) uses no dropout.
 */
import { readFile } from 'node:fs/promises';
import type * as OrtTypes from 'onnxruntime-node';
import { decodeModel, type ModelProto } from '../onnx/proto.js';
import { Rng } from '../utils/random.js';
import { Autodiff, GRAD_INPUT, GRAD_OUTPUT, gradName } from './autodiff.js';
import { Float32AdamW } from './adamw.js';
import { extractLayers, type ExtractedLayer } from './extract.js';
import type { ParamSource } from './read-linear.js';
import { writeTop } from './export.js';
import { dropoutMasks, emitLayer, type LayerShape } from './layer.js';
import { UserError } from '../errors.js';

type Ort = typeof OrtTypes;
type Session = OrtTypes.InferenceSession;

/** Float32 min: the additive mask value for padded keys, as transformers uses it. */
const MASK_MIN = -3.4028234663852886e38;

export interface TrainableTopOptions {
  /** Layers 1 … fromLayer stay frozen; fromLayer+1 … L become trainable (0 = all). */
  fromLayer: number;
  /** Dropout probability in training (hidden and attention); default 0.1. */
  dropout?: number;
  /** Seed of the dropout masks. */
  seed?: number;
  /** Attention heads, when the graph's reshapes do not tell. */
  heads?: number;
  /** ONNX Runtime intra-op threads (default: ORT's choice). */
  threads?: number;
  /** Let idle ONNX Runtime threads spin between runs (default false: they sleep, see program()). */
  spin?: boolean;
  /** The ONNX Runtime module (default onnxruntime-node). */
  ort?: Ort;
}

export interface Tape {
  readonly train: boolean;
  readonly dims: readonly [number, number, number];
  /** Forward inputs and saved activations that the backward graph reads. */
  readonly feeds: Record<string, OrtTypes.Tensor>;
}

interface Program {
  forward: Session;
  backward: Session;
  reads: string[];
  dropout: boolean;
}

export class TrainableTop {
  /** Dropout draws so far (the mask stream's position; restore it to resume). */
  draws = 0;
  private readonly programs = new Map<boolean, Promise<Program>>();
  private readonly grads = new Map<string, Float32Array>();

  private constructor(
    private readonly ort: Ort,
    private readonly source: ModelProto,
    private readonly file: string,
    readonly layers: readonly LayerShape[],
    private readonly params: Map<string, { dims: number[]; data: Float32Array; source: ParamSource }>,
    readonly options: Required<Pick<TrainableTopOptions, 'fromLayer' | 'dropout' | 'seed'>> & { threads?: number; spin?: boolean },
  ) {}

  /** Reads the model (a path or its bytes) and rebuilds its layers fromLayer+1 … L as trainable. */
  static async fromOnnx(model: string | Uint8Array, options: TrainableTopOptions): Promise<TrainableTop> {
    const file = typeof model === 'string' ? model : '(model bytes)';
    const bytes = typeof model === 'string' ? await readFile(model) : model;
    const proto = decodeModel(bytes);
    const { layers } = extractLayers(proto, file, options.fromLayer, options.heads === undefined ? {} : { heads: options.heads });
    const params = new Map<string, ExtractedLayer['params'] extends Map<string, infer V> ? V : never>();
    for (const l of layers) for (const [k, v] of l.params) params.set(k, { ...v, data: v.data.slice() });
    const dropout = options.dropout ?? 0.1;
    if (!(dropout >= 0 && dropout < 1)) throw new UserError(`TrainableTop: dropout ${dropout} is out of range [0, 1)`);
    const ort = options.ort ?? ((await import('onnxruntime-node')) as unknown as Ort);
    return new TrainableTop(
      ort,
      proto,
      file,
      layers.map((l) => l.shape),
      params,
      {
        fromLayer: options.fromLayer,
        dropout,
        seed: options.seed ?? 0,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        ...(options.spin === undefined ? {} : { spin: options.spin }),
      },
    );
  }

  get hidden(): number {
    return (this.layers[0] as LayerShape).hidden;
  }

  /** Parameter names and shapes, in graph-input order. */
  get paramShapes(): { name: string; dims: number[] }[] {
    return [...this.params].map(([name, p]) => ({ name, dims: p.dims }));
  }

  private program(dropout: boolean): Promise<Program> {
    let p = this.programs.get(dropout);
    if (!p) {
      p = (async () => {
        const ad = new Autodiff();
        const x = ad.input('hidden', ['batch', 'sequence', this.hidden]);
        const mask = ad.constant('mask', ['batch', 1, 1, 'sequence']);
        let h = x;
        for (const s of this.layers) h = emitLayer(ad, h, mask, s, dropout);
        const built = ad.finish(h);
        const opts: OrtTypes.InferenceSession.SessionOptions = {
          graphOptimizationLevel: 'all',
          ...(this.options.threads ? { intraOpNumThreads: this.options.threads, interOpNumThreads: 1 } : {}),
          // idle threads sleep instead of spinning: the forward and backward sessions, the frozen
          // bottom and the heads take turns on the same cores, and a spinning pool slows the next
          // one (on 2 cores the top's forward + backward went from 6.8k to 8.6k tokens/s, a whole
          // translation-quality step ~5 % faster); `spin: true` turns spinning back on
          ...(this.options.spin ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
        };
        const [forward, backward] = await Promise.all([
          this.ort.InferenceSession.create(built.forward, opts),
          this.ort.InferenceSession.create(built.backward, opts),
        ]);
        return { forward, backward, reads: built.reads, dropout };
      })();
      this.programs.set(dropout, p);
    }
    return p;
  }

  private weightFeeds(): Record<string, OrtTypes.Tensor> {
    const feeds: Record<string, OrtTypes.Tensor> = {};
    for (const [name, p] of this.params) feeds[name] = new this.ort.Tensor('float32', p.data, p.dims);
    return feeds;
  }

  /**
   * Runs the trainable layers on `hidden` [B, T, H] (row-major) with the 0/1 attention mask [B, T].
   * Returns the output [B, T, H] and the tape that {@link backward} needs.
   */
  async forward(
    hidden: Float32Array,
    dims: readonly [number, number, number],
    attentionMask: ArrayLike<number | bigint>,
    options: { train?: boolean } = {},
  ): Promise<{ output: Float32Array; tape: Tape }> {
    const [B, T, H] = dims;
    if (H !== this.hidden) throw new Error(`TrainableTop.forward: hidden size ${H}, the layers need ${this.hidden}`);
    if (hidden.length !== B * T * H) throw new Error(`TrainableTop.forward: ${hidden.length} values for dims [${dims.join(', ')}]`);
    if (attentionMask.length !== B * T)
      throw new Error(`TrainableTop.forward: attention mask has ${attentionMask.length} values, expected ${B}×${T}`);
    const train = options.train ?? false;
    const prog = await this.program(train && this.options.dropout > 0);
    const mask = new Float32Array(B * T);
    for (let i = 0; i < B * T; i++) mask[i] = Number(attentionMask[i]) ? 0 : MASK_MIN;
    const inputs: Record<string, OrtTypes.Tensor> = {
      hidden: new this.ort.Tensor('float32', hidden, [B, T, H]),
      mask: new this.ort.Tensor('float32', mask, [B, 1, 1, T]),
    };
    if (prog.dropout) Object.assign(inputs, this.dropoutFeeds(B, T));
    const results = await prog.forward.run({ ...inputs, ...this.weightFeeds() });
    const names = prog.forward.outputNames;
    const feeds: Record<string, OrtTypes.Tensor> = {};
    for (const n of names.slice(1)) feeds[n] = results[n] as OrtTypes.Tensor;
    for (const n of prog.reads) if (inputs[n]) feeds[n] = inputs[n];
    const output = (results[names[0] as string] as OrtTypes.Tensor).data as Float32Array;
    return { output, tape: { train, dims: [B, T, H], feeds } };
  }

  private dropoutFeeds(B: number, T: number): Record<string, OrtTypes.Tensor> {
    const p = this.options.dropout;
    const keep = 1 / (1 - p);
    const drop = Math.round(p * 65536);
    const rng = new Rng(`${this.options.seed}:${this.draws}`);
    this.draws += 1;
    const out: Record<string, OrtTypes.Tensor> = {};
    for (const s of this.layers) {
      for (const m of dropoutMasks(s.index, s)) {
        const dims = m.dims.map((d) => (d === 'batch' ? B : d === 'sequence' ? T : (d as number)));
        const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
        // two 16-bit draws per 32-bit number: p is applied as round(p · 65536) / 65536
        for (let i = 0; i < data.length; i += 2) {
          const u = rng.nextUint32();
          data[i] = (u & 0xffff) < drop ? 0 : keep;
          if (i + 1 < data.length) data[i + 1] = u >>> 16 < drop ? 0 : keep;
        }
        out[m.name] = new this.ort.Tensor('float32', data, dims);
      }
    }
    return out;
  }

  /**
   * Back-propagates d loss / d output [B, T, H] through the tape. Returns d loss / d hidden and the
   * weights' gradients of this call; the latter are also added to the pending gradients that
   * {@link step} applies (so several backward calls accumulate).
   */
  async backward(tape: Tape, gradOutput: Float32Array): Promise<{ gradInput: Float32Array; gradWeights: Map<string, Float32Array> }> {
    const [B, T, H] = tape.dims;
    if (gradOutput.length !== B * T * H)
      throw new Error(`TrainableTop.backward: gradOutput has ${gradOutput.length} values, the output ${B}×${T}×${H}`);
    const prog = await this.program(tape.train && this.options.dropout > 0);
    const feeds: Record<string, OrtTypes.Tensor> = { ...tape.feeds, [GRAD_OUTPUT]: new this.ort.Tensor('float32', gradOutput, [B, T, H]) };
    const weights = this.weightFeeds();
    for (const n of prog.reads) if (weights[n]) feeds[n] = weights[n];
    const res = await prog.backward.run(feeds);
    const gradWeights = new Map<string, Float32Array>();
    for (const name of this.params.keys()) {
      const g = (res[gradName(name)] as OrtTypes.Tensor).data as Float32Array;
      gradWeights.set(name, g);
      const acc = this.grads.get(name);
      if (acc) for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (g[i] as number);
      else this.grads.set(name, g.slice());
    }
    return { gradInput: (res[GRAD_INPUT] as OrtTypes.Tensor).data as Float32Array, gradWeights };
  }

  /**
   * Applies the pending gradients with `optimizer` and clears them; a function picks each weight's
   * optimizer by name (e.g. one per layer, for layer-wise learning rates).
   */
  step(optimizer: Float32AdamW | ((weight: string) => Float32AdamW)): void {
    if (this.grads.size === 0) throw new Error('TrainableTop.step: no gradients; call backward first');
    const pick = typeof optimizer === 'function' ? optimizer : () => optimizer;
    const groups = new Map<Float32AdamW, Map<string, Float32Array>>();
    for (const [k, p] of this.params) {
      const o = pick(k);
      const g = groups.get(o) ?? new Map<string, Float32Array>();
      g.set(k, p.data);
      groups.set(o, g);
    }
    for (const [o, params] of groups) o.step(params, this.grads);
    this.grads.clear();
  }

  /** Drops the pending gradients (those {@link backward} accumulated since the last step). */
  clearGradients(): void {
    this.grads.clear();
  }

  /** Copies of the weights, by name (`layer.<i>.<q|k|v|o|fc1|fc2|ln1|ln2>.<weight|bias>`; linears [in, out]). */
  weights(): Map<string, Float32Array> {
    return new Map([...this.params].map(([k, p]) => [k, p.data.slice()]));
  }

  /** Replaces the weights (a checkpoint from {@link weights}); every name and size must match. */
  load(weights: ReadonlyMap<string, Float32Array>): void {
    for (const k of weights.keys())
      if (!this.params.has(k))
        throw new UserError(`TrainableTop.load: unknown weight ${k}; this top has ${[...this.params.keys()].slice(0, 3).join(', ')}, …`);
    for (const [k, p] of this.params) {
      const w = weights.get(k);
      if (!w) throw new UserError(`TrainableTop.load: the checkpoint lacks ${k}`);
      if (w.length !== p.data.length)
        throw new UserError(`TrainableTop.load: ${k} has ${w.length} values, expected [${p.dims.join(', ')}] = ${p.data.length}`);
    }
    for (const [k, p] of this.params) p.data.set(weights.get(k) as Float32Array);
  }

  /** Whether the source stores some of the top's weights as int8 (a q8 export). */
  get quantized(): boolean {
    return [...this.params.values()].some((p) => p.source.quantized);
  }

  /**
   * The source model's bytes with the trainable layers' weights replaced by the current ones
   * (./export.ts): `'source'` keeps the source's form (int8 weights re-quantized), `'fp32'` writes
   * the whole graph in fp32 (a q8 source dequantized; an fp32 source as 'source').
   */
  exportOnnx(as: 'source' | 'fp32' = 'source'): Uint8Array {
    return writeTop(this.source, this.params, this.file, as);
  }

  async dispose(): Promise<void> {
    for (const p of this.programs.values()) {
      const prog = await p;
      await prog.forward.release();
      await prog.backward.release();
    }
    this.programs.clear();
  }
}
