/**
 * The demo page of `mtl serve --model DIR`: a saved multitask model in the browser, with the
 * package's public browser API only. The encoder runs on onnxruntime-web (WebGPU, else wasm), the
 * shared layers and task heads on TensorFlow.js (wasm; `?backend=webgl` in a page that registers
 * `@tensorflow/tfjs-backend-webgl`).
 *
 * The server (src/cli/serve.ts) answers /config.json with the URLs of the model folder, the encoder
 * folder and the .wasm files. URL parameters, all optional: `device` (auto | webgpu | wasm, the
 * encoder's execution provider), `backend` (auto | wasm | webgl | cpu, TensorFlow.js), `model` and
 * `encoder` (other URLs than the server's), `autorun=0` (wait for the button instead of running the
 * examples once loaded).
 *
 * `window.mtlDemo` holds the last results at full precision (the browser test compares them with
 * the Node build).
 */
import {
  MultiTaskModel,
  setOrtWasmPaths,
  setTfjsWasmPaths,
  splitSentences,
  toDa,
  type DaScale,
  type BackendPreference,
  type Device,
  type SentimentPrediction,
  type SummarizationPrediction,
} from 'mtl-nlp';

interface ServerConfig {
  model: string;
  encoder: string | null;
  ort: string;
  tfjs: string;
}

export interface DemoResults {
  sentiment?: { texts: string[]; predictions: SentimentPrediction[]; ms: number };
  translation?: { pairs: { source: string; translation: string }[]; scores: number[]; ms: number };
  summary?: { sentences: string[]; prediction: SummarizationPrediction; ms: number };
}

export interface DemoState {
  /** Encoder execution provider and TensorFlow.js backend in use. */
  device: string;
  backend: string;
  loadMs: number;
  runs: number;
  results: DemoResults;
  error?: string;
}

declare global {
  interface Window {
    mtlDemo: DemoState;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const el = (tag: string, cls?: string, text?: string) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const lines = (id: string) =>
  $<HTMLTextAreaElement>(id)
    .value.split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const ms = (t0: number) => Math.round(performance.now() - t0);

const params = new URLSearchParams(window.location.search);
const state: DemoState = { device: '', backend: '', loadMs: 0, runs: 0, results: {} };
window.mtlDemo = state;

/** The task of each built-in type (the model may have any subset, under any names). */
function taskOf(model: MultiTaskModel, type: string): string | undefined {
  return model.taskNames.find((n) => model.task(n).type === type);
}

async function load(): Promise<MultiTaskModel> {
  const t0 = performance.now();
  const config = (await (await fetch('config.json')).json()) as ServerConfig;
  setOrtWasmPaths(config.ort);
  setTfjsWasmPaths(config.tfjs);
  const encoder = params.get('encoder') ?? config.encoder;
  $('status').textContent = 'loading the model and the encoder…';
  const model = await MultiTaskModel.fromPretrained(params.get('model') ?? config.model, {
    ...(encoder ? { encoder } : {}),
    encoderOptions: { device: (params.get('device') ?? 'auto') as Device },
    backend: (params.get('backend') ?? 'auto') as BackendPreference,
  });
  state.loadMs = ms(t0);
  state.device = model.encoder?.info.device ?? 'none';
  state.backend = model.backend;
  $('status').textContent =
    `encoder ${model.encoderIdentity.id ?? model.encoderIdentity.model.split('/').pop()} on onnxruntime-web/${state.device} · ` +
    `heads on TensorFlow.js/${state.backend} · tasks: ${model.taskNames.join(', ')} · loaded in ${state.loadMs} ms`;
  for (const [panel, type] of [
    ['sentiment-panel', 'sentiment'],
    ['translation-panel', 'translation-quality'],
    ['summary-panel', 'summarization'],
  ] as const) {
    if (!taskOf(model, type)) $(panel).hidden = true;
  }
  return model;
}

function showSentiment(texts: string[], predictions: SentimentPrediction[]): void {
  const out = $('sentiment-result');
  out.replaceChildren();
  texts.forEach((text, i) => {
    const p = predictions[i]!;
    const item = out.appendChild(el('div', 'item'));
    item.appendChild(el('div', 'text', text));
    item.appendChild(el('div', 'label', `${String(p.label)} (${p.score.toFixed(3)})`));
    for (const [label, prob] of Object.entries(p.probabilities)) {
      const bar = item.appendChild(el('div', 'bar'));
      bar.appendChild(el('span', '', label)).style.minWidth = '5em';
      bar.appendChild(el('span', 'fill')).style.width = `${Math.round(prob * 160)}px`;
      bar.appendChild(el('span', '', prob.toFixed(3)));
    }
  });
}

function showTranslation(pairs: { source: string; translation: string }[], scores: number[], scale: DaScale | null): void {
  const out = $('translation-result');
  out.replaceChildren();
  pairs.forEach((pair, i) => {
    const item = out.appendChild(el('div', 'item'));
    item.appendChild(el('div', 'text', `${pair.source} → ${pair.translation}`));
    // the model predicts the z-score of the DA rating; the 0–100 DA scale when the model records it
    const z = scores[i]!;
    item.appendChild(
      el(
        'div',
        'score',
        `quality: z-score ${z.toFixed(3)} (0 = an average translation)${scale ? ` · DA ≈ ${toDa(z, scale).toFixed(0)} / 100` : ''}`,
      ),
    );
  });
}

function showSummary(sentences: string[], prediction: SummarizationPrediction): void {
  const out = $('summary-result');
  out.replaceChildren();
  const picked = new Map(prediction.sentences.map((s) => [s.index, s.score]));
  const para = out.appendChild(el('p'));
  sentences.forEach((s, i) => {
    const span = para.appendChild(el('span', picked.has(i) ? 'sent picked' : 'sent', s));
    span.title = `sentence ${i + 1}: score ${(prediction.scores[i] ?? NaN).toFixed(3)}`;
    para.appendChild(document.createTextNode(' '));
  });
  out.appendChild(el('div', 'timing', `${prediction.sentences.length} of ${sentences.length} sentences selected (highlighted)`));
}

async function runAll(model: MultiTaskModel): Promise<void> {
  const timings: string[] = [];
  const results: DemoResults = {};
  const sentimentTask = taskOf(model, 'sentiment');
  if (sentimentTask) {
    const texts = lines('sentiment-input');
    const t0 = performance.now();
    const predictions = await model.sentiment(texts, { task: sentimentTask });
    results.sentiment = { texts, predictions, ms: ms(t0) };
    showSentiment(texts, predictions);
    timings.push(`sentiment ${results.sentiment.ms} ms`);
  }
  const qualityTask = taskOf(model, 'translation-quality');
  if (qualityTask) {
    const sources = lines('source-input');
    const translations = lines('translation-input');
    if (sources.length !== translations.length)
      throw new Error(`${sources.length} source lines but ${translations.length} translation lines`);
    const pairs = sources.map((source, i) => ({ source, translation: translations[i]! }));
    const t0 = performance.now();
    const scores = await model.scoreTranslation(pairs, { task: qualityTask });
    results.translation = { pairs, scores, ms: ms(t0) };
    showTranslation(pairs, scores, (model.task(qualityTask) as { daScale?: DaScale | null }).daScale ?? null);
    timings.push(`translation quality ${results.translation.ms} ms`);
  }
  const summaryTask = taskOf(model, 'summarization');
  if (summaryTask) {
    const sentences = splitSentences($<HTMLTextAreaElement>('article-input').value);
    const n = Math.max(1, Number($<HTMLInputElement>('summary-sentences').value) || 3);
    const t0 = performance.now();
    const prediction = await model.summarize(sentences, { task: summaryTask, sentences: n });
    results.summary = { sentences, prediction, ms: ms(t0) };
    showSummary(sentences, prediction);
    timings.push(`summary ${results.summary.ms} ms`);
  }
  state.results = results;
  state.runs++;
  $('timings').textContent = `${timings.join(' · ')} (encoder + heads; first run includes warm-up)`;
  document.body.dataset.runs = String(state.runs);
}

function fail(err: unknown): void {
  state.error = err instanceof Error ? err.message : String(err);
  const s = $('status');
  s.textContent = `error: ${state.error}`;
  s.className = 'error';
  document.body.dataset.error = '1';
}

const ready = load();
ready
  .then(async (model) => {
    $('run').addEventListener('click', () => {
      runAll(model).catch(fail);
    });
    document.body.dataset.ready = '1';
    if (params.get('autorun') !== '0') await runAll(model);
  })
  .catch(fail);
