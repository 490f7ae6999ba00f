/**
 * The local server of `mtl serve`: the demo page (examples/07-demo, bundled), a saved model folder,
 * the encoder folder it was trained on, and the `.wasm` files of onnxruntime-web and
 * tfjs-backend-wasm, under fixed URL paths:
 *
 *   /                  the page (index.html)          /main.js     its script (bundled)
 *   /config.json       { model, encoder, ort, tfjs }: the URLs below, for the page
 *   /model/…           the model folder (manifest.json, model.safetensors)
 *   /encoder/…         the encoder folder (HF ONNX layout), when it exists on this machine
 *   /ort/…             onnxruntime-web's dist/ (.wasm, .mjs)
 *   /tfjs/…            @tensorflow/tfjs-backend-wasm's dist/ (.wasm)
 *
 * Files only from these folders (no path outside them); GET and HEAD only. The tests serve the same way.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { resolveEncoderRef } from '../encoder/refs.js';
import { UserError } from '../errors.js';
import type { EncoderIdentity } from '../training/format.js';
import { MultiTaskModel } from '../training/model.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page: its HTML and bundled script. */
export interface DemoPage {
  html: Uint8Array | string;
  js: Uint8Array | string;
}

export interface ServeOptions {
  /** The saved model folder (manifest.json + model.safetensors). */
  modelDir: string;
  /** The encoder folder; default: the one the manifest records, found as {@link encoderFolderFor} does. */
  encoderDir?: string;
  page: DemoPage;
  port?: number;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** One line per request that failed (404 etc.). */
  log?: (line: string) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** The encoder folder served at /encoder/ (null: none found; the page then uses the manifest's hub id). */
  encoderDir: string | null;
  close(): Promise<void>;
}

/** A package's folder (from its resolved entry, walking up to its package.json). */
function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(name));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package folder of ${name} not found`);
    dir = parent;
  }
}

/**
 * The local encoder folder a saved model was trained on: the recorded folder, the folder relative to
 * the model, or the recorded id when it names a local folder (`mtl:<name>`, `fixture:<variant>`).
 * Null when none is on this machine (a hub id: the browser fetches it from the hub).
 */
export async function encoderFolderFor(identity: EncoderIdentity, modelDir: string): Promise<string | null> {
  const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
  if (isAbsolute(identity.model) && isDir(identity.model)) return identity.model;
  if (identity.path) {
    const rel = resolve(modelDir, identity.path);
    if (isDir(rel)) return rel;
  }
  if (identity.id) {
    const { model } = await resolveEncoderRef(identity.id);
    if (isAbsolute(model) && isDir(model)) return model;
  }
  return null;
}

/** `rel` inside `root`, or null when it would leave it (or is not a file). */
function fileUnder(root: string, rel: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const base = realpathSync(root);
  const file = resolve(base, '.' + sep + decoded);
  if (file !== base && !file.startsWith(base + sep)) return null;
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  const real = realpathSync(file);
  if (!real.startsWith(base + sep)) return null;
  return real;
}

/** Start the server (resolves once it listens). */
export async function serveModel(options: ServeOptions): Promise<RunningServer> {
  const modelDir = resolve(options.modelDir);
  const manifest = MultiTaskModel.readManifest(modelDir);
  const encoderDir = options.encoderDir ? resolve(options.encoderDir) : await encoderFolderFor(manifest.encoder, modelDir);
  if (encoderDir && !existsSync(join(encoderDir, 'config.json'))) throw new UserError(`${encoderDir}: not an encoder folder (no config.json)`);
  const roots: Record<string, string> = {
    model: modelDir,
    ort: join(packageDir('onnxruntime-web'), 'dist'),
    tfjs: join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'),
  };
  if (encoderDir) roots.encoder = encoderDir;
  const config = JSON.stringify({ model: '/model/', encoder: encoderDir ? '/encoder/' : null, ort: '/ort/', tfjs: '/tfjs/' });

  const server = createServer((req, res) => {
    const send = (status: number, body: Uint8Array | string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/' || path === '/index.html') return send(200, options.page.html, TYPES['.html']);
    if (path === '/main.js') return send(200, options.page.js, TYPES['.js']);
    if (path === '/config.json') return send(200, config, TYPES['.json']);
    const m = /^\/(model|encoder|ort|tfjs)\/(.+)$/.exec(path);
    const root = m ? roots[m[1]!] : undefined;
    const file = root && m ? fileUnder(root, m[2]!) : null;
    if (!file) {
      options.log?.(`404 ${path}`);
      return send(404, 'not found');
    }
    send(200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream');
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new UserError(`port ${options.port} is in use (pass another with --port)`) : err),
    );
    server.listen(options.port ?? 0, host, ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    encoderDir,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The demo page's source folder (in a checkout; not shipped in the package). */
export function demoSourceDir(root: string): string {
  return join(root, 'examples', '07-demo');
}

/**
 * Bundle the demo page with esbuild (a devDependency): examples/07-demo/main.ts with `mtl-nlp`
 * pointed at this package's browser entry (src/index.browser.ts). Used by `npm run build` (writes
 * dist/demo/) and by the tests.
 */
export async function bundleDemoPage(root: string): Promise<DemoPage> {
  const dir = demoSourceDir(root);
  if (!existsSync(join(dir, 'main.ts'))) throw new UserError(`${dir}: the demo page's source is not here (it is in the repository, not in the package)`);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new UserError('bundling the demo page needs esbuild (a devDependency): npm install, or use a build with dist/demo/');
  }
  const out = await esbuild.build({
    entryPoints: [join(dir, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    alias: { 'mtl-nlp': join(root, 'src', 'index.browser.ts') },
  });
  return { html: readFileSync(join(dir, 'index.html')), js: out.outputFiles[0]!.contents };
}

/** The page for `mtl serve`: dist/demo/ (built by `npm run build`), else bundled now when esbuild is installed. */
export async function demoPage(root: string): Promise<DemoPage> {
  const built = join(root, 'dist', 'demo');
  if (existsSync(join(built, 'main.js')) && existsSync(join(built, 'index.html'))) {
    return { html: readFileSync(join(built, 'index.html')), js: readFileSync(join(built, 'main.js')) };
  }
  return bundleDemoPage(root);
}
