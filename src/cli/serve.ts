/**
 * The local server of `mtl serve`: the demo page (examples/07-demo, bundled), a saved model folder,
 * the encoder folder it was trained on, and the `.wasm` files of onnxruntime-web and
 * tfjs-backend-wasm, under fixed URL paths:
 *
 *   /                  the page (index.html)          /main.js     its script (bundled)
 *   /config.json       { model, encoder, ort, tfjs }: the URLs below, for the page
 *   /model/…           the model folder's manifest.json and the weights file it names, and the files
 *                      of a fine-tuned encoder saved in it that the manifest lists (nothing else: not
 *                      checkpoints/, which hold the command line and optimizer state)
 *   /encoder/…         the encoder folder (HF ONNX layout), when it exists on this machine; an encoder
 *                      fine-tuned and saved inside the model folder: only the files its manifest lists
 *   /ort/…             onnxruntime-web's dist/ (.wasm, .mjs)
 *   /tfjs/…            @tensorflow/tfjs-backend-wasm's dist/ (.wasm)
 *
 * Files only from these folders (no path outside them), streamed with Content-Length and ETag; GET and
 * HEAD only; a malformed request target is a 400, a Host header that is not one of this server's names
 * a 403 (DNS rebinding) unless `allowAnyHost`. The tests serve the same way.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { resolveEncoderRef } from '../encoder/refs.js';
import { UserError } from '../errors.js';
import { MANIFEST_FILE, type EncoderIdentity } from '../training/format.js';
import { MultiTaskModel } from '../training/model.js';
import { allowedHosts, etagOf, hostName, requestPath, sendBody, sendFile } from './serve-http.js';

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
  /** Answer requests whatever their Host header names (default: only localhost, 127.0.0.1, [::1], `host`). */
  allowAnyHost?: boolean;
  /** One line per request that failed (404 etc.). */
  log?: (line: string) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Whether it listens on every interface (0.0.0.0, ::): reachable from other machines. */
  networkReachable: boolean;
  /** The encoder folder served at /encoder/ (null: none found; the page then uses the manifest's hub id). */
  encoderDir: string | null;
  /** The files served from it when the manifest lists them (a fine-tuned encoder saved with the model); null: the whole folder. */
  encoderFiles: string[] | null;
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

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** `rel` inside `root`, or null when it would leave it (or is not a file). */
function fileUnder(root: string, rel: string): string | null {
  const decoded = safeDecode(rel);
  if (decoded === null || decoded.includes('\0')) return null;
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
  if (encoderDir && !existsSync(join(encoderDir, 'config.json')))
    throw new UserError(`${encoderDir}: not an encoder folder (no config.json)`);
  const roots: Record<string, string> = {
    model: modelDir,
    ort: join(packageDir('onnxruntime-web'), 'dist'),
    tfjs: join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'),
  };
  if (encoderDir) roots.encoder = encoderDir;
  const config = JSON.stringify({ model: '/model/', encoder: encoderDir ? '/encoder/' : null, ort: '/ort/', tfjs: '/tfjs/' });
  // the model folder: what the page loads, nothing else (a `mtl train --out` folder also holds checkpoints/)
  const modelFiles = new Set([MANIFEST_FILE, manifest.weights.file]);
  // a fine-tuned encoder saved with the model: the files its manifest lists (with their sha256), nothing else
  const enc = manifest.encoder;
  const own = enc.files && enc.path !== undefined && encoderDir !== null && [enc.model, resolve(modelDir, enc.path)].includes(encoderDir);
  const encoderFiles = own ? Object.keys(enc.files ?? {}).sort() : null;
  const listed = encoderFiles && new Set(encoderFiles);
  // …also under /model/<path>/, where fromPretrained('/model/') looks for it (a static copy of the folder works alike)
  if (enc.files && enc.path && !enc.path.split(/[/\\]/).includes('..') && !isAbsolute(enc.path))
    for (const f of Object.keys(enc.files)) modelFiles.add(`${enc.path.split(sep).join('/')}/${f}`);
  const host = options.host ?? '127.0.0.1';
  const hosts = allowedHosts(host);
  const inMemory: Record<string, { body: Uint8Array | string; type: string; etag: string }> = {};
  for (const [paths, body, type] of [
    [['/', '/index.html'], options.page.html, TYPES['.html']!],
    [['/main.js'], options.page.js, TYPES['.js']!],
    [['/config.json'], config, TYPES['.json']!],
  ] as const) {
    for (const p of paths) inMemory[p] = { body, type, etag: etagOf(body) };
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const fail = (status: number, reason: string) => {
      options.log?.(`${status} ${req.method} ${JSON.stringify(req.url)}: ${reason}`);
      sendBody(req, res, status, reason + '\n');
    };
    const path = requestPath(req.url);
    if (path === null) return fail(400, 'bad request target');
    if (!options.allowAnyHost) {
      const name = hostName(req.headers.host);
      if (name === null) return fail(400, 'missing or malformed Host header');
      if (!hosts.has(name))
        return fail(
          403,
          `Host ${name} is not a name of this server (open it by localhost or its address, or start mtl serve with --allow-any-host)`,
        );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method not allowed');
    const page = inMemory[path];
    if (page) return sendBody(req, res, 200, page.body, page.type, page.etag);
    const m = /^\/(model|encoder|ort|tfjs)\/(.+)$/.exec(path);
    const root = m ? roots[m[1]!] : undefined;
    const rel = m ? (safeDecode(m[2]!) ?? '') : '';
    const allowed = m && (m[1] === 'model' ? modelFiles.has(rel) : m[1] !== 'encoder' || !listed || listed.has(rel));
    const file = root && m && allowed ? fileUnder(root, m[2]!) : null;
    if (!file) return fail(404, 'not found');
    await sendFile(req, res, file, TYPES[extname(file)] ?? 'application/octet-stream');
  };
  const server = createServer((req, res) => {
    // no request, however malformed, may end the process
    handle(req, res).catch((err: unknown) => {
      options.log?.(`500 ${JSON.stringify(req.url)}: ${(err as Error).message}`);
      if (!res.headersSent) sendBody(req, res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new UserError(`port ${options.port} is in use (pass another with --port)`) : err),
    );
    server.listen(options.port ?? 0, host, ok);
  });
  const { port } = server.address() as AddressInfo;
  const anyInterface = host === '0.0.0.0' || host === '::';
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return {
    server,
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`,
    networkReachable: anyInterface || !['127.0.0.1', 'localhost', '::1'].includes(host),
    encoderDir,
    encoderFiles,
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
  if (!existsSync(join(dir, 'main.ts')))
    throw new UserError(`${dir}: the demo page's source is not here (it is in the repository, not in the package)`);
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
