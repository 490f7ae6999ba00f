import { UserError } from '../errors.js';
/** NumPy .npy (format version 1.0) for a float32 matrix. */

/** The .npy (v1.0) header of a float32 [rows, cols] C-order matrix: the bytes before the data. */
export function npyHeader(rows: number, cols: number): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // magic (6) + version (2) + header length (2) + header + '\n' must be a multiple of 64.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  if (header.length > 65535) throw new RangeError('npy header too long');
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/** The little-endian float32 bytes of the data (the body of a .npy). */
export function float32LeBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  const body = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) body.setFloat32(i * 4, data[i]!, true);
  return out;
}

/** Encodes a row-major float32 [rows, cols] matrix as a .npy file (little-endian '<f4', C order). */
export function encodeNpy(data: Float32Array, rows: number, cols: number): Uint8Array {
  if (data.length !== rows * cols) throw new RangeError(`data has ${data.length} values, expected ${rows}×${cols}`);
  const header = npyHeader(rows, cols);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(float32LeBytes(data), header.length);
  return out;
}

/** Parses a .npy written by {@link encodeNpy} (or NumPy, '<f4' C-order 2-D). */
export function decodeNpy(bytes: Uint8Array): { dims: [number, number]; data: Float32Array } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((b, i) => bytes[i] === b))
    throw new UserError('not a .npy file (bad magic bytes); give a file written by numpy.save or mtl encode --output x.npy');
  const major = bytes[6]!;
  const hlen = major === 1 ? bytes[8]! | (bytes[9]! << 8) : new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + hlen));
  if (!/'descr':\s*'<f4'/.test(header) || !/'fortran_order':\s*False/.test(header))
    throw new UserError(`unsupported npy header ${header}: only little-endian float32 (<f4), C order is read; save with arr.astype("<f4")`);
  const m = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(header);
  if (!m) throw new UserError(`unsupported npy shape in ${header}: a 2-D matrix [rows, dim] is expected`);
  const rows = Number(m[1]);
  const cols = Number(m[2]);
  const data = new Float32Array(rows * cols);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start + hlen, rows * cols * 4);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return { dims: [rows, cols], data };
}
