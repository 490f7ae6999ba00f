/**
 * Writing a trainable top's weights back into its source graph (what `TrainableTop.exportOnnx` does):
 *
 * - `'source'`: the source graph as it is, each top weight written where it was read from: fp32
 *   initializers get the new values (transposed back when stored [out, in]); int8 weights (q8 exports:
 *   MatMulInteger, or DequantizeLinear of a constant) are re-quantized by the project's quantizer scheme
 *   (src/generators/quantize.ts: symmetric int8, zero point 0, per tensor, or per column when the source
 *   has one scale per column), their scale rewritten. The layers below the top stay bit-identical.
 * - `'fp32'`: the whole graph dequantized first (./dequantize.ts: every int8 weight and table becomes its
 *   fp32 value (q − zero point) · scale, MatMulInteger a MatMul), then the top written as fp32.
 */
import { DataType, decodeModel, encodeModel, toRawBytes, type ITensorProto, type ModelProto } from '../onnx/proto.js';
import { quantizeWeightInt8 } from '../generators/quantize.js';
import { UserError } from '../errors.js';
import { dequantizeModel } from './dequantize.js';
import { Graph, transpose2d } from './graph.js';
import type { ParamSource } from './read-linear.js';

export interface TopParam {
  dims: number[];
  data: Float32Array;
  source: ParamSource;
}

/** Symmetric int8 of a [rows, cols] weight: one scale (scales = 1) or one per column (scales = cols). */
export function requantize(data: Float32Array, rows: number, cols: number, scales: number): { q: Int8Array; scale: Float32Array } {
  if (scales === 1) {
    const r = quantizeWeightInt8(data);
    return { q: r.q, scale: Float32Array.of(r.scale) };
  }
  const q = new Int8Array(data.length);
  const scale = new Float32Array(cols);
  const col = new Float32Array(rows);
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) col[r] = data[r * cols + c] as number;
    const r = quantizeWeightInt8(col);
    scale[c] = r.scale;
    for (let k = 0; k < rows; k++) q[k * cols + c] = r.q[k] as number;
  }
  return { q, scale };
}

/** The source model's bytes with the top weights `params` written in (see the file comment). */
export function writeTop(source: ModelProto, params: ReadonlyMap<string, TopParam>, file: string, as: 'source' | 'fp32'): Uint8Array {
  let model = decodeModel(encodeModel(source));
  if (as === 'fp32') model = dequantizeModel(model, file);
  const g = new Graph(model, file);
  const init = (name: string, of: string): ITensorProto => {
    const t = g.init.get(name);
    if (!t) throw new UserError(`${file}: cannot write ${of}: its tensor ${name} is not an initializer of the graph`);
    return t;
  };
  for (const [name, p] of params) {
    const s = p.source;
    const t = init(s.initializer, name);
    const [rows, cols] = s.transposed ? [p.dims[1] as number, p.dims[0] as number] : [p.dims[0] as number, p.dims[1] ?? 1];
    const data = s.transposed ? transpose2d(p.data, p.dims[0] as number, p.dims[1] as number) : p.data;
    if (!s.quantized || as === 'fp32') {
      t.dataType = DataType.FLOAT;
      t.rawData = toRawBytes(data);
      t.floatData = [];
      continue;
    }
    const why = (reason: string) =>
      new UserError(
        `${file}: cannot write ${name} back into its int8 weight ${s.initializer}: ${reason}; write the fp32 copy (exportOnnx('fp32')) and quantize that`,
      );
    if (t.dataType !== DataType.INT8) throw why('the weight is not int8 (only symmetric int8 weights are re-quantized)');
    const scaleT = init(s.scale ?? '', name);
    const zpT = s.zeroPoint ? init(s.zeroPoint, name) : undefined;
    for (const n of [s.initializer, s.scale ?? '', ...(s.zeroPoint ? [s.zeroPoint] : [])]) {
      const readers = (g.consumers.get(n) ?? []).length;
      if (readers !== 1) throw why(`${n} is read by ${readers} nodes, so rewriting it would change other weights`);
    }
    const scales = (scaleT.dims ?? []).reduce((a, b) => a * Number(b), 1);
    if (scales !== 1 && scales !== cols) throw why(`its scale has ${scales} values, neither one per tensor nor one per column (${cols})`);
    if (zpT && zpT.dataType !== DataType.INT8) throw why('its zero point is not int8');
    const r = requantize(data, rows, cols, scales);
    Object.assign(t, { rawData: toRawBytes(r.q), int32Data: [] });
    Object.assign(scaleT, { dataType: DataType.FLOAT, rawData: toRawBytes(r.scale), floatData: [] });
    if (zpT) Object.assign(zpT, { rawData: new Uint8Array(scales), int32Data: [] });
  }
  return encodeModel(model);
}
