/**
 * A tiny reverse-mode graph builder: each op emits its forward ONNX nodes into one graph and records
 * how to emit its backward nodes into a second graph. A model is written once (src/finetune/layer.ts)
 * and both graphs come out of it:
 *
 * - the forward graph reads the inputs and parameters and writes the output plus every activation the
 *   backward needs (the "tape": a tensor the backward reads becomes a forward output of the same name);
 * - the backward graph reads the tape, the parameters and `grad_output`, and writes `grad_input` and
 *   one `grad.<param>` per parameter.
 *
 * Both are plain ONNX (opset 17, default domain only), so onnxruntime-node and onnxruntime-web run them.
 * Gradients that reach one tensor along several paths are summed (Add). Shapes stay symbolic: batch
 * and sequence length are free; only the feature sizes given to the ops are fixed.
 */
import { DataType, GraphBuilder, encodeModel, type IValueInfoProto } from '../onnx/proto.js';

const F = DataType.FLOAT;
export const GRAD_OUTPUT = 'grad_output';
export const GRAD_INPUT = 'grad_input';
export const gradName = (param: string): string => `grad.${param}`;

function anyShape(name: string): IValueInfoProto {
  return { name, type: { tensorType: { elemType: F } } };
}

interface Step {
  outputs: string[];
  backward: (grads: (string | undefined)[]) => void;
}

export class Autodiff {
  readonly fwd = new GraphBuilder('trainable_forward');
  readonly bwd = new GraphBuilder('trainable_backward');
  /** Parameters, in declaration order. */
  readonly params: string[] = [];
  private readonly fwdInputs = new Set<string>();
  private readonly noGrad = new Set<string>();
  private readonly steps: Step[] = [];
  private readonly grads = new Map<string, string[]>();
  private readonly saved = new Set<string>();
  private readonly tape: string[] = [];
  private input0 = '';

  /** The differentiated input (`grad_input` is its gradient). */
  input(name: string, dims: readonly (number | string)[]): string {
    this.input0 = this.fwd.input(name, F, dims);
    this.fwdInputs.add(name);
    return name;
  }

  /** A trainable parameter, fed as a graph input (so a step needs no new session). */
  param(name: string, dims: readonly number[]): string {
    this.fwd.input(name, F, dims);
    this.fwdInputs.add(name);
    this.params.push(name);
    return name;
  }

  /** An input without gradient (attention mask, dropout masks). */
  constant(name: string, dims: readonly (number | string)[]): string {
    this.fwd.input(name, F, dims);
    this.fwdInputs.add(name);
    this.noGrad.add(name);
    return name;
  }

  /** A forward tensor read by the backward graph: a forward output (tape) unless it is a forward input. */
  save(name: string): string {
    if (!this.saved.has(name)) {
      this.saved.add(name);
      this.bwd.inputs.push(anyShape(name));
      if (!this.fwdInputs.has(name)) {
        this.fwd.outputs.push(anyShape(name));
        this.tape.push(name);
      }
    }
    return name;
  }

  private record(outputs: string[], backward: Step['backward']): void {
    this.steps.push({ outputs, backward });
  }

  private addGrad(tensor: string, grad: string): void {
    if (this.noGrad.has(tensor)) return;
    const list = this.grads.get(tensor) ?? [];
    list.push(grad);
    this.grads.set(tensor, list);
  }

  private gradOf(tensor: string): string | undefined {
    const list = this.grads.get(tensor);
    if (!list || list.length === 0) return undefined;
    let g = list[0] as string;
    for (const other of list.slice(1)) g = this.bwd.op('Add', [g, other], {}, { name: '/grad/accumulate/Add' });
    this.grads.set(tensor, [g]);
    return g;
  }

  // ---- ops ------------------------------------------------------------------------------------

  /** y = x·W + b with x [..., in], W [in, out], b [out]. */
  linear(x: string, w: string, b: string, inF: number, outF: number, scope: string): string {
    const mm = this.fwd.op('MatMul', [x, w], {}, { name: `${scope}/MatMul` });
    const y = this.fwd.op('Add', [mm, b], {}, { name: `${scope}/Add` });
    this.record([y], ([g]) => {
      if (!g) return;
      const B = this.bwd;
      const g2 = B.op('Reshape', [g, B.constInt64([-1, outF])], {}, { name: `/grad${scope}/Reshape` });
      const x2 = B.op('Reshape', [this.save(x), B.constInt64([-1, inF])], {}, { name: `/grad${scope}/Reshape` });
      this.addGrad(w, B.op('Gemm', [x2, g2], { transA: 1 }, { name: `/grad${scope}/weight/Gemm` }));
      this.addGrad(b, B.op('ReduceSum', [g2, B.constInt64([0])], { keepdims: 0 }, { name: `/grad${scope}/bias/ReduceSum` }));
      const wt = B.op('Transpose', [this.save(w)], { perm: [1, 0] }, { name: `/grad${scope}/Transpose` });
      this.addGrad(x, B.op('MatMul', [g, wt], {}, { name: `/grad${scope}/input/MatMul` }));
    });
    return y;
  }

  /** a + b with the same shape (residual connections). */
  add(a: string, b: string, scope: string): string {
    const y = this.fwd.op('Add', [a, b], {}, { name: `${scope}/Add` });
    this.record([y], ([g]) => {
      if (!g) return;
      this.addGrad(a, g);
      this.addGrad(b, g);
    });
    return y;
  }

  /** x + c where c has no gradient and broadcasts (the additive attention mask). */
  addConstant(x: string, c: string, scope: string): string {
    const y = this.fwd.op('Add', [x, c], {}, { name: `${scope}/Add` });
    this.record([y], ([g]) => g && this.addGrad(x, g));
    return y;
  }

  /** x · s for a scalar s. */
  scale(x: string, s: number, scope: string): string {
    const y = this.fwd.op('Mul', [x, this.fwd.constFloat(s)], {}, { name: `${scope}/Mul` });
    this.record([y], ([g]) => g && this.addGrad(x, this.bwd.op('Mul', [g, this.bwd.constFloat(s)], {}, { name: `/grad${scope}/Mul` })));
    return y;
  }

  /** x · m with m a given mask (inverted dropout: m holds 0 or 1 / (1 − p)). */
  dropout(x: string, mask: string, scope: string): string {
    const y = this.fwd.op('Mul', [x, mask], {}, { name: `${scope}/Dropout/Mul` });
    this.record([y], ([g]) => g && this.addGrad(x, this.bwd.op('Mul', [g, this.save(mask)], {}, { name: `/grad${scope}/Dropout/Mul` })));
    return y;
  }

  /** Batched a·b over the last two axes (both differentiated). */
  matmul(a: string, b: string, rank: number, scope: string): string {
    const y = this.fwd.op('MatMul', [a, b], {}, { name: `${scope}/MatMul` });
    const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
    this.record([y], ([g]) => {
      if (!g) return;
      const B = this.bwd;
      const bt = B.op('Transpose', [this.save(b)], { perm }, { name: `/grad${scope}/Transpose` });
      this.addGrad(a, B.op('MatMul', [g, bt], {}, { name: `/grad${scope}/MatMul` }));
      const at = B.op('Transpose', [this.save(a)], { perm }, { name: `/grad${scope}/Transpose` });
      this.addGrad(b, B.op('MatMul', [at, g], {}, { name: `/grad${scope}/MatMul` }));
    });
    return y;
  }

  transpose(x: string, perm: number[], scope: string): string {
    const y = this.fwd.op('Transpose', [x], { perm }, { name: `${scope}/Transpose` });
    const inverse = perm.map((_, i) => perm.indexOf(i));
    this.record([y], ([g]) => g && this.addGrad(x, this.bwd.op('Transpose', [g], { perm: inverse }, { name: `/grad${scope}/Transpose` })));
    return y;
  }

  /** Reshape to `shape`; the gradient is reshaped back by `back` (ONNX Reshape: 0 copies a dim, −1 infers). */
  reshape(x: string, shape: number[], back: number[], scope: string): string {
    const y = this.fwd.op('Reshape', [x, this.fwd.constInt64(shape)], {}, { name: `${scope}/Reshape` });
    this.record(
      [y],
      ([g]) => g && this.addGrad(x, this.bwd.op('Reshape', [g, this.bwd.constInt64(back)], {}, { name: `/grad${scope}/Reshape` })),
    );
    return y;
  }

  /** Softmax over the last axis. */
  softmax(x: string, scope: string): string {
    const p = this.fwd.op('Softmax', [x], { axis: -1 }, { name: `${scope}/Softmax` });
    this.record([p], ([g]) => {
      if (!g) return;
      const B = this.bwd;
      const sp = this.save(p);
      const gp = B.op('Mul', [g, sp], {}, { name: `/grad${scope}/Mul` });
      const s = B.op('ReduceSum', [gp, B.constInt64([-1])], { keepdims: 1 }, { name: `/grad${scope}/ReduceSum` });
      const d = B.op('Sub', [g, s], {}, { name: `/grad${scope}/Sub` });
      this.addGrad(x, B.op('Mul', [d, sp], {}, { name: `/grad${scope}/Mul` }));
    });
    return p;
  }

  /** LayerNorm over the last axis (size `n`), with γ and β parameters. */
  layerNorm(x: string, gamma: string, beta: string, eps: number, n: number, scope: string): string {
    const [y, mean, invStd] = this.fwd.node(
      'LayerNormalization',
      [x, gamma, beta],
      { axis: -1, epsilon: { float: eps } },
      { name: `${scope}/LayerNormalization`, numOutputs: 3 },
    ) as [string, string, string];
    this.record([y], ([g]) => {
      if (!g) return;
      const B = this.bwd;
      const at = (op: string, ins: string[], attrs = {}) => B.op(op, ins, attrs, { name: `/grad${scope}/${op}` });
      const xhat = at('Mul', [at('Sub', [this.save(x), this.save(mean)]), this.save(invStd)]);
      const g2 = at('Reshape', [g, B.constInt64([-1, n])]);
      this.addGrad(
        gamma,
        at('ReduceSum', [at('Mul', [g2, at('Reshape', [xhat, B.constInt64([-1, n])])]), B.constInt64([0])], { keepdims: 0 }),
      );
      this.addGrad(beta, at('ReduceSum', [g2, B.constInt64([0])], { keepdims: 0 }));
      const dxhat = at('Mul', [g, this.save(gamma)]);
      const m1 = at('ReduceMean', [dxhat], { axes: [-1], keepdims: 1 });
      const m2 = at('ReduceMean', [at('Mul', [dxhat, xhat])], { axes: [-1], keepdims: 1 });
      const inner = at('Sub', [at('Sub', [dxhat, m1]), at('Mul', [xhat, m2])]);
      this.addGrad(x, at('Mul', [inner, invStd]));
    });
    return y;
  }

  /** Exact GELU: x · ½(1 + erf(x/√2)). */
  gelu(x: string, scope: string): string {
    const f = this.fwd;
    const erf = f.op('Erf', [f.op('Div', [x, f.constFloat(Math.SQRT2)], {}, { name: `${scope}/Div` })], {}, { name: `${scope}/Erf` });
    const half = f.op(
      'Mul',
      [f.op('Add', [erf, f.constFloat(1)], {}, { name: `${scope}/Add` }), f.constFloat(0.5)],
      {},
      { name: `${scope}/Mul` },
    );
    const y = f.op('Mul', [x, half], {}, { name: `${scope}/Mul` });
    this.record([y], ([g]) => {
      if (!g) return;
      const B = this.bwd;
      const at = (op: string, ins: string[]) => B.op(op, ins, {}, { name: `/grad${scope}/${op}` });
      const sx = this.save(x);
      // d/dx = ½(1 + erf(x/√2)) + x · φ(x), φ(x) = exp(−x²/2)/√(2π)
      const cdf = at('Mul', [at('Add', [at('Erf', [at('Div', [sx, B.constFloat(Math.SQRT2)])]), B.constFloat(1)]), B.constFloat(0.5)]);
      const pdf = at('Mul', [at('Exp', [at('Mul', [at('Mul', [sx, sx]), B.constFloat(-0.5)])]), B.constFloat(1 / Math.sqrt(2 * Math.PI))]);
      this.addGrad(x, at('Mul', [g, at('Add', [cdf, at('Mul', [sx, pdf])])]));
    });
    return y;
  }

  // ---- the two graphs -------------------------------------------------------------------------

  /**
   * Ends the program at `output`: emits the backward pass and returns both graphs' bytes, the tape
   * (forward outputs after the first) and the forward inputs the backward also reads.
   */
  finish(output: string): { forward: Uint8Array; backward: Uint8Array; tape: string[]; reads: string[] } {
    this.fwd.outputs.unshift(anyShape(output));
    this.bwd.inputs.push(anyShape(GRAD_OUTPUT));
    this.grads.set(output, [GRAD_OUTPUT]);
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i] as Step;
      step.backward(step.outputs.map((o) => this.gradOf(o)));
    }
    const emit = (tensor: string, name: string) => {
      const g = this.gradOf(tensor);
      if (!g) throw new Error(`finetune: no gradient reaches ${tensor}; the program does not use it`);
      this.bwd.node('Identity', [g], {}, { name: `/grad/${name}/Identity`, outputs: [name] });
      this.bwd.outputs.push(anyShape(name));
    };
    emit(this.input0, GRAD_INPUT);
    for (const p of this.params) emit(p, gradName(p));
    const reads = [...this.saved].filter((s) => this.fwdInputs.has(s));
    return {
      forward: encodeModel(this.fwd.build({ producerName: 'mtl-nlp' })),
      backward: encodeModel(this.bwd.build({ producerName: 'mtl-nlp' })),
      tape: this.tape,
      reads,
    };
  }
}
