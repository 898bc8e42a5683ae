import { describe, expect, it } from 'vitest';
import {
  chartId,
  confusionMatrixSvg,
  downsampleIndices,
  histogramSvg,
  MAX_SCATTER_POINTS,
  metricVsFractionSvg,
  niceRange,
  parityPlotSvg,
  residualHistogramSvg,
  rocCurveSvg,
  taskWeightsSvg,
  trainingLossSvg,
  validationMaeSvg,
} from '../../src-main/core/report';
import { buildRunReport, gaussian, mulberry32 } from '../fixtures/report/fixtures';

const task = { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' };

function synthetic(n: number, seed = 3): { t: number[]; p: number[] } {
  const g = gaussian(mulberry32(seed));
  const t: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = -1.5 + g();
    t.push(v);
    p.push(v + 0.05 * g());
  }
  return { t, p };
}

/** Static-SVG guarantees shared by every chart. */
function expectStaticSvg(svg: string, id: string): void {
  expect(svg.startsWith(`<svg id="${id}" class="chart" role="img"`)).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
  expect(svg).not.toMatch(/https?:\/\//);
  expect(svg).not.toMatch(/<script|<style|\bzr\d+-|ecmeta_|<animate/);
  expect(svg).not.toMatch(/<[^>]*\son[a-z]+=/i);
}

describe('charts', () => {
  it('parity plot: equal axes, units, MAE and R² in the title, y = x line, deterministic', () => {
    const { t, p } = synthetic(800);
    const a = parityPlotSvg({ id: 'fig-parity', task, yTrue: t, yPred: p, mae: 0.0401, r2: 0.9876 });
    const b = parityPlotSvg({ id: 'fig-parity', task, yTrue: t, yPred: p, mae: 0.0401, r2: 0.9876 });
    expect(a.svg).toBe(b.svg);
    expectStaticSvg(a.svg, 'fig-parity');
    expect(a.svg).toContain('>DFT (eV/atom)<');
    expect(a.svg).toContain('>Predicted (eV/atom)<');
    expect(a.svg).toContain('MAE 0.0401 eV/atom · R² 0.988 · n = 800');
    expect(a.svg).toContain('stroke-dasharray'); // the y = x line
    expect(a.shown).toBe(800);
    expect(a.svg).toMatch(/^<svg[^>]* width="332" height="\d+"/);
  });

  it('parity plot: skips missing labels and downsamples deterministically above the limit, keeping the worst errors', () => {
    const { t, p } = synthetic(12_000);
    const yTrue: (number | null)[] = [...t];
    yTrue[5] = null;
    p[77] = t[77] + 9; // the single worst prediction
    const r = parityPlotSvg({ id: 'big', task, yTrue, yPred: p, mae: 0.05, r2: 0.99 });
    expect(r.total).toBe(11_999);
    expect(r.shown).toBe(MAX_SCATTER_POINTS);
    const idx = downsampleIndices(12_000, 5000, (i) => Math.abs(p[i] - t[i]));
    expect(idx).toHaveLength(5000);
    expect(idx).toContain(77);
    expect(new Set(idx).size).toBe(5000);
    expect(downsampleIndices(12_000, 5000, (i) => Math.abs(p[i] - t[i]))).toEqual(idx);
    expect(downsampleIndices(10, 50)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // the SVG stays small: one compound path of squares
    expect(r.svg.length).toBeLessThan(250_000);
  });

  it('escapes text that reaches the SVG', () => {
    const evil = { name: '<img src=x onerror=alert(1)>', unit: '<b>' };
    const { t, p } = synthetic(50);
    const { svg } = parityPlotSvg({ id: 'x', task: evil, yTrue: t, yPred: p, mae: 0.1, r2: 0.9 });
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(chartId('fig 1/<x>')).toBe('fig-1-x');
    expect(chartId('1abc')).toBe('c-1abc');
  });

  it('residual histogram, ROC, confusion matrix, training curves and learning curves render', () => {
    const { report } = buildRunReport(7, 600);
    const bg = report.metrics.tasks.band_gap_eV;
    const pb = report.predictions.perTask.band_gap_eV;
    const tasks = report.model.tasks;
    const res = residualHistogramSvg({ id: 'res', task: { name: 'band_gap_eV', unit: 'eV' }, yTrue: pb.true, yPred: pb.pred });
    expectStaticSvg(res, 'res');
    expect(res).toContain('Predicted − DFT (eV)');
    const roc = rocCurveSvg({ id: 'roc', task: tasks[1], fpr: report.roc!.band_gap_eV.fpr, tpr: report.roc!.band_gap_eV.tpr, auc: bg.roc_auc ?? null, thresholdEv: 0.025, confusion: bg.confusion });
    expectStaticSvg(roc, 'roc');
    expect(roc).toContain(`Model (AUC = ${bg.roc_auc!.toFixed(3)})`);
    expect(roc).toContain('Chance (AUC = 0.500)');
    expect(roc).toContain('False-positive rate');
    const cm = confusionMatrixSvg({ id: 'cm', task: tasks[1], confusion: { tp: 1301, fp: 432, tn: 724, fn: 72 }, thresholdEv: 0.025 });
    expectStaticSvg(cm, 'cm');
    for (const s of ['TP', 'FP', 'TN', 'FN', '1,301', '724', 'Predicted class', 'DFT class', 'Confusion matrix at 0.025 eV']) expect(cm).toContain(s);
    const loss = trainingLossSvg({ id: 'loss', history: report.history, tasks });
    expectStaticSvg(loss, 'loss');
    expect(loss).toContain('Epoch');
    const val = validationMaeSvg({ id: 'val', history: report.history, task: tasks[0] });
    expect(val).toContain('MAE (eV/atom)');
    expect(taskWeightsSvg({ id: 'w', history: report.history, tasks })).toContain('Task weights during training');
    expect(taskWeightsSvg({ id: 'w', history: report.history.map((h) => ({ ...h, taskWeights: undefined })), tasks })).toBe('');
    const lc = metricVsFractionSvg({
      id: 'lc',
      title: 'Band gap: test MAE',
      yName: 'MAE (eV)',
      series: [
        { label: 'MT-CGCNN', points: [0.2, 0.4, 0.6].map((f) => ({ fraction: f, value: { n: 3, mean: 0.4 / f ** 0.3, std: 0.01 } })) },
        { label: 'CGCNN', points: [0.2, 0.4, 0.6].map((f) => ({ fraction: f, value: { n: 1, mean: 0.45 / f ** 0.3, std: NaN } })) },
      ],
    });
    expectStaticSvg(lc, 'lc');
    for (const s of ['20 %', '40 %', '60 %', 'Training data (% of all crystals)', 'MT-CGCNN', 'CGCNN']) expect(lc).toContain(s);
    const h = histogramSvg({ id: 'h', title: 'T', xName: 'x (eV)', bins: { edges: [0, 1, 2], counts: [3, 4] } });
    expectStaticSvg(h, 'h');
  });

  it('niceRange gives round limits that contain the data', () => {
    expect(niceRange(-5.83, 1.92)).toEqual({ min: -6, max: 2, interval: 2 });
    expect(niceRange(0.051, 0.37, 4)).toEqual({ min: 0, max: 0.4, interval: 0.1 });
    const r = niceRange(3, 3);
    expect(r.min).toBeLessThan(3);
    expect(r.max).toBeGreaterThan(3);
  });
});
