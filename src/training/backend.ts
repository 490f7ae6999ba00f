/**
 * TensorFlow.js backend selection for training.
 *
 * Order for `auto`: `@tensorflow/tfjs-node` (only if installed — loaded with a dynamic import that
 * tolerates absence), then `@tensorflow/tfjs-backend-wasm` (SIMD; threads only where the browser
 * allows them, tfjs disables wasm threads in Node), then the pure-JS `cpu` backend.
 *
 * In browsers `auto` is wasm (its .wasm files from {@link setTfjsWasmPaths}, else tfjs' CDN default),
 * then cpu: the heads are small, and wasm computes in float32 like Node, so predictions match the
 * Node build. `webgl` / `webgpu` are used when asked for and the page has registered them (it imports
 * `@tensorflow/tfjs-backend-webgl` / `-webgpu`; the package itself depends on the wasm backend only).
 */
import { notice } from '../utils/env.js';
import * as tf from '../utils/tf.js';
import { UserError } from '../errors.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';
export type BackendPreference = 'auto' | BackendName;

let logged: string | null = null;
let wasmRegistered = false;
let tfjsNodeTried = false;
let tfjsNodeAvailable = false;
let browserWasmPaths: string | null = null;

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

/**
 * Where the page serves `@tensorflow/tfjs-backend-wasm`'s `.wasm` files (a URL prefix ending in `/`,
 * relative to the page or absolute),
 * for browsers; call before the first model is created. Node finds them in node_modules.
 * @example
 * setTfjsWasmPaths('/tfjs/'); // the page then fetches /tfjs/tfjs-backend-wasm.wasm (and the -simd / -threaded-simd builds)
 */
export function setTfjsWasmPaths(prefix: string): void {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  browserWasmPaths = base ? new URL(prefix, base).href : prefix;
}

async function tryTfjsNode(): Promise<boolean> {
  if (tfjsNodeTried) return tfjsNodeAvailable;
  tfjsNodeTried = true;
  if (!isNode()) return false;
  try {
    // Variable specifier: not a dependency, resolved only if someone installed it.
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
    tfjsNodeAvailable = tf.findBackend('tensorflow') != null || tf.engine().registryFactory['tensorflow'] != null;
  } catch {
    tfjsNodeAvailable = false;
  }
  return tfjsNodeAvailable;
}

/** Folder (with trailing separator) holding the tfjs-backend-wasm `.wasm` binaries, in Node. */
async function nodeWasmDir(): Promise<string | null> {
  if (!isNode()) return null;
  try {
    // variable specifiers: bundlers for browsers leave them alone (this code only runs in Node)
    const nodeModule = 'node:module';
    const nodePath = 'node:path';
    const { createRequire } = (await import(/* @vite-ignore */ nodeModule)) as typeof import('node:module');
    const { dirname, join, sep } = (await import(/* @vite-ignore */ nodePath)) as typeof import('node:path');
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    return join(dirname(pkg), 'dist') + sep;
  } catch {
    return null;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmRegistered) {
      const dir = isNode() ? await nodeWasmDir() : browserWasmPaths;
      if (dir) wasm.setWasmPaths(dir);
      wasmRegistered = true;
    }
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Select and initialise a backend. Returns the backend actually in use. Logs the choice once per
 * process (pass `log: false` to silence).
 */
export async function initBackend(preference: BackendPreference = 'auto', options: { log?: boolean } = {}): Promise<BackendName> {
  const current = tf.getBackend() as string | undefined;
  const want = preference;
  if (want !== 'auto' && current === want) return want;
  if (want === 'auto' && logged && current) return current as BackendName;

  let ok = false;
  if (want === 'webgl' || want === 'webgpu') {
    // registered by the page: import '@tensorflow/tfjs-backend-webgl' (or -webgpu) before loading a model
    ok = tf.findBackendFactory(want) != null && (await tf.setBackend(want).catch(() => false));
    if (!ok)
      throw new UserError(
        `backend "${want}" requested but it is not available here (not registered, or no ${want === 'webgl' ? 'WebGL' : 'WebGPU'} context)`,
      );
  }
  if (!ok && (want === 'tensorflow' || want === 'auto')) {
    ok = (await tryTfjsNode()) && (await tf.setBackend('tensorflow'));
    if (!ok && want === 'tensorflow')
      throw new UserError('backend "tensorflow" requested but @tensorflow/tfjs-node is not installed or failed to load');
  }
  if (!ok && (want === 'wasm' || want === 'auto')) {
    ok = await tryWasm();
    if (!ok && want === 'wasm') throw new UserError('backend "wasm" requested but @tensorflow/tfjs-backend-wasm failed to initialise');
  }
  if (!ok) {
    ok = await tf.setBackend('cpu');
    if (!ok) throw new UserError('no TensorFlow.js backend could be initialised (tried tensorflow, wasm, cpu)');
  }
  await tf.ready();
  const name = tf.getBackend() as BackendName;
  if (options.log !== false && logged !== name) {
    logged = name;
    const simd =
      name === 'wasm'
        ? ` (simd: ${String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))}, threads: ${String(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))})`
        : '';
    notice(`[mtl-nlp] training backend: ${name}${simd}`);
  }
  return name;
}

/** Backends that can be initialised here, in preference order (probes tfjs-node and wasm). */
export async function availableBackends(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  if (await tryTfjsNode()) out.push('tensorflow');
  const before = tf.getBackend();
  if (await tryWasm()) out.push('wasm');
  if (before) await tf.setBackend(before);
  out.push('cpu');
  return out;
}
