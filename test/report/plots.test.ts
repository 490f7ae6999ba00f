import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heatmapSpec, lambdaSpec, learningCurvesSpec, metricBarsSpec, ratioBarsSpec, renderVegaLite } from '../../src/report/plots.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

describe('plots', () => {
  it('renders learning curves to SVG and PNG files', async () => {
    const rows = [0, 10, 20].flatMap((step) => [
      { step, task: 'sentiment', value: 1 / (step + 1) },
      { step, task: 'summarization', value: 2 / (step + 1) },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'mtl-plot-'));
    const { svg, png } = await renderVegaLite(learningCurvesSpec(rows), join(dir, 'curves'));
    expect(svg).toContain('<svg');
    expect(svg).toContain('Training loss');
    expect(svg).toContain('summarization');
    expect([...png.slice(0, 4)]).toEqual(PNG_MAGIC);
    expect(existsSync(join(dir, 'curves.svg'))).toBe(true);
    expect([...readFileSync(join(dir, 'curves.png')).subarray(0, 4)]).toEqual(PNG_MAGIC);
  });

  it('renders λ lines, metric bars and an annotated heatmap', async () => {
    const lam = await renderVegaLite(
      lambdaSpec([
        { step: 1, task: 'a', lambda: 0.5 },
        { step: 2, task: 'a', lambda: 0.7 },
      ]),
    );
    expect(lam.svg).toContain('λ');
    const bars = await renderVegaLite(
      metricBarsSpec([
        { task: 'sentiment', metric: 'accuracy', system: 'joint', value: 0.8 },
        { task: 'sentiment', metric: 'accuracy', system: 'majority', value: 0.5 },
      ]),
    );
    expect(bars.svg).toContain('majority');
    const heat = await renderVegaLite(
      heatmapSpec(
        [
          [0.9, 0.1],
          [0.25, 0.75],
        ],
        ['a', 'b'],
      ),
    );
    // the cell annotations are the matrix values
    for (const v of ['0.90', '0.10', '0.25', '0.75']) expect(heat.svg).toContain(v);
  });
});

describe('ratio bars', () => {
  it('labels each bar with its value and draws the target rule at its height', async () => {
    const rows = [
      { group: 'short', system: 'ours', value: 1.85 },
      { group: 'short', system: 'bound', value: 2.23 },
      { group: 'long', system: 'ours', value: 2.2 },
      { group: 'long', system: 'bound', value: 2.65 },
    ];
    const spec = ratioBarsSpec(rows, { title: 'speed', yTitle: '× peer', target: { value: 2, label: 'target 2x' } });
    const { svg } = await renderVegaLite(spec);
    for (const v of ['1.85', '2.23', '2.20', '2.65', 'target 2x', 'short', 'long', 'bound']) expect(svg).toContain(v);
    // the dashed rule is horizontal and at the height of the axis' 2.0 tick (its label sits 3 px lower)
    const rule = /<line[^>]*translate\(([\d.]+),([\d.]+)\)"[^>]*y2="0"[^>]*stroke-dasharray="6,4"/.exec(svg);
    expect(rule, 'a dashed horizontal rule').not.toBeNull();
    const tick = (label: string) => Number(new RegExp(`translate\\(-?[\\d.]+,([\\d.]+)\\)"[^>]*>${label}</text>`).exec(svg)![1]);
    expect(Math.abs(tick('2.0') - 3 - Number(rule![2]))).toBeLessThan(0.5);
    expect(Math.abs(tick('1.5') - 3 - Number(rule![2]))).toBeGreaterThan(10);
    const without = await renderVegaLite(ratioBarsSpec(rows, { title: 'speed', yTitle: '× peer' }));
    expect(without.svg).not.toContain('stroke-dasharray="6,4"');
    expect(without.svg).not.toContain('target 2x');
  });
});

describe('metric bars with values and targets', () => {
  it('writes each value on its bar and draws a dashed target rule in the panels that have one', async () => {
    const rows = [
      { task: 'sentiment', metric: 'accuracy', system: 'frozen', value: 0.784 },
      { task: 'sentiment', metric: 'accuracy', system: 'fine-tuned', value: 0.797 },
      { task: 'summarization', metric: 'rouge2', system: 'frozen', value: 42.85 },
      { task: 'summarization', metric: 'rouge2', system: 'fine-tuned', value: 43.19 },
    ];
    const { svg } = await renderVegaLite(metricBarsSpec(rows, 'dev', { labels: true, targets: { 'sentiment · accuracy': 0.84 } }));
    for (const v of ['0.784', '0.797', '42.85', '43.19', 'sentiment · accuracy (target 0.84)']) expect(svg).toContain(v);
    expect(svg).not.toContain('rouge2 (target');
    // one rule: the summarization panel has no target
    const rules = [...svg.matchAll(/<line[^>]*translate\(([\d.]+),([\d.]+)\)"[^>]*y2="0"[^>]*stroke-dasharray="6,4"/g)];
    expect(rules.length).toBe(1);
    // the rule sits above the bars' tops: 0.84 is above both sentiment values (smaller y is higher)
    const tops = [...svg.matchAll(/<path[^>]*aria-label="system: (?:frozen|fine-tuned); value: 0\.[0-9]+"[^>]*d="M[\d.]+,([\d.]+)/g)].map(
      (m) => Number(m[1]),
    );
    expect(tops.length).toBe(2);
    for (const t of tops) expect(Number(rules[0]![2])).toBeLessThan(t);
    const plain = await renderVegaLite(metricBarsSpec(rows, 'dev'));
    expect(plain.svg).not.toContain('stroke-dasharray="6,4"');
    expect(plain.svg).not.toContain('0.797<');
  });
});

describe('plotting packages are optional', () => {
  it('a missing renderer is a UserError naming the packages and the install line', async () => {
    const { loadPlotting } = await import('../../src/report/plots.js');
    const missing = async (name: string): Promise<unknown> => {
      if (name === 'vega') return import('vega');
      throw Object.assign(new Error(`Cannot find package '${name}' imported from x`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    await expect(loadPlotting(missing)).rejects.toThrow(
      /plots need vega-lite, @resvg\/resvg-js .*npm install vega-lite@6\.4\.0 @resvg\/resvg-js@2\.6\.2/,
    );
    await expect(loadPlotting(missing)).rejects.toHaveProperty('name', 'UserError');
    // other failures are not disguised as a missing package
    await expect(loadPlotting(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const ok = await loadPlotting();
    expect(typeof ok.Resvg).toBe('function');
  });
});
