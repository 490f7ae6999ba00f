/**
 * What the `mtl serve` tests set up the same way: a small saved sentiment model (synthetic
 * features, no encoder folder), `mtl serve` started as a user starts it (resolving with the URL it
 * prints) and stopped with SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadTaskConfig } from '../../src/config/load.js';
import { createTask } from '../../src/config/tasks.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { packageRoot } from '../../src/utils/paths.js';
import { mtlSpawn } from './helpers.js';

/** Saves a sentiment model over 8-dimensional synthetic features (its labels from two examples) to `dir`. */
export async function saveSentimentModel(dir: string): Promise<void> {
  const model = await MultiTaskModel.create({
    encoder: { dim: 8 },
    tasks: [createTask(loadTaskConfig(join(packageRoot(), 'tasks/sentiment.yaml')))],
    log: false,
  });
  model.prepareTasks({
    sentiment: [
      { text: 'good', label: 'positive' },
      { text: 'bad', label: 'negative' },
    ],
  });
  await model.save(dir);
  model.dispose();
}

export interface ServeProcess {
  child: ChildProcess;
  /** The URL it printed, `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  /** Its stdout and stderr so far. */
  out: () => string;
}

/** Starts `mtl serve <args>`; resolves once it prints its URL, rejects when it exits first or prints none in 60 s. */
export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = mtlSpawn(['serve', ...args]);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL after 60 s: ${out}`));
    }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out}`));
    });
  });
  return { child, url, port: Number(new URL(url).port), out: () => out };
}

/** SIGTERM, and waits for the exit (at once when it has exited). */
export async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
