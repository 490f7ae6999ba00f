/**
 * The coordinator's output file, written in input order as shards finish: rows go to a temporary
 * sibling as soon as every earlier row is there, and the file appears under its name (rename) only
 * when all rows are in. The format is `mtl encode`'s: `.jsonl` (one JSON array a line) or `.npy`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { float32LeBytes, npyHeader } from '../encoder/npy.js';

export class OrderedVectorWriter {
  private handle: fsp.FileHandle | undefined;
  private readonly tmp: string;
  private readonly npy: boolean;
  private written = 0;

  constructor(
    private readonly path: string,
    private readonly totalRows: number,
  ) {
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    this.npy = extname(path).toLowerCase() === '.npy';
  }

  /** Appends the next rows (they must start where the last call ended). */
  async write(start: number, data: Float32Array, rows: number, dim: number): Promise<void> {
    if (start !== this.written) throw new Error(`rows out of order: got ${start}, expected ${this.written}`);
    if (!this.handle) {
      await fsp.mkdir(dirname(this.path), { recursive: true });
      this.handle = await fsp.open(this.tmp, 'w');
      if (this.npy) await this.handle.write(npyHeader(this.totalRows, dim));
    }
    if (this.npy) {
      await this.handle.write(float32LeBytes(data.subarray(0, rows * dim)));
    } else {
      const lines: string[] = [];
      for (let i = 0; i < rows; i++) lines.push(JSON.stringify(Array.from(data.subarray(i * dim, i * dim + dim))) + '\n');
      await this.handle.write(lines.join(''));
    }
    this.written += rows;
  }

  /** Syncs and renames into place. */
  async finish(): Promise<void> {
    if (this.written !== this.totalRows) throw new Error(`only ${this.written} of ${this.totalRows} rows were written`);
    if (!this.handle) {
      await fsp.mkdir(dirname(this.path), { recursive: true });
      this.handle = await fsp.open(this.tmp, 'w');
      if (this.npy) await this.handle.write(npyHeader(0, 0));
    }
    await this.handle.sync();
    await this.handle.close();
    this.handle = undefined;
    await fsp.rename(this.tmp, this.path);
  }

  /** Removes the temporary file (nothing partial is left under the output's name). */
  async abort(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await fsp.rm(this.tmp, { force: true });
  }
}
