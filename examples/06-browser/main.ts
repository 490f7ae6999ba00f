/**
 * The Encoder in a web page: embeds the lines of a textarea and shows their cosine similarities.
 * Bundle and serve (README.md in this folder):
 *
 *   npx esbuild examples/06-browser/main.ts --bundle --format=esm --outfile=examples/06-browser/main.js
 *   npx http-server examples/06-browser   (any static server)
 *
 * URL parameters, all optional: `model` (hub id or a folder name under `host`; default
 * Xenova/all-MiniLM-L6-v2), `host` + `path` (transformers.js' env.remoteHost / remotePathTemplate, to
 * serve models yourself), `ort` (where onnxruntime-web's .wasm files are; default: transformers.js'
 * CDN), `device` (auto | webgpu | wasm).
 */
import { env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-web/webgpu';
import { Encoder, type Device } from 'mtl-nlp';

const params = new URLSearchParams(window.location.search);
const model = params.get('model') ?? 'Xenova/all-MiniLM-L6-v2';
const device = (params.get('device') ?? 'auto') as Device;
if (params.has('host')) {
  env.allowLocalModels = false;
  env.remoteHost = new URL(params.get('host')!, window.location.href).href;
  env.remotePathTemplate = params.get('path') ?? '{model}/';
}
if (params.has('ort')) ort.env.wasm.wasmPaths = new URL(params.get('ort')!, window.location.href).href;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (s: string) => ($('status').textContent = s);

let encoder: Promise<Encoder> | undefined;

async function run(): Promise<void> {
  const texts = $<HTMLTextAreaElement>('texts')
    .value.split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  status(`loading ${model}…`);
  encoder ??= Encoder.load(model, { device, pooling: 'mean', normalize: true });
  const enc = await encoder;
  const t0 = performance.now();
  const { dims, data } = await enc.encode(texts, { onProgress: ({ done, total }) => status(`encoding ${done}/${total}…`) });
  const d = dims[1];
  // normalize: true makes every vector unit length, so a dot product is the cosine similarity
  const cosine = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += data[i * d + k]! * data[j * d + k]!;
    return s;
  };
  const table = $<HTMLTableElement>('result');
  table.replaceChildren();
  const head = table.insertRow();
  head.appendChild(document.createElement('th'));
  texts.forEach((_, j) => (head.appendChild(document.createElement('th')).textContent = String(j + 1)));
  texts.forEach((t, i) => {
    const row = table.insertRow();
    const th = row.appendChild(document.createElement('th'));
    th.textContent = `${i + 1}. ${t}`;
    th.style.textAlign = 'left';
    texts.forEach((_, j) => {
      const cell = row.insertCell();
      cell.textContent = cosine(i, j).toFixed(3);
    });
  });
  status(`${texts.length} sentences, ${d} dimensions, ${enc.info.device}, ${(performance.now() - t0).toFixed(0)} ms`);
  document.body.dataset.done = enc.info.device;
}

$('run').addEventListener('click', () => {
  run().catch((err: unknown) => {
    status(`error: ${err instanceof Error ? err.message : String(err)}`);
    document.body.dataset.error = '1';
  });
});
