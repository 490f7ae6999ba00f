/**
 * Data-parallel inference on Node: `workers` worker threads, each holding its own onnxruntime-node
 * session over the same model with a share of the intra-op threads, one batch per worker at a time
 * (what sentence-transformers' multi-process pool does with processes). onnxruntime-node runs
 * `session.run` synchronously on the calling JS thread, so one in-process session cannot overlap two
 * batches, nor a batch with the tokenizing and pooling around it; a pool can. Measured on 2 cores
 * (minilm-l6): 2 workers × 1 thread encode 0–5 % more texts/s than one session on 2 threads on the
 * idle machine (each GEMM runs at the one-thread rate, with no hand-offs between threads inside a
 * small batch, and the JS work runs beside the kernels), and keep their pace when another job takes
 * part of a core, where every kernel of a 2-thread run waits for the slower thread (docs/benchmarks.md, speed
 * suite). Threads are shared out evenly (floor(threads / workers), at least 1 each).
 *
 * Hand-written rather than a pool library (piscina, workerpool): the workers are stateful (each
 * holds a session), a run goes to the least busy one, and a worker that dies fails only its own
 * runs; that is ~150 lines here, and a library would want a worker file of its own, which tsx, the
 * test runner and the bundled GPU run each load differently.
 *
 * The worker is a short script evaluated from a string (`eval: true`), so it runs the same from
 * `dist/`, from TypeScript under tsx and inside test runners; it uses only dynamic `import()`, so it
 * runs whether the worker inherits CommonJS or `--input-type=module`, and it imports onnxruntime-node
 * by the file this module resolves, so both sides use one installed copy.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { toFloat32, type BackendSession, type InputTensor, type ModelSource, type OutputTensor, type ValueInfo } from './types.js';

/** The ORT session options a worker passes to `InferenceSession.create` (plain data: it is cloned into the worker). */
export type PoolSessionOptions = Record<string, unknown>;

const WORKER_SOURCE = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const loaded = await import(workerData.ort);
  const ort = loaded.InferenceSession ? loaded : loaded.default;
  const info = (list) => Array.isArray(list) ? list.map((m) => ({ name: m.name, type: m.type, shape: m.shape ? [...m.shape] : undefined })) : undefined;
  let session;
  try {
    session = await ort.InferenceSession.create(workerData.model, workerData.options);
  } catch (err) {
    parentPort.postMessage({ kind: 'failed', message: err && err.message ? err.message : String(err) });
    return;
  }
  parentPort.postMessage({ kind: 'ready', inputNames: session.inputNames, outputNames: session.outputNames,
    inputInfo: info(session.inputMetadata), outputInfo: info(session.outputMetadata) });
  // runs in flight: the session is released only after they settle (releasing it under a running
  // session.run frees what the run still uses, and the process dies)
  const inflight = new Set();
  let releasing = false;
  parentPort.on('message', async (msg) => {
    if (msg.kind === 'release') {
      releasing = true;
      await Promise.allSettled([...inflight]);
      await session.release().catch(() => undefined);
      parentPort.close();
      return;
    }
    if (releasing) {
      parentPort.postMessage({ kind: 'result', id: msg.id, error: 'the encoder has been disposed' });
      return;
    }
    try {
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor('int64', t.data, t.dims);
      const running = session.run(feeds, msg.outputs);
      inflight.add(running);
      const res = await running.finally(() => inflight.delete(running));
      const outputs = {};
      const transfer = [];
      for (const name of msg.outputs) {
        const t = res[name];
        if (!t) throw new Error("ONNX Runtime returned no output '" + name + "'");
        const data = t.data.slice();
        outputs[name] = { type: t.type, data, dims: [...t.dims] };
        transfer.push(data.buffer);
      }
      parentPort.postMessage({ kind: 'result', id: msg.id, outputs }, transfer);
    } catch (err) {
      parentPort.postMessage({ kind: 'result', id: msg.id, error: err && err.message ? err.message : String(err) });
    }
  });
})();
`;

interface Pending {
  resolve(out: Record<string, OutputTensor>): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  index: number;
  pending: Map<number, Pending>;
  /** Why the worker is gone (crashed or released); null while it runs. */
  gone: string | null;
}

type Ready = { kind: 'ready'; inputNames: string[]; outputNames: string[]; inputInfo?: ValueInfo[]; outputInfo?: ValueInfo[] };
type FromWorker =
  | Ready
  | { kind: 'failed'; message: string }
  | { kind: 'result'; id: number; outputs?: Record<string, { type: string; data: unknown; dims: number[] }>; error?: string };

/** A BackendSession whose runs go to the least busy of several worker threads. */
export class WorkerPoolSession implements BackendSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputInfo?: readonly ValueInfo[];
  readonly outputInfo?: readonly ValueInfo[];
  /** Runs that proceed at once: one per worker. */
  readonly concurrency: number;
  private nextId = 0;
  private released = false;

  private constructor(
    private readonly slots: Slot[],
    ready: Ready,
  ) {
    this.inputNames = ready.inputNames;
    this.outputNames = ready.outputNames;
    this.inputInfo = ready.inputInfo;
    this.outputInfo = ready.outputInfo;
    this.concurrency = slots.length;
  }

  /**
   * Starts `workers` threads, each creating a session over `model` with `options`; resolves once all
   * are ready, rejects with the first worker's error (and stops the others) otherwise.
   */
  static async create(model: ModelSource, options: PoolSessionOptions, workers: number): Promise<WorkerPoolSession> {
    const ortPath = pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
    const slots: Slot[] = [];
    const readies: Promise<Ready>[] = [];
    for (let index = 0; index < workers; index++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ort: ortPath, model, options } });
      const slot: Slot = { worker, index, pending: new Map(), gone: null };
      slots.push(slot);
      readies.push(
        new Promise<Ready>((resolve, reject) => {
          const onStartExit = (code: number) =>
            reject(new Error(`inference worker ${index} stopped while loading the model (exit code ${code})`));
          worker.once('exit', onStartExit);
          worker.once('error', reject);
          worker.once('message', (msg: FromWorker) => {
            worker.off('exit', onStartExit);
            worker.off('error', reject);
            if (msg.kind === 'ready') resolve(msg);
            else reject(new Error(msg.kind === 'failed' ? msg.message : `inference worker ${index}: unexpected first message`));
          });
        }),
      );
    }
    let ready: Ready;
    try {
      [ready] = (await Promise.all(readies)) as [Ready];
    } catch (err) {
      await Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined)));
      throw err;
    }
    const pool = new WorkerPoolSession(slots, ready);
    for (const slot of slots) pool.watch(slot);
    return pool;
  }

  /** Routes a worker's results to their runs; a worker that dies fails its runs with the reason. */
  private watch(slot: Slot): void {
    const { worker } = slot;
    worker.on('message', (msg: FromWorker) => {
      if (msg.kind !== 'result') return;
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      if (slot.pending.size === 0) worker.unref();
      if (msg.error !== undefined || !msg.outputs) {
        p.reject(new Error(msg.error ?? 'inference worker returned no outputs'));
        return;
      }
      try {
        const out: Record<string, OutputTensor> = {};
        for (const [name, t] of Object.entries(msg.outputs)) out[name] = { data: toFloat32(t.type, t.data, name), dims: t.dims };
        p.resolve(out);
      } catch (err) {
        p.reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    const fail = (why: string) => {
      if (slot.gone) return;
      slot.gone = why;
      for (const p of slot.pending.values()) p.reject(new Error(why));
      slot.pending.clear();
    };
    worker.on('error', (err) => fail(`inference worker ${slot.index} failed: ${err.message}`));
    worker.on('exit', (code) =>
      fail(
        this.released
          ? 'the encoder has been disposed'
          : `inference worker ${slot.index} stopped (exit code ${code}); load the encoder again`,
      ),
    );
    // idle workers do not hold the process open (a busy one is ref'd by run()); after the listeners,
    // since adding a 'message' listener refs the worker's port again
    worker.unref();
  }

  run(feeds: Record<string, InputTensor>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>> {
    if (this.released) return Promise.reject(new Error('the encoder has been disposed'));
    let slot: Slot | undefined;
    for (const s of this.slots) if (!s.gone && (!slot || s.pending.size < slot.pending.size)) slot = s;
    if (!slot)
      return Promise.reject(
        new Error(`all ${this.slots.length} inference workers have stopped (${this.slots[0]?.gone ?? ''}); load the encoder again`),
      );
    const id = this.nextId++;
    const target = slot;
    return new Promise((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      if (target.pending.size === 1) target.worker.ref();
      // the feeds are built per batch and not read again, so their buffers move instead of being copied
      const transfer = new Set<ArrayBuffer>();
      for (const t of Object.values(feeds)) if (t.data.buffer instanceof ArrayBuffer) transfer.add(t.data.buffer);
      target.worker.postMessage({ kind: 'run', id, feeds, outputs: [...outputNames] }, [...transfer]);
    });
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.gone) return;
        const exited = new Promise<void>((r) => s.worker.once('exit', () => r()));
        s.worker.ref();
        s.worker.postMessage({ kind: 'release' });
        // a worker that does not close within 5 s is stopped
        const timer = setTimeout(() => void s.worker.terminate(), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
