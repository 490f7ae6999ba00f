/**
 * Minimal neural-network building blocks over plain tf.Variables (no tf.layers), on the named
 * parameter store of params.ts: Dense, tanh-GELU, LayerNorm from moments, seeded dropout, and the
 * shared block (Dense → GELU → dropout → (+residual) → LayerNorm). Only ops that the wasm backend
 * implements are used.
 */
import * as tf from '../utils/tf.js';
import type { AddParamOptions, ParamStore } from './params.js';

/** Per-forward-pass context: training flag and a deterministic source of dropout seeds. */
export interface ForwardContext {
  training: boolean;
  /** Next dropout seed (deterministic within a step). */
  nextSeed(): number;
}

export function inferenceContext(): ForwardContext {
  return { training: false, nextSeed: () => 0 };
}

export function seededContext(seed: number): ForwardContext {
  let s = seed >>> 0;
  return {
    training: true,
    nextSeed: () => {
      s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
      return s;
    },
  };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (no erf needed). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

export function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || rate <= 0) return x;
  return tf.dropout(x, rate, undefined, ctx.nextSeed());
}

/** A variable holding a copy of `data` (the temporary initial tensor is disposed). */
export function variableFrom(data: Float32Array, shape: number[], trainable: boolean): tf.Variable {
  const t = tf.tensor(data, shape, 'float32');
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/**
 * x·W + b with a hand-written gradient that transposes explicitly: the wasm backend's MatMul with
 * transposeA/transposeB (what tfjs' default gradient uses) is ~5–10× slower than a transpose followed
 * by a plain MatMul.
 */
const linearOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, W, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, W]);
  return {
    value: tf.add(tf.matMul(x, W), b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D;
      const [xs, Ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(g, tf.transpose(Ws)), tf.matMul(tf.transpose(xs), g), tf.sum(g, 0)];
    },
  };
});

export function linear(x: tf.Tensor2D, W: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return (linearOp as unknown as (x: tf.Tensor, W: tf.Tensor, b: tf.Tensor) => tf.Tensor2D)(x, W, b);
}

export class Dense {
  readonly W: tf.Variable;
  readonly b: tf.Variable;
  constructor(
    store: ParamStore,
    readonly name: string,
    readonly inDim: number,
    readonly outDim: number,
    options: AddParamOptions,
  ) {
    this.W = store.add(`${name}.weight`, [inDim, outDim], 'glorot', { ...options, decay: options.decay ?? true });
    this.b = store.add(`${name}.bias`, [outDim], 'zeros', { ...options, decay: false });
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return linear(x, this.W, this.b);
  }
  get weightName(): string {
    return `${this.name}.weight`;
  }
}

/**
 * Additive attention pooling over token states (Bahdanau-style scores, as in the attention pooling of
 * hierarchical attention networks): sᵢ = vᵀ tanh(xᵢ W), α = softmax over the real tokens,
 * pooled = Σ αᵢ xᵢ. `v` starts at zero, so before training every real token weighs the same and the
 * pooled vector is the masked mean of the states, the encoder's own mean pooling.
 */
export class AttentionPooling {
  readonly W: tf.Variable;
  readonly v: tf.Variable;
  constructor(
    store: ParamStore,
    readonly name: string,
    readonly dim: number,
    readonly attnDim: number,
    options: AddParamOptions,
  ) {
    this.W = store.add(`${name}.proj`, [dim, attnDim], 'glorot', { ...options, decay: options.decay ?? true });
    this.v = store.add(`${name}.score`, [attnDim, 1], 'zeros', { ...options, decay: false });
  }
  /** x [b, L, dim] token states, mask [b, L] (1 = real token, 0 = padding) → [b, dim]. */
  apply(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    const [b, L, d] = x.shape;
    const scores = tf.reshape(tf.matMul(tf.tanh(tf.matMul(tf.reshape(x, [b * L, d]), this.W)), this.v), [b, L]);
    // padding gets -1e9 before the softmax: weight 0 (a row with no real token gets uniform weights over zeros)
    const alpha = tf.softmax(tf.add(scores, tf.mul(tf.sub(1, mask), -1e9)));
    return tf.reshape(tf.matMul(tf.expandDims(alpha, 1), x), [b, d]) as tf.Tensor2D;
  }
}

export class LayerNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  constructor(
    store: ParamStore,
    readonly name: string,
    dim: number,
    options: AddParamOptions,
    readonly eps = 1e-5,
  ) {
    this.gamma = store.add(`${name}.gamma`, [dim], 'ones', { ...options, decay: false });
    this.beta = store.add(`${name}.beta`, [dim], 'zeros', { ...options, decay: false });
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps))), this.gamma), this.beta);
  }
}

export interface SharedLayersConfig {
  /** Number of blocks (0 = identity). */
  depth: number;
  /** Width of every block. */
  width: number;
  dropout: number;
}

export const defaultSharedLayers: SharedLayersConfig = { depth: 1, width: 256, dropout: 0.1 };

/** Dense → GELU → dropout → (+ input when shapes match) → LayerNorm. */
export class Block {
  readonly dense: Dense;
  readonly norm: LayerNorm;
  readonly residual: boolean;
  constructor(
    store: ParamStore,
    readonly name: string,
    inDim: number,
    outDim: number,
    readonly rate: number,
    options: AddParamOptions,
  ) {
    this.dense = new Dense(store, `${name}.dense`, inDim, outDim, options);
    this.norm = new LayerNorm(store, `${name}.norm`, outDim, options);
    this.residual = inDim === outDim;
  }
  apply(x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    let h = dropout(gelu(this.dense.apply(x)), this.rate, ctx) as tf.Tensor2D;
    if (this.residual) h = tf.add(h, x);
    return this.norm.apply(h);
  }
}

/** A stack of blocks with the shared-layer config. */
export class Stack {
  readonly blocks: Block[] = [];
  readonly outDim: number;
  constructor(store: ParamStore, name: string, inDim: number, config: SharedLayersConfig, options: AddParamOptions) {
    let d = inDim;
    for (let i = 0; i < config.depth; i++) {
      this.blocks.push(new Block(store, `${name}.${i}`, d, config.width, config.dropout, options));
      d = config.width;
    }
    this.outDim = d;
  }
  apply(x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    let h = x;
    for (const b of this.blocks) h = b.apply(h, ctx);
    return h;
  }
}
