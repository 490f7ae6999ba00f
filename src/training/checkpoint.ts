/**
 * Crash-safe checkpoint folders. A checkpoint is written into a hidden temporary folder, every file
 * fsynced, then the folder is renamed to its final unique name, and only then the `latest` (and
 * `best`) pointer files are replaced atomically. Killing the process at any moment leaves `latest`
 * pointing at a complete checkpoint (or absent if none was finished). Old checkpoints are removed
 * only after the pointers moved on.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../utils/fs.js';
import { UserError } from '../errors.js';

export type PointerName = 'latest' | 'best';

interface Pointer {
  checkpoint: string;
  step: number;
}

async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* not supported on this platform */
  }
}

export function checkpointName(step: number): string {
  return `ckpt-${String(step).padStart(8, '0')}-${randomBytes(3).toString('hex')}`;
}

/** Write files into root/name atomically (temp folder + rename). Returns the final folder. */
export async function writeCheckpointFolder(root: string, name: string, files: Record<string, string | Uint8Array>): Promise<string> {
  await fsp.mkdir(root, { recursive: true });
  const tmp = join(root, `.tmp-${name}-${process.pid}`);
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp);
  for (const [file, data] of Object.entries(files)) {
    const h = await fsp.open(join(tmp, file), 'w');
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
  }
  await syncDir(tmp);
  const final = join(root, name);
  await fsp.rename(tmp, final);
  await syncDir(root);
  return final;
}

export async function setPointer(root: string, pointer: PointerName, name: string, step: number): Promise<void> {
  await writeFileAtomic(join(root, pointer), JSON.stringify({ checkpoint: name, step } satisfies Pointer) + '\n');
}

export function readPointer(root: string, pointer: PointerName = 'latest'): Pointer | null {
  const file = join(root, pointer);
  if (!existsSync(file)) return null;
  let p: Pointer;
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as Pointer;
  } catch (err) {
    throw new UserError(`${file}: unreadable checkpoint pointer (${(err as Error).message}); delete it, or train without resume`);
  }
  if (!p || typeof p.checkpoint !== 'string' || !/^ckpt-[0-9a-f-]+$/.test(p.checkpoint))
    throw new UserError(
      `${file}: malformed checkpoint pointer (expected { "checkpoint": "ckpt-…" }); delete it to resume from the newest checkpoint folder, or train without resume`,
    );
  return p;
}

/** Folder of the latest (or best) checkpoint under root, or null if there is none. */
export function checkpointPath(root: string, pointer: PointerName = 'latest'): string | null {
  const p = readPointer(root, pointer);
  return p ? join(root, p.checkpoint) : null;
}

/** Remove checkpoint folders and stale temp folders not referenced by a pointer. */
export async function pruneCheckpoints(root: string, keep: ReadonlySet<string>): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch {
    return;
  }
  for (const n of names) {
    if ((n.startsWith('ckpt-') && !keep.has(n)) || n.startsWith('.tmp-ckpt-') || /^\.(latest|best)\..*\.tmp$/.test(n)) {
      await fsp.rm(join(root, n), { recursive: true, force: true });
    }
  }
}
