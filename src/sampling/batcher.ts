import { Rng } from '../utils/random.js';
import { SamplingConfigError } from './types.js';

export interface TaskBatcherState {
  size: number;
  batchSize: number;
  /** Current permutation of 0..size-1. */
  order: number[];
  /** Position of the next index in `order`. */
  pos: number;
  /** Completed passes over the task. */
  pass: number;
  rng: number[];
}

/**
 * Batches of example indices for one task. Each pass is a fresh random permutation of
 * 0..size-1, cut into batches of `batchSize`; the last batch of a pass holds the remainder
 * (it may be smaller), so every index appears exactly once per pass. When a pass is exhausted,
 * the next call reshuffles and starts a new pass: this is how tasks of unequal size are restarted.
 *
 * The batcher seeds a private Rng from one draw of the given one, so its state is self-contained.
 */
export class TaskBatcher {
  readonly size: number;
  readonly batchSize: number;
  private order: number[];
  private pos = 0;
  private passCount = 0;
  private readonly rng: Rng;

  constructor(size: number, batchSize: number, rng: Rng) {
    if (!Number.isInteger(size) || size <= 0) throw new SamplingConfigError(`TaskBatcher: size must be a positive integer, got ${size}`);
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new SamplingConfigError(`TaskBatcher: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.size = size;
    this.batchSize = batchSize;
    this.rng = new Rng(rng.nextUint32());
    this.order = this.rng.shuffle(Array.from({ length: size }, (_, i) => i));
  }

  /** Indices of the next batch (at most batchSize, never empty). */
  next(): number[] {
    if (this.pos >= this.size) {
      this.rng.shuffle(this.order);
      this.pos = 0;
      this.passCount++;
    }
    const end = Math.min(this.pos + this.batchSize, this.size);
    const batch = this.order.slice(this.pos, end);
    this.pos = end;
    return batch;
  }

  /** Completed passes (restarts) so far. */
  get passes(): number {
    return this.passCount;
  }

  /** Batches in one pass: ceil(size / batchSize). */
  batchesPerPass(): number {
    return Math.ceil(this.size / this.batchSize);
  }

  getState(): TaskBatcherState {
    return {
      size: this.size,
      batchSize: this.batchSize,
      order: [...this.order],
      pos: this.pos,
      pass: this.passCount,
      rng: this.rng.getState(),
    };
  }

  setState(s: unknown): void {
    const st = s as Partial<TaskBatcherState> | null;
    if (!st || typeof st !== 'object') throw new SamplingConfigError('TaskBatcher.setState: state must be an object');
    if (st.size !== this.size || st.batchSize !== this.batchSize) {
      throw new SamplingConfigError(
        `TaskBatcher.setState: state is for size ${st.size} / batchSize ${st.batchSize}, this batcher has ${this.size} / ${this.batchSize}`,
      );
    }
    if (!Array.isArray(st.order) || st.order.length !== this.size) throw new SamplingConfigError('TaskBatcher.setState: bad order');
    if (typeof st.pos !== 'number' || st.pos < 0 || st.pos > this.size) throw new SamplingConfigError('TaskBatcher.setState: bad pos');
    if (!Array.isArray(st.rng)) throw new SamplingConfigError('TaskBatcher.setState: bad rng state');
    this.rng.setState(st.rng);
    this.order = [...st.order];
    this.pos = st.pos;
    this.passCount = typeof st.pass === 'number' ? st.pass : 0;
  }
}
