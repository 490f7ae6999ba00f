import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heatmapSpec, lambdaSpec, learningCurvesSpec, metricBarsSpec, renderVegaLite } from '../../src/report/plots.js';

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
    const lam = await renderVegaLite(lambdaSpec([{ step: 1, task: 'a', lambda: 0.5 }, { step: 2, task: 'a', lambda: 0.7 }]));
    expect(lam.svg).toContain('λ');
    const bars = await renderVegaLite(
      metricBarsSpec([
        { task: 'sentiment', metric: 'accuracy', system: 'joint', value: 0.8 },
        { task: 'sentiment', metric: 'accuracy', system: 'majority', value: 0.5 },
      ]),
    );
    expect(bars.svg).toContain('majority');
    const heat = await renderVegaLite(heatmapSpec([[0.9, 0.1], [0.25, 0.75]], ['a', 'b']));
    // the cell annotations are the matrix values
    for (const v of ['0.90', '0.10', '0.25', '0.75']) expect(heat.svg).toContain(v);
  });
});

describe('plotting packages are optional', () => {
  it('a missing renderer is a UserError naming the packages and the install line', async () => {
    const { loadPlotting } = await import('../../src/report/plots.js');
    const missing = async (name: string): Promise<unknown> => {
      if (name === 'vega') return import('vega');
      throw Object.assign(new Error(`Cannot find package '${name}' imported from x`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    await expect(loadPlotting(missing)).rejects.toThrow(/plots need vega-lite, @resvg\/resvg-js .*npm install vega-lite@6\.4\.0 @resvg\/resvg-js@2\.6\.2/);
    await expect(loadPlotting(missing)).rejects.toHaveProperty('name', 'UserError');
    // other failures are not disguised as a missing package
    await expect(loadPlotting(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const ok = await loadPlotting();
    expect(typeof ok.Resvg).toBe('function');
  });
});
