import * as tf from '../utils/tf.js';
import type { ParamEntry } from '../nn/params.js';
import type {
  BackwardResult,
  GradInfo,
  Grads,
  LossFn,
  StepInfo,
  TrainableParams,
  Weighting,
  WeightingConfig,
  WeightingType,
} from './types.js';

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

/** Gradients of `f` with respect to `params.variables`, keyed by parameter name, and f's value. */
export function gradients(f: () => tf.Scalar, params: TrainableParams): { value: tf.Scalar; grads: Grads } {
  const res = tf.variableGrads(f, params.variables as tf.Variable[]);
  const byVar = new Map(params.variables.map((v) => [v.name, v]));
  const grads: Grads = new Map();
  for (const [name, g] of Object.entries(res.grads)) {
    const v = byVar.get(name);
    grads.set(v ? params.nameOf(v) : name, g);
  }
  return { value: res.value, grads };
}

/**
 * Loss-level weighting with no learned parameters and no state by default: the step's gradient is
 * ∇(Σ λᵢ·Lᵢ) with λ from {@link lambdas}; subclasses change {@link combine} or how λ moves.
 */
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
  /** Weighted total of the active tasks' losses (called inside the gradient tape). */
  combine(losses: Map<string, tf.Scalar>, _info: StepInfo): tf.Scalar {
    return weightedSum(losses, this.current);
  }
  /**
   * True when the total loss is known beforehand to have no gradient (static λ = 0 for every active
   * task): the losses are then computed for the record and nothing is differentiated.
   */
  protected nothingToDifferentiate(_active: readonly string[]): boolean {
    return false;
  }
  backward(losses: ReadonlyMap<string, LossFn>, params: TrainableParams, info: StepInfo): BackwardResult {
    const kept: tf.Scalar[] = [];
    const total = (): tf.Scalar => {
      const values = new Map<string, tf.Scalar>();
      for (const [task, loss] of losses) {
        const l = loss();
        values.set(task, l);
        kept.push(tf.keep(l));
      }
      return this.combine(values, info);
    };
    let grads: Grads = new Map();
    let value: tf.Scalar | null = null;
    if (this.nothingToDifferentiate([...losses.keys()])) tf.tidy(() => void total());
    else ({ value, grads } = gradients(total, params));
    // read the losses before the total goes: with one task at λ = 1 the total is that loss itself
    const stacked = tf.stack(kept);
    const values = stacked.dataSync();
    tf.dispose([stacked, ...kept]);
    value?.dispose();
    return { grads, losses: Object.fromEntries([...losses.keys()].map((t, i) => [t, values[i] as number])) };
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

/**
 * Gradient-level weighting: one gradient per active task (each task's loss differentiated on its
 * own), merged by {@link combineGrads}.
 */
export abstract class GradWeighting extends BaseWeighting {
  override readonly mode = 'grad' as const;
  /** Merge per-task gradients into one; returns new tensors (the inputs are disposed by the caller). */
  protected abstract combineGrads(perTask: Map<string, Grads>, losses: Record<string, number>, info: GradInfo): Grads;
  override backward(losses: ReadonlyMap<string, LossFn>, params: TrainableParams, info: StepInfo): BackwardResult {
    const perTask = new Map<string, Grads>();
    const values: Record<string, number> = {};
    try {
      for (const [task, loss] of losses) {
        const res = gradients(loss, params);
        values[task] = res.value.dataSync()[0] as number;
        res.value.dispose();
        perTask.set(task, res.grads);
      }
      return {
        grads: this.combineGrads(perTask, values, { ...info, shared: params.shared, lastShared: params.lastShared }),
        losses: values,
      };
    } finally {
      for (const g of perTask.values()) tf.dispose([...g.values()]);
    }
  }
}
