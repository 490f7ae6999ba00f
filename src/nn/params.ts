/** Named trainable parameters: the store, with seeded, order-independent initialisation. */
import * as tf from '../utils/tf.js';
import { Rng } from '../utils/random.js';
import { UserError } from '../errors.js';

export type ParamGroup = 'shared' | 'task' | 'weighting';

export interface ParamEntry {
  name: string;
  shape: number[];
  variable: tf.Variable;
  /** Decoupled weight decay applies (weight matrices only). */
  decay: boolean;
  group: ParamGroup;
  /** Owning task for task-specific parameters. */
  task?: string;
}

export type Init = 'glorot' | 'zeros' | 'ones' | { constant: number } | { normal: number } | Float32Array;

export interface AddParamOptions {
  decay?: boolean;
  group: ParamGroup;
  task?: string;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Ordered, named trainable parameters. Initialisation is seeded by (seed, name), so order-independent. */
export class ParamStore {
  private readonly entries = new Map<string, ParamEntry>();
  private readonly byVarName = new Map<string, string>();

  constructor(readonly seed: number | string = 0) {}

  add(name: string, shape: number[], init: Init, options: AddParamOptions): tf.Variable {
    if (this.entries.has(name)) throw new Error(`parameter "${name}" already exists`);
    const n = size(shape);
    let data: Float32Array;
    if (init instanceof Float32Array) {
      if (init.length !== n) throw new Error(`init for "${name}" has ${init.length} values, shape [${shape}] needs ${n}`);
      data = init;
    } else if (init === 'zeros') data = new Float32Array(n);
    else if (init === 'ones') data = new Float32Array(n).fill(1);
    else if (typeof init === 'object' && 'constant' in init) data = new Float32Array(n).fill(init.constant);
    else {
      const rng = new Rng(`${String(this.seed)}:${name}`);
      data = new Float32Array(n);
      if (init === 'glorot') {
        const fanIn = shape.length >= 2 ? (shape[shape.length - 2] as number) : n;
        const fanOut = shape[shape.length - 1] as number;
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        for (let i = 0; i < n; i++) data[i] = (rng.next() * 2 - 1) * limit;
      } else {
        for (let i = 0; i < n; i++) data[i] = rng.normal(0, init.normal);
      }
    }
    const initial = tf.tensor(data, shape, 'float32');
    const variable = tf.variable(initial, true);
    initial.dispose();
    const entry: ParamEntry = { name, shape: [...shape], variable, decay: options.decay ?? false, group: options.group };
    if (options.task !== undefined) entry.task = options.task;
    this.entries.set(name, entry);
    this.byVarName.set(variable.name, name);
    return variable;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string): tf.Variable {
    const e = this.entries.get(name);
    if (!e) throw new Error(`unknown parameter "${name}"`);
    return e.variable;
  }

  entry(name: string): ParamEntry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`unknown parameter "${name}"`);
    return e;
  }

  /** Parameter name for a tf.Variable name (as keyed by tf.variableGrads). */
  nameOfVariable(varName: string): string | undefined {
    return this.byVarName.get(varName);
  }

  list(): ParamEntry[] {
    return [...this.entries.values()];
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  variables(): tf.Variable[] {
    return this.list().map((e) => e.variable);
  }

  count(): number {
    let n = 0;
    for (const e of this.entries.values()) n += size(e.shape);
    return n;
  }

  /** Copy of every parameter's values (synchronous read). */
  snapshot(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const e of this.entries.values()) out.set(e.name, { shape: e.shape, data: e.variable.dataSync().slice() as Float32Array });
    return out;
  }

  /** Assign values; every parameter must be present with the same shape unless `partial`. */
  restore(
    values: Map<string, { shape: readonly number[]; data: Float32Array }>,
    options: { partial?: boolean; source?: string } = {},
  ): void {
    const src = options.source ? ` in ${options.source}` : '';
    for (const e of this.entries.values()) {
      const v = values.get(e.name);
      if (!v) {
        if (options.partial) continue;
        throw new UserError(`parameter "${e.name}" missing${src} (the weights belong to another model configuration)`);
      }
      if (v.shape.length !== e.shape.length || v.shape.some((d, i) => d !== e.shape[i])) {
        throw new UserError(
          `parameter "${e.name}" has shape [${v.shape.join(', ')}]${src}, model expects [${e.shape.join(', ')}] (the weights belong to another model configuration)`,
        );
      }
      const t = tf.tensor(v.data, e.shape, 'float32');
      e.variable.assign(t);
      t.dispose();
    }
    if (!options.partial) {
      for (const name of values.keys())
        if (!this.entries.has(name))
          throw new UserError(`unexpected parameter "${name}"${src} (the weights belong to another model configuration)`);
    }
  }

  remove(prefix: string): void {
    for (const [name, e] of [...this.entries]) {
      if (name.startsWith(prefix)) {
        this.byVarName.delete(e.variable.name);
        e.variable.dispose();
        this.entries.delete(name);
      }
    }
  }

  dispose(): void {
    for (const e of this.entries.values()) e.variable.dispose();
    this.entries.clear();
    this.byVarName.clear();
  }
}
