/**
 * MultiTaskModel in browsers: the model (model-core.ts) loaded from URLs. A saved folder served over
 * HTTP (`manifest.json` + `model.safetensors`, as `save()` writes it in Node) and the encoder folder
 * it was trained on (HF ONNX layout) give the same predictions as in Node: the encoder runs on
 * onnxruntime-web (WebGPU, else wasm), the shared layers and heads on TensorFlow.js (wasm by
 * default; `backend: 'webgl'` when the page has registered `@tensorflow/tfjs-backend-webgl`). Training
 * and saving stay in Node.
 */
import { Encoder, type EncoderLoadOptions } from '../encoder/index.browser.js';
import type { SentenceEncoder } from '../encoder/types.js';
import { UserError } from '../errors.js';
import { sha256Hex } from '../utils/hash.js';
import { MANIFEST_FILE, type Manifest } from './format.js';
import { MultiTaskModelCore, type CreateOptions, type LoadOptions } from './model-core.js';

export { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, WEIGHTS_FILE, type EncoderIdentity, type Manifest } from './format.js';
export type { CreateOptions, KnownTaskIO, LoadOptions, PredictOptions, SyntheticEncoder } from './model-core.js';

export interface BrowserPretrainedOptions extends Omit<LoadOptions, 'encoder'> {
  /**
   * The encoder: an Encoder object, the URL of the encoder folder (or a hub id), or null for the
   * weights alone. Default: a fine-tuned encoder saved with the model, from the model folder; the
   * manifest's hub id, when the model was trained on a hub encoder; a model trained on a local folder
   * needs its URL here (`mtl serve` serves it at `/encoder/`).
   */
  encoder?: SentenceEncoder | string | null;
  /** Encoder load options (device: auto = WebGPU, else wasm; threads; logger). */
  encoderOptions?: Pick<EncoderLoadOptions, 'device' | 'threads' | 'logger' | 'batchTokens' | 'maxBatchSize'>;
  /** fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
}

async function getBytes(url: string, doFetch: typeof fetch): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await doFetch(url);
  } catch (err) {
    throw new UserError(`GET ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new UserError(`GET ${url}: HTTP ${res.status}${res.status === 404 ? ' (not a saved model folder?)' : ''}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** `base` as a folder URL (trailing slash), absolute against the page. */
function folderUrl(base: string): string {
  const abs = typeof location !== 'undefined' ? new URL(base, location.href).href : new URL(base).href;
  return abs.endsWith('/') ? abs : `${abs}/`;
}

/**
 * The encoder a saved model names, as something the browser can open: the folder next to the manifest
 * (an encoder fine-tuned and saved with the model, under `base`), a hub id, or null.
 */
function browserEncoderRef(identity: Manifest['encoder'], base: string): string | null {
  const path = identity.path;
  if (identity.files && path && !/^[a-z]+:|^[/\\]/i.test(path) && !path.split(/[/\\]/).includes('..'))
    return new URL(`${path}/`, base).href;
  const id = identity.id;
  // fixture:<variant> and mtl:<name> are generated / shipped folders of the Node package
  if (id && !id.startsWith('fixture:') && !id.startsWith('mtl:')) return id;
  const m = identity.model;
  if (/^https?:\/\//.test(m)) return m;
  if (!id && /^[\w.-]+\/[\w.-]+$/.test(m) && !m.startsWith('.')) return m; // a hub id recorded as the model
  return null;
}

export class MultiTaskModel extends MultiTaskModelCore {
  static override async create(opts: CreateOptions): Promise<MultiTaskModel> {
    return new MultiTaskModel(opts, await MultiTaskModelCore.backendFor(opts));
  }

  /**
   * A saved model from a folder URL (relative to the page or absolute): fetches `manifest.json` and
   * the weights, checks the weights' size, sha256 and shapes, opens the encoder (see
   * {@link BrowserPretrainedOptions.encoder}) and checks its sha256 against the manifest.
   * @example
   * const model = await MultiTaskModel.fromPretrained('/model/', { encoder: '/encoder/' }); // what `mtl serve` serves
   * await model.predict('sentiment', ['a warm , funny film .'])
   * // [{ label: 'positive', score: 0.9929, probabilities: { negative: 0.0071, positive: 0.9929 }, index: 1 }]: as in Node
   */
  static async fromPretrained(url: string, options: BrowserPretrainedOptions = {}): Promise<MultiTaskModel> {
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    const base = folderUrl(url);
    const manifestUrl = new URL(MANIFEST_FILE, base).href;
    const text = new TextDecoder().decode(await getBytes(manifestUrl, doFetch));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UserError(`${manifestUrl}: not valid JSON (${(err as Error).message})`);
    }
    const manifest = MultiTaskModelCore.checkManifest(json, manifestUrl);
    const weightsUrl = new URL(manifest.weights.file, base).href;
    const bytes = await getBytes(weightsUrl, doFetch);
    const tensors = MultiTaskModelCore.decodeWeights(bytes, manifest, weightsUrl, await sha256Hex(bytes));

    const { encoder: given, encoderOptions, fetch: _fetch, ...rest } = options;
    let encoder: SentenceEncoder | undefined;
    if (given !== null && typeof given === 'object') encoder = given;
    else if (given !== null && manifest.encoder.sha256 !== null) {
      const ref = given ?? browserEncoderRef(manifest.encoder, base);
      if (ref === null) {
        throw new UserError(
          `${manifestUrl}: the model was trained on the encoder ${manifest.encoder.id ?? manifest.encoder.model}, which a browser cannot open by that name; ` +
            `pass its folder's URL as { encoder: 'https://…/encoder' } (\`mtl serve\` serves it at /encoder/), or { encoder: null } for the weights alone`,
        );
      }
      const e = manifest.encoder;
      const load: EncoderLoadOptions = { ...(encoderOptions ?? {}) };
      if (e.dtype) load.dtype = e.dtype as EncoderLoadOptions['dtype'];
      if (e.pooling) load.pooling = (e.pooling === 'sentence_embedding' ? 'auto' : e.pooling) as EncoderLoadOptions['pooling'];
      if (e.normalize !== null) load.normalize = e.normalize;
      if (e.maxLength != null) load.maxLength = e.maxLength;
      if (e.layer != null) load.layer = e.layer;
      const absolute = /^[a-z]+:\/\//i.test(ref) || ref.startsWith('/') || ref.startsWith('.') ? folderUrl(ref).replace(/\/$/, '') : ref;
      encoder = await Encoder.load(absolute, load);
    }
    try {
      return await MultiTaskModelCore.fromSaved((o) => MultiTaskModel.create(o), manifest, tensors, {
        ...rest,
        ...(encoder ? { encoder } : {}),
        source: weightsUrl,
      });
    } catch (err) {
      if (encoder && encoder !== given) await (encoder as Encoder).dispose?.();
      throw err;
    }
  }
}
