/**
 * Plots for reports, rendered headless: Vega-Lite spec → Vega → SVG (no canvas needed) → PNG with
 * resvg. Each *Spec function builds a Vega-Lite spec from plain rows so callers stay declarative.
 *
 * The three renderers are optional peer dependencies (only the benchmarks and examples draw): they
 * are imported on first use, and a missing one is a UserError naming what to install.
 */
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../utils/fs.js';

/** The plotting packages, at the versions this package is tested with. */
export const PLOT_PACKAGES = { vega: '6.4.0', 'vega-lite': '6.4.0', '@resvg/resvg-js': '2.6.2' } as const;

type Importer = (name: string) => Promise<unknown>;
// a variable specifier: bundlers and the type checker leave the optional packages alone
const importOptional: Importer = (name) => import(/* @vite-ignore */ name);

/** Loads vega, vega-lite and resvg, or explains which to install. */
export async function loadPlotting(
  importer: Importer = importOptional,
): Promise<{ vega: typeof import('vega'); vl: typeof import('vega-lite'); Resvg: typeof import('@resvg/resvg-js').Resvg }> {
  const missing: string[] = [];
  const load = async <T>(name: keyof typeof PLOT_PACKAGES): Promise<T | null> => {
    try {
      return (await importer(name)) as T;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (
        code === 'ERR_MODULE_NOT_FOUND' ||
        code === 'MODULE_NOT_FOUND' ||
        /Cannot find (module|package)/.test(String((err as Error).message))
      ) {
        missing.push(name);
        return null;
      }
      throw err;
    }
  };
  const [vega, vl, resvg] = await Promise.all([
    load<typeof import('vega')>('vega'),
    load<typeof import('vega-lite')>('vega-lite'),
    load<typeof import('@resvg/resvg-js')>('@resvg/resvg-js'),
  ]);
  if (!vega || !vl || !resvg) {
    const line = missing.map((m) => `${m}@${PLOT_PACKAGES[m as keyof typeof PLOT_PACKAGES]}`).join(' ');
    throw new UserError(`plots need ${missing.join(', ')} (optional dependencies of mtl-nlp, not installed here): npm install ${line}`);
  }
  return { vega, vl, Resvg: resvg.Resvg };
}

type Spec = Record<string, unknown>;
const WIDTH = 520;
const HEIGHT = 260;

export interface RenderedPlot {
  svg: string;
  png: Uint8Array;
}

/**
 * Render a Vega-Lite spec to SVG and PNG; with `outBase`, write `<outBase>.svg` and `.png`.
 * @example
 * const { svg, png } = await renderVegaLite(learningCurvesSpec(rows), 'runs/loss'); // writes runs/loss.svg and .png
 * svg.slice(0, 4) // '<svg'
 * png.length // 39547 (bytes of a 2x PNG)
 */
export async function renderVegaLite(spec: Spec, outBase?: string): Promise<RenderedPlot> {
  const { vega, vl, Resvg } = await loadPlotting();
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
  if (outBase) {
    await writeFileAtomic(`${outBase}.svg`, svg);
    await writeFileAtomic(`${outBase}.png`, png);
  }
  return { svg, png };
}

/**
 * Training loss (or any metric) per task over steps, one line per task.
 * @example
 * learningCurvesSpec([{ step: 1, task: 'sentiment', value: 0.7 }, { step: 2, task: 'sentiment', value: 0.5 }])
 * // { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: 'Training loss', width: 520, height: 260,
 * //   data: { values: [{ step: 1, task: 'sentiment', value: 0.7 }, …] }, mark: { type: 'line', interpolate: 'monotone' }, … }
 */
export function learningCurvesSpec(rows: { step: number; task: string; value: number }[], title = 'Training loss', yTitle = 'loss'): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'monotone' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'task', type: 'nominal', title: 'task' },
    },
  };
}

/**
 * λᵢ over training steps, one line per task.
 * @example
 * lambdaSpec([{ step: 1, task: 'sentiment', lambda: 1 }])
 * // { title: 'Loss weights λ over training', data: { values: [{ step: 1, task: 'sentiment', value: 1 }] }, mark: { type: 'line', … }, … }
 */
export function lambdaSpec(rows: { step: number; task: string; lambda: number }[], title = 'Loss weights λ over training'): Spec {
  return learningCurvesSpec(
    rows.map((r) => ({ step: r.step, task: r.task, value: r.lambda })),
    title,
    'λ',
  );
}

/**
 * Per-task metric of each system (models and baselines) as grouped bars. `options.labels` writes each
 * bar's value on it (with `format`, d3 style); `options.targets` (by `task · metric`) draws a dashed
 * rule at that panel's target and names it in the panel's header.
 * @example
 * metricBarsSpec([{ task: 'sentiment', system: 'mtl', value: 0.81, metric: 'accuracy' }])
 * // { title: 'Dev metrics against baselines', data: { values: [{ …, label: 'sentiment · accuracy' }] },
 * //   facet: { column: { field: 'label', … } }, … } (one panel per task and metric)
 */
export function metricBarsSpec(
  rows: { task: string; system: string; value: number; metric: string }[],
  title = 'Dev metrics against baselines',
  options: { labels?: boolean; format?: string; targets?: Record<string, number> } = {},
): Spec {
  const label = (r: { task: string; metric: string }) => `${r.task} · ${r.metric}`;
  const targets = options.targets ?? {};
  const encoding = {
    // whole names: variants that differ only at the end (", encoder layer 4 of 6") must stay apart
    x: { field: 'system', type: 'nominal', title: null, sort: null, axis: { labelLimit: 600 } },
    y: { field: 'value', type: 'quantitative', title: null },
  };
  const bars = {
    mark: 'bar',
    encoding: {
      ...encoding,
      color: { field: 'system', type: 'nominal', legend: null },
      tooltip: [{ field: 'system' }, { field: 'value', format: '.3f' }],
    },
  };
  const layers: Spec[] = [bars];
  if (options.labels)
    layers.push({
      mark: { type: 'text', dy: -6, fontSize: 10 },
      encoding: { ...encoding, text: { field: 'value', type: 'quantitative', format: options.format ?? '.3~f' } },
    });
  // the target's value goes into the panel's header, so no label crowds the bars
  if (Object.keys(targets).length)
    layers.push({
      mark: { type: 'rule', strokeDash: [6, 4], color: '#333333' },
      encoding: { y: { field: 'target', type: 'quantitative', aggregate: 'max' } },
    });
  const data = rows.map((r) => {
    const t = targets[label(r)];
    return t === undefined ? { ...r, label: label(r) } : { ...r, label: `${label(r)} (target ${t})`, target: t };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: data },
    facet: { column: { field: 'label', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: layers.length === 1 ? { width: 160, height: HEIGHT, ...bars } : { width: 160, height: HEIGHT, layer: layers },
  };
}

/**
 * Ratios of several systems per group (e.g. speed-ups over a peer per text mix) as grouped bars, each
 * labelled with its value, with an optional dashed rule at a target.
 */
export function ratioBarsSpec(
  rows: { group: string; system: string; value: number }[],
  options: { title: string; yTitle: string; target?: { value: number; label: string } },
): Spec {
  const bars: Spec = {
    data: { values: rows },
    encoding: {
      x: { field: 'group', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'system', type: 'nominal', sort: null },
      y: { field: 'value', type: 'quantitative', title: options.yTitle },
    },
    layer: [
      {
        mark: 'bar',
        encoding: {
          color: { field: 'system', type: 'nominal', title: null, sort: null, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } },
        },
      },
      { mark: { type: 'text', dy: -6, fontSize: 10 }, encoding: { text: { field: 'value', type: 'quantitative', format: '.2f' } } },
    ],
  };
  const layer: Spec[] = [bars];
  if (options.target) {
    layer.push({
      data: { values: [options.target] },
      layer: [
        { mark: { type: 'rule', strokeDash: [6, 4], color: '#333333' }, encoding: { y: { field: 'value', type: 'quantitative' } } },
        {
          mark: { type: 'text', align: 'right', dy: -6, color: '#333333', x: 'width' },
          encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
        },
      ],
    });
  }
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: options.title, width: WIDTH, height: HEIGHT, layer };
}

/**
 * A labelled matrix (e.g. the cross-stitch task-relation matrix) as an annotated heatmap.
 * @example
 * heatmapSpec([[1, 0.2], [0.2, 1]], ['a', 'b'])
 * // { title: 'Task relations', width: 120, height: 120,
 * //   data: { values: [{ row: 'a', col: 'a', value: 1 }, { row: 'a', col: 'b', value: 0.2 }, …] }, … }
 */
export function heatmapSpec(matrix: number[][], rowLabels: string[], colLabels: string[] = rowLabels, title = 'Task relations'): Spec {
  const values = matrix.flatMap((row, i) => row.map((v, j) => ({ row: rowLabels[i], col: colLabels[j], value: v })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 60 * colLabels.length,
    height: 60 * rowLabels.length,
    data: { values },
    encoding: {
      x: { field: 'col', type: 'nominal', title: 'from task', sort: colLabels },
      y: { field: 'row', type: 'nominal', title: 'to task', sort: rowLabels },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', scale: { scheme: 'blues' } } } },
      { mark: { type: 'text', fontSize: 12 }, encoding: { text: { field: 'value', type: 'quantitative', format: '.2f' } } },
    ],
  };
}
