/**
 * The safetensors format (https://github.com/huggingface/safetensors), F32 (F16 read and widened): 8-byte little-endian
 * header length N, N bytes of JSON header {name: {dtype, shape, data_offsets: [begin, end]},
 * __metadata__: {string: string}} padded with spaces to 8-byte alignment, then the raw little-endian
 * data. Readable by Python's `safetensors`. Reading validates header length, JSON, dtypes, shapes and
 * offsets, naming the file in every error.
 */
import { createHash } from 'node:crypto';
import { float16BitsToFloat32 } from '../utils/float16.js';
import { DataError } from '../data/errors.js';

export interface NamedArray {
  shape: readonly number[];
  data: Float32Array;
}

const MAX_HEADER = 100 * 1024 * 1024;

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function toLEBytes(data: Float32Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndian()) return bytes;
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

export function encodeSafetensors(tensors: ReadonlyMap<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`safetensors: "${name}" has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    hb = enc.encode(json);
  }
  const out = new Uint8Array(8 + hb.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const t of tensors.values()) {
    const b = toLEBytes(t.data);
    out.set(b, pos);
    pos += b.length;
  }
  return out;
}

export function decodeSafetensors(
  bytes: Uint8Array,
  file = 'safetensors file',
): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  const fail = (why: string): never => {
    throw new DataError(file, undefined, `not a valid safetensors file (${why})`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const big = view.getBigUint64(0, true);
  if (big > BigInt(Math.min(MAX_HEADER, bytes.length - 8)))
    fail(`header length ${big} exceeds the file size ${bytes.length} (truncated or corrupt)`);
  const n = Number(big);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (err) {
    return fail(`header is not valid JSON: ${(err as Error).message}`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string'))
        fail('__metadata__ is not an object of strings');
      metadata = raw as Record<string, string>;
      continue;
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(`tensor "${name}" is not an object`);
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info.dtype !== 'F32' && info.dtype !== 'F16')
      fail(`tensor "${name}" has dtype ${String(info.dtype)}, only F32 and F16 are supported`);
    const width = info.dtype === 'F16' ? 2 : 4;
    const shape = info.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor "${name}" has a bad shape`);
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isInteger(x) && x >= 0))
      fail(`tensor "${name}" has bad data_offsets`);
    const [b, e] = off as [number, number];
    const count = (shape as number[]).reduce((a, c) => a * c, 1);
    if (e < b || e > dataLen) fail(`tensor "${name}" data_offsets [${b}, ${e}] outside the ${dataLen} data bytes (truncated?)`);
    if (e - b !== count * width) fail(`tensor "${name}" has ${e - b} bytes for shape [${(shape as number[]).join(', ')}]`);
    ranges.push([b, e, name]);
    const slice = bytes.subarray(dataStart + b, dataStart + e);
    const data = new Float32Array(count);
    if (width === 2) {
      // F16 (e.g. the GPU pretraining run's weights): widened exactly to float32
      const dv = new DataView(slice.buffer, slice.byteOffset, slice.byteLength);
      const halves = new Uint16Array(count);
      for (let i = 0; i < count; i++) halves[i] = dv.getUint16(i * 2, true);
      data.set(float16BitsToFloat32(halves));
    } else if (littleEndian()) new Uint8Array(data.buffer).set(slice);
    else {
      const dv = new DataView(slice.buffer, slice.byteOffset, slice.byteLength);
      for (let i = 0; i < count; i++) data[i] = dv.getFloat32(i * 4, true);
    }
    tensors.set(name, { shape: shape as number[], data });
  }
  ranges.sort((x, y) => x[0] - y[0]);
  let expect = 0;
  for (const [b, e, name] of ranges) {
    if (b !== expect) fail(`tensor "${name}" starts at ${b}, expected ${expect} (overlapping or gaps)`);
    expect = e;
  }
  if (expect !== dataLen) fail(`data section has ${dataLen} bytes but tensors cover ${expect}`);
  return { tensors, metadata };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
