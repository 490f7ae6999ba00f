import * as tf from '../utils/tf.js';
import type { ParamEntry } from '../nn/layers.js';
import type { Grads, StepInfo, Weighting, WeightingConfig, WeightingType } from './types.js';

/** Σ λᵢ Lᵢ over the given losses, dropping λ = 0 terms. */
export function weightedSum(losses: Map<string, tf.Scalar>, lambdas: Record<string, number>): tf.Scalar {
  const terms: tf.Scalar[] = [];
  for (const [task, loss] of losses) {
    const l = lambdas[task] ?? 0;
    if (l === 0) continue;
    terms.push(l === 1 ? loss : (tf.mul(loss, l) as tf.Scalar));
  }
  if (terms.length === 0) return tf.scalar(0);
  return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
}

/** Σ of gradients per parameter, optionally scaled per (task, parameter). Returns new tensors. */
export function sumGrads(perTask: Map<string, Grads>, scale: (task: string, param: string) => number = () => 1): Grads {
  const obj = tf.tidy(() => {
    const acc: Record<string, tf.Tensor> = {};
    for (const [task, grads] of perTask) {
      for (const [name, g] of grads) {
        const s = scale(task, name);
        if (s === 0) continue;
        const term = s === 1 ? g : tf.mul(g, s);
        const prev = acc[name];
        acc[name] = prev ? tf.add(prev, term) : s === 1 ? tf.clone(g) : term;
      }
    }
    return acc;
  });
  return new Map(Object.entries(obj));
}

/** Base class with no learned parameters and no state. */
export abstract class BaseWeighting implements Weighting {
  abstract readonly type: WeightingType;
  readonly mode: 'loss' | 'grad' = 'loss';
  protected current: Record<string, number>;
  constructor(protected readonly tasks: string[]) {
    this.current = Object.fromEntries(tasks.map((t) => [t, 1]));
  }
  params(): ParamEntry[] {
    return [];
  }
  combine(losses: Map<string, tf.Scalar>, _info: StepInfo): tf.Scalar {
    return weightedSum(losses, this.current);
  }
  afterStep(_losses: Record<string, number>, _info: StepInfo): void {}
  onEpochEnd(_epoch: number): void {}
  lambdas(): Record<string, number> {
    return { ...this.current };
  }
  diagnostics(): Record<string, unknown> {
    return {};
  }
  getState(): unknown {
    return null;
  }
  setState(_s: unknown): void {}
  abstract config(): WeightingConfig;
  dispose(): void {}
}
