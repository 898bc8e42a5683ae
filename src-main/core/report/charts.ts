/**
 * Static SVG charts for the reports, rendered with ECharts' server-side SVG renderer (no DOM, no
 * canvas, no Electron). Every builder returns one self-contained <svg> element as a string:
 * fixed size, no animation, no scripts, no external references, and ids derived from the `id`
 * argument, so the same input always gives byte-identical output.
 *
 * Text passed in (task names, labels) is escaped by ECharts' SVG renderer; numbers are formatted
 * here with the report's own formatter so that the charts and the tables print the same digits.
 */
import * as echarts from 'echarts/core';
import { LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { ComposeOption } from 'echarts/core';
import type { LineSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  TitleComponentOption,
} from 'echarts/components';
import type { ConfusionCounts, HistogramBins, HistoryEntry, MeanStd, ReportTask } from './report-model';
import { histogram } from './report-model';
import { displayUnit, formatFixed, formatInt, formatSig, taskLabel, withUnit } from '../../../src-shared/text-format';

echarts.use([LineChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer]);

type ChartOption = ComposeOption<
  LineSeriesOption | ScatterSeriesOption | GridComponentOption | LegendComponentOption | MarkLineComponentOption | TitleComponentOption
>;

// ---------------------------------------------------------------------------------------------
// Style
// ---------------------------------------------------------------------------------------------

/** Font stack of the charts; metric-compatible with the Helvetica widths ECharts measures with. */
export const CHART_FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif";

/** Colour-blind-safe series colours (Okabe-Ito order, blue first). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

const INK = '#1d1d1f';
const MUTED = '#55575c';
const GRID_LINE = '#e4e6ea';
const AXIS_LINE = '#6b6e75';

/** Chart sizes in CSS pixels (A4 content width at 15 mm margins is about 680 px). */
export const SIZES = {
  half: { width: 332, height: 332 },
  full: { width: 680, height: 270 },
  small: { width: 332, height: 214 },
} as const;

/** Scatter plots keep at most this many points (see downsampleIndices). */
export const MAX_SCATTER_POINTS = 5000;

function titleOption(text: string, subtext?: string): TitleComponentOption {
  return {
    text,
    subtext,
    left: 'center',
    top: 6,
    itemGap: 4,
    textStyle: { fontSize: 13, fontWeight: 'bold', color: INK, fontFamily: CHART_FONT },
    subtextStyle: { fontSize: 11, color: MUTED, fontFamily: CHART_FONT },
  };
}

interface AxisOpts {
  name: string;
  nameGap?: number;
  min?: number;
  max?: number;
  interval?: number;
  log?: boolean;
  formatter?: (v: number) => string;
}

function valueAxis(o: AxisOpts) {
  return {
    type: o.log ? ('log' as const) : ('value' as const),
    name: o.name,
    nameLocation: 'middle' as const,
    nameGap: o.nameGap ?? 30,
    nameTextStyle: { fontSize: 11, color: INK, fontFamily: CHART_FONT },
    min: o.min,
    max: o.max,
    interval: o.interval,
    scale: o.min === undefined,
    axisLine: { show: true, onZero: false, lineStyle: { color: AXIS_LINE } },
    axisTick: { show: true, lineStyle: { color: AXIS_LINE } },
    axisLabel: {
      fontSize: 10,
      color: MUTED,
      fontFamily: CHART_FONT,
      hideOverlap: true,
      formatter: o.formatter ?? ((v: number) => formatTick(v)),
    },
    splitLine: { show: true, lineStyle: { color: GRID_LINE } },
  };
}

function categoryAxis(name: string, data: string[], nameGap = 30) {
  return {
    type: 'category' as const,
    data,
    name,
    nameLocation: 'middle' as const,
    nameGap,
    boundaryGap: true,
    nameTextStyle: { fontSize: 11, color: INK, fontFamily: CHART_FONT },
    axisLine: { show: true, lineStyle: { color: AXIS_LINE } },
    axisTick: { show: true, alignWithLabel: true, lineStyle: { color: AXIS_LINE } },
    axisLabel: { fontSize: 10, color: MUTED, fontFamily: CHART_FONT, interval: 0 },
    splitLine: { show: false },
  };
}

function legendOption(extra: LegendComponentOption = {}): LegendComponentOption {
  return {
    top: 28,
    left: 'center',
    itemWidth: 18,
    itemHeight: 8,
    itemGap: 14,
    textStyle: { fontSize: 10, color: INK, fontFamily: CHART_FONT },
    ...extra,
  };
}

/** Tick labels: at most 4 significant digits, no float noise (0.30000000000000004 -> 0.3). */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return Number(v.toPrecision(3)).toExponential().replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** A "nice" axis range containing [lo, hi]: {min, max, interval} with about `ticks` intervals. */
export function niceRange(lo: number, hi: number, ticks = 5): { min: number; max: number; interval: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1, interval: 0.2 };
  if (hi <= lo) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const clean = (x: number) => Number(x.toPrecision(12));
  return { min: clean(min), max: clean(max), interval: clean(step) };
}

// ---------------------------------------------------------------------------------------------
// Rendering and post-processing
// ---------------------------------------------------------------------------------------------

/** Chart ids become SVG element ids and class prefixes: letters, digits, '-' and '_' only. */
export function chartId(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return /^[A-Za-z]/.test(s) ? s : `c-${s}`;
}

/**
 * Makes ECharts' SSR output deterministic and static: drops the hover-only stylesheet, the
 * interaction metadata and the namespace URLs (inline SVG in HTML needs none), and renames the
 * per-instance "zrN-" prefixes after the chart id.
 */
function finalizeSvg(svg: string, id: string, label: string): string {
  let s = svg;
  s = s.replace(/<style\s*>[\s\S]*?<\/style>/g, (block) => {
    const rules = block.match(/[^{}]+\{[^}]*\}/g) ?? [];
    return rules.every((r) => r.includes(':hover')) ? '' : block;
  });
  s = s.replace(/ class="zr\d+-cls-\d+"/g, '');
  s = s.replace(/ ecmeta_[a-z_]+="[^"]*"/g, '');
  s = s.replace(/ pointer-events="visible"/g, '');
  s = s.replace(/\bzr\d+-/g, `${id}-`);
  s = s.replace(/<svg ([^>]*)>/, (_m, attrs: string) => {
    const kept = attrs
      .replace(/\s*xmlns(:xlink)?="[^"]*"/g, '')
      .replace(/\s*version="[^"]*"/, '')
      .replace(/\s*baseProfile="[^"]*"/, '')
      .trim();
    return `<svg id="${id}" class="chart" role="img" aria-label="${escapeAttr(label)}" ${kept}>`;
  });
  // Blank lines between elements only add bytes.
  return s.replace(/\n{2,}/g, '\n').trim();
}

function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function renderSvg(id: string, label: string, width: number, height: number, option: ChartOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: CHART_FONT, color: INK },
      ...option,
    });
    return finalizeSvg(chart.renderToSVGString(), chartId(id), label);
  } finally {
    chart.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Downsampling
// ---------------------------------------------------------------------------------------------

/**
 * Deterministic subset of `n` points of size `max` (sorted indices). When `priority` is given, the
 * `keepFraction` share of the budget goes to the points with the highest priority (the largest
 * errors of a parity plot, which are the ones a reader looks for); the rest is an evenly spaced
 * stride over the remaining points. Returns all indices when n <= max.
 */
export function downsampleIndices(n: number, max: number, priority?: (i: number) => number, keepFraction = 0.05): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const keep = new Set<number>();
  if (priority) {
    const top = Math.min(max, Math.floor(max * keepFraction));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => priority(b) - priority(a) || a - b);
    for (let k = 0; k < top; k++) keep.add(order[k]);
  }
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!keep.has(i)) rest.push(i);
  const budget = max - keep.size;
  for (let k = 0; k < budget; k++) keep.add(rest[Math.floor((k * rest.length) / budget)]);
  return [...keep].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Parity plot and residual histogram
// ---------------------------------------------------------------------------------------------

export interface ParityPlotInput {
  readonly id: string;
  readonly task: ReportTask;
  /** DFT values; null/NaN = missing label (skipped). */
  readonly yTrue: readonly (number | null)[];
  readonly yPred: readonly number[];
  /** Printed in the subtitle (normally the metrics JSON values, so chart and table agree). */
  readonly mae: number | null;
  readonly r2: number | null;
  readonly maxPoints?: number;
  readonly width?: number;
}

export interface ChartResult {
  readonly svg: string;
  /** Points drawn / points available (scatter plots). */
  readonly shown?: number;
  readonly total?: number;
}

/** Outer height that makes the plot area of a chart with these margins square. */
function squareHeight(width: number, grid: { left: number; right: number; top: number; bottom: number }): number {
  return grid.top + (width - grid.left - grid.right) + grid.bottom;
}

function labelledPairs(yTrue: readonly (number | null)[], yPred: readonly number[]): { t: number[]; p: number[] } {
  const t: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < yTrue.length; i++) {
    const a = yTrue[i];
    const b = yPred[i];
    if (a === null || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    t.push(a);
    p.push(b);
  }
  return { t, p };
}

/** Scatter of predicted against DFT values with the y = x line, equal axes, MAE and R² in the title. */
export function parityPlotSvg(o: ParityPlotInput): ChartResult {
  const { t, p } = labelledPairs(o.yTrue, o.yPred);
  const unit = displayUnit(o.task.unit);
  const u = unit ? ` (${unit})` : '';
  const idx = downsampleIndices(t.length, o.maxPoints ?? MAX_SCATTER_POINTS, (i) => Math.abs(p[i] - t[i]));
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < t.length; i++) {
    lo = Math.min(lo, t[i], p[i]);
    hi = Math.max(hi, t[i], p[i]);
  }
  const r = niceRange(lo, hi, 5);
  const width = o.width ?? SIZES.half.width;
  const grid = { left: 58, right: 16, top: 54, bottom: 44 };
  const side = width - grid.left - grid.right;
  const height = grid.top + side + grid.bottom;
  const label = taskLabel(o.task.name, o.task.label);
  const sub = `MAE ${withUnit(formatSig(o.mae), o.task.unit)} · R² ${formatFixed(o.r2)} · n = ${formatInt(t.length)}`;
  const data = idx.map((i) => [t[i], p[i]]);
  const svg = renderSvg(o.id, `Parity plot for ${label}: ${sub}`, width, height, {
    title: titleOption(label, sub),
    grid: { ...grid, outerBoundsMode: 'none' },
    xAxis: valueAxis({ name: `DFT${u}`, min: r.min, max: r.max, interval: r.interval, nameGap: 26 }),
    yAxis: valueAxis({ name: `Predicted${u}`, min: r.min, max: r.max, interval: r.interval, nameGap: 40 }),
    series: [
      {
        type: 'line',
        name: 'y = x',
        data: [
          [r.min, r.min],
          [r.max, r.max],
        ],
        symbol: 'none',
        silent: true,
        lineStyle: { color: '#8a8d93', width: 1, type: 'dashed' },
        z: 1,
      },
      {
        type: 'scatter',
        name: 'test crystals',
        data,
        // Above 500 points: ECharts' "large" mode (one compound path) with square markers. Circles
        // become four Bézier arcs each in the PDF (~0.6 kB per point); squares cost ~25 bytes.
        symbol: data.length > 500 ? 'rect' : 'circle',
        symbolSize: data.length > 2000 ? 3 : data.length > 500 ? 3.5 : 5,
        large: data.length > 500,
        largeThreshold: 500,
        silent: true,
        itemStyle: { color: PALETTE[0], opacity: data.length > 500 ? 0.5 : 0.6 },
        z: 2,
      },
    ],
  });
  return { svg, shown: idx.length, total: t.length };
}

export interface HistogramInput {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly xName: string;
  readonly yName?: string;
  readonly bins: HistogramBins;
  readonly color?: string;
  /** Vertical reference lines (e.g. 0 for residuals, a threshold). */
  readonly marks?: readonly { readonly x: number; readonly label: string }[];
  /** Fixed x range; default: a nice range around the bin edges. */
  readonly xRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

/** Histogram drawn as a filled step line on a value axis (exact bin edges, crisp in print). */
export function histogramSvg(o: HistogramInput): string {
  const { edges, counts } = o.bins;
  const data: [number, number][] = [];
  for (let i = 0; i < counts.length; i++) data.push([edges[i], counts[i]]);
  data.push([edges[edges.length - 1], counts[counts.length - 1] ?? 0]);
  const maxCount = Math.max(1, ...counts);
  const xr = niceRange(edges[0], edges[edges.length - 1], 5);
  const color = o.color ?? PALETTE[0];
  const width = o.width ?? SIZES.half.width;
  // Default: the same outer size as a parity plot, so the two sit side by side aligned.
  const height = o.height ?? squareHeight(width, { left: 58, right: 16, top: 54, bottom: 44 });
  return renderSvg(o.id, `${o.title}${o.subtitle ? `: ${o.subtitle}` : ''}`, width, height, {
    title: titleOption(o.title, o.subtitle),
    grid: { left: 58, right: 16, top: o.subtitle ? 54 : 40, bottom: 44, outerBoundsMode: 'none' },
    xAxis: valueAxis({
      name: o.xName,
      min: o.xRange ? o.xRange[0] : Math.min(xr.min, edges[0]),
      max: o.xRange ? o.xRange[1] : Math.max(xr.max, edges[edges.length - 1]),
      nameGap: 26,
    }),
    yAxis: valueAxis({ name: o.yName ?? 'Crystals', min: 0, max: niceRange(0, maxCount * 1.05, 4).max, nameGap: 40 }),
    series: [
      {
        type: 'line',
        name: o.title,
        data,
        step: 'end',
        symbol: 'none',
        silent: true,
        lineStyle: { color, width: 1.2 },
        areaStyle: { color, opacity: 0.25 },
        markLine: o.marks?.length
          ? {
              silent: true,
              symbol: 'none',
              lineStyle: { color: INK, type: 'dashed', width: 1 },
              label: { show: true, position: 'insideEndTop', fontSize: 10, color: INK, fontFamily: CHART_FONT, formatter: '{b}' },
              data: o.marks.map((m) => ({ xAxis: m.x, name: m.label })),
            }
          : undefined,
      },
    ],
  });
}

export interface ResidualHistogramInput {
  readonly id: string;
  readonly task: ReportTask;
  readonly yTrue: readonly (number | null)[];
  readonly yPred: readonly number[];
  readonly bins?: number;
  readonly width?: number;
}

/**
 * Histogram of prediction errors (predicted − DFT), symmetric around 0 and clipped at the 99th
 * percentile of |error| (the clipped tails are counted in the outermost bins).
 */
export function residualHistogramSvg(o: ResidualHistogramInput): string {
  const { t, p } = labelledPairs(o.yTrue, o.yPred);
  const res = t.map((v, i) => p[i] - v);
  const abs = res.map(Math.abs).sort((a, b) => a - b);
  const q = abs.length ? abs[Math.min(abs.length - 1, Math.floor(0.99 * abs.length))] : 1;
  const lim = niceRange(-q, q, 4).max || 1;
  const bins = histogram(res, o.bins ?? 40, [-lim, lim]);
  const label = taskLabel(o.task.name, o.task.label);
  const unit = displayUnit(o.task.unit);
  const mean = res.length ? res.reduce((a, b) => a + b, 0) / res.length : NaN;
  const outside = res.filter((r) => Math.abs(r) > lim).length;
  const sub = `mean error ${withUnit(formatSig(mean, 2), o.task.unit)}${outside ? ` · ${formatInt(outside)} beyond ±${formatTick(lim)} in end bins` : ''}`;
  return histogramSvg({
    id: o.id,
    title: `${label}: errors`,
    subtitle: sub,
    xName: `Predicted − DFT${unit ? ` (${unit})` : ''}`,
    bins,
    marks: [{ x: 0, label: '' }],
    xRange: [-lim, lim],
    width: o.width,
  });
}

// ---------------------------------------------------------------------------------------------
// Training history
// ---------------------------------------------------------------------------------------------

export interface TrainingCurvesInput {
  readonly id: string;
  readonly history: readonly HistoryEntry[];
  readonly tasks: readonly ReportTask[];
  readonly width?: number;
  readonly height?: number;
}

function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Training loss per task against epoch (log scale; the loss is on standardised targets). */
export function trainingLossSvg(o: TrainingCurvesInput): string {
  const series: LineSeriesOption[] = o.tasks.map((t, k) => ({
    type: 'line',
    name: taskLabel(t.name, t.label),
    data: o.history.filter((h) => Number.isFinite(h.trainLoss[t.name]) && h.trainLoss[t.name] > 0).map((h) => [h.epoch, h.trainLoss[t.name]]),
    symbol: 'none',
    silent: true,
    lineStyle: { color: seriesColor(k), width: 1.6 },
    itemStyle: { color: seriesColor(k) },
  }));
  const epochs = o.history.map((h) => h.epoch);
  return renderSvg(o.id, 'Training loss per task against epoch', o.width ?? SIZES.full.width, o.height ?? 222, {
    title: titleOption('Training loss per task'),
    legend: legendOption(),
    grid: { left: 62, right: 20, top: 58, bottom: 44, outerBoundsMode: 'none' },
    xAxis: valueAxis({ name: 'Epoch', min: Math.min(...epochs, 0), max: Math.max(...epochs, 1), nameGap: 26 }),
    yAxis: valueAxis({ name: 'Loss (standardised, log)', log: true, nameGap: 44 }),
    series,
  });
}

export interface ValidationMaeInput {
  readonly id: string;
  readonly history: readonly HistoryEntry[];
  readonly task: ReportTask;
  readonly colorIndex?: number;
  readonly width?: number;
  readonly height?: number;
}

/** Validation MAE of one task against epoch, in the task's unit, with the best epoch marked. */
export function validationMaeSvg(o: ValidationMaeInput): string {
  const pts = o.history.filter((h) => Number.isFinite(h.valMae[o.task.name])).map((h) => [h.epoch, h.valMae[o.task.name]] as [number, number]);
  let best = pts[0];
  for (const pt of pts) if (pt[1] < best[1]) best = pt;
  const unit = displayUnit(o.task.unit);
  const label = taskLabel(o.task.name, o.task.label);
  const color = seriesColor(o.colorIndex ?? 0);
  const sub = best ? `best ${withUnit(formatSig(best[1]), o.task.unit)} at epoch ${formatInt(best[0])}` : 'no validation data';
  const ys = pts.map((q) => q[1]);
  const yr = niceRange(Math.min(...ys, Infinity), Math.max(...ys, -Infinity), 4);
  const epochs = o.history.map((h) => h.epoch);
  return renderSvg(o.id, `Validation MAE of ${label}: ${sub}`, o.width ?? SIZES.small.width, o.height ?? SIZES.small.height, {
    title: titleOption(`${label}: validation MAE`, sub),
    grid: { left: 58, right: 16, top: 54, bottom: 44, outerBoundsMode: 'none' },
    xAxis: valueAxis({ name: 'Epoch', min: Math.min(...epochs, 0), max: Math.max(...epochs, 1), nameGap: 26 }),
    yAxis: valueAxis({
      name: `MAE${unit ? ` (${unit})` : ''}`,
      min: pts.length ? yr.min : undefined,
      max: pts.length ? yr.max : undefined,
      interval: pts.length ? yr.interval : undefined,
      nameGap: 40,
    }),
    series: [
      { type: 'line', name: label, data: pts, symbol: 'none', silent: true, lineStyle: { color, width: 1.6 } },
      {
        type: 'scatter',
        name: 'best epoch',
        data: best ? [best] : [],
        symbol: 'circle',
        symbolSize: 7,
        silent: true,
        itemStyle: { color: '#ffffff', borderColor: color, borderWidth: 2 },
      },
    ],
  });
}

/** Task weights against epoch (uncertainty / GradNorm weighting). Empty string when not recorded. */
export function taskWeightsSvg(o: TrainingCurvesInput): string {
  const withWeights = o.history.filter((h) => h.taskWeights && Object.keys(h.taskWeights).length > 0);
  if (withWeights.length === 0) return '';
  const series: LineSeriesOption[] = o.tasks.map((t, k) => ({
    type: 'line',
    name: taskLabel(t.name, t.label),
    data: withWeights.filter((h) => Number.isFinite(h.taskWeights![t.name])).map((h) => [h.epoch, h.taskWeights![t.name]]),
    symbol: 'none',
    silent: true,
    lineStyle: { color: seriesColor(k), width: 1.6 },
    itemStyle: { color: seriesColor(k) },
  }));
  const epochs = o.history.map((h) => h.epoch);
  return renderSvg(o.id, 'Task weights against epoch', o.width ?? SIZES.full.width, o.height ?? 196, {
    title: titleOption('Task weights during training'),
    legend: legendOption(),
    grid: { left: 62, right: 20, top: 58, bottom: 44, outerBoundsMode: 'none' },
    xAxis: valueAxis({ name: 'Epoch', min: Math.min(...epochs, 0), max: Math.max(...epochs, 1), nameGap: 26 }),
    yAxis: (() => {
      const ws = withWeights.flatMap((h) => o.tasks.map((t) => h.taskWeights![t.name])).filter(Number.isFinite);
      const r = niceRange(Math.min(...ws), Math.max(...ws), 3);
      return valueAxis({ name: 'Weight', min: r.min, max: r.max, interval: r.interval, nameGap: 44 });
    })(),
    series,
  });
}

// ---------------------------------------------------------------------------------------------
// Metal / non-metal classification
// ---------------------------------------------------------------------------------------------

/** Names of the two classes of a binary decision, lower case as in prose ("non-metal", "metal"). */
export interface BinaryClasses {
  readonly positive: string;
  readonly negative: string;
}

/** A band gap read as a classifier: a gap above the cut is a non-metal, the positive class. */
export const BAND_GAP_CLASSES: BinaryClasses = { positive: 'non-metal', negative: 'metal' };

/** The text with its first letter upper case ("metal" -> "Metal"). */
export function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface RocInput {
  readonly id: string;
  readonly task: ReportTask;
  readonly fpr: readonly number[];
  readonly tpr: readonly number[];
  readonly auc: number | null;
  /** Band-gap score: the cut on the predicted gap (eV) the operating point is at. */
  readonly thresholdEv?: number;
  /** The operating point's label instead of the eV cut (a classifier's "p > 0.38"). */
  readonly cutText?: string;
  /** The classes, default the band-gap reading (positive: non-metal, negative: metal). */
  readonly classes?: BinaryClasses;
  /** What the score is, for the subtitle (default: "predicted <task label>"). */
  readonly scoreName?: string;
  /** The operating point at the threshold (from the confusion counts), marked on the curve. */
  readonly confusion?: ConfusionCounts;
  readonly maxPoints?: number;
  readonly width?: number;
}

/** ROC curve (positive = non-metal unless `classes` says otherwise) with the AUC in the legend and the chance diagonal. */
export function rocCurveSvg(o: RocInput): string {
  const n = Math.min(o.fpr.length, o.tpr.length);
  const keep = downsampleIndices(n, o.maxPoints ?? 1000);
  if (n > 0 && keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  const data = keep.filter((i) => Number.isFinite(o.fpr[i]) && Number.isFinite(o.tpr[i])).map((i) => [o.fpr[i], o.tpr[i]]);
  const label = taskLabel(o.task.name, o.task.label);
  const width = o.width ?? SIZES.half.width;
  const grid = { left: 58, right: 16, top: 54, bottom: 44 };
  const height = squareHeight(width, grid);
  const modelName = `Model (AUC = ${formatFixed(o.auc)})`;
  const series: (LineSeriesOption | ScatterSeriesOption)[] = [
    {
      type: 'line',
      name: 'Chance (AUC = 0.500)',
      data: [
        [0, 0],
        [1, 1],
      ],
      symbol: 'none',
      silent: true,
      lineStyle: { color: '#8a8d93', width: 1, type: 'dashed' },
      itemStyle: { color: '#8a8d93' },
    },
    {
      type: 'line',
      name: modelName,
      data,
      symbol: 'none',
      silent: true,
      lineStyle: { color: PALETTE[1], width: 2 },
      itemStyle: { color: PALETTE[1] },
    },
  ];
  const c = o.confusion;
  const cls = o.classes ?? BAND_GAP_CLASSES;
  if (c && c.tp + c.fn > 0 && c.fp + c.tn > 0) {
    const thr = o.cutText ?? (o.thresholdEv !== undefined ? `${formatSig(o.thresholdEv, 2)} eV` : 'threshold');
    series.push({
      type: 'scatter',
      name: `Cut at ${thr}`,
      data: [[c.fp / (c.fp + c.tn), c.tp / (c.tp + c.fn)]],
      symbol: 'circle',
      symbolSize: 8,
      silent: true,
      itemStyle: { color: '#ffffff', borderColor: INK, borderWidth: 1.5 },
    });
  }
  // A band gap read as a classifier is titled by what it classifies; a classifier (own classes) by its name.
  const what = o.classes ? label : `metal / non-metal from ${label}`;
  return renderSvg(o.id, `ROC curve, ${what}: ${modelName}`, width, height, {
    title: titleOption(
      o.classes ? `ROC curve: ${label}` : 'ROC curve: metal / non-metal',
      `score: ${o.scoreName ?? `predicted ${label.toLowerCase()}`} · positive: ${cls.positive}`,
    ),
    legend: legendOption({
      data: [series[1], ...series.slice(2), series[0]].map((x) => String(x.name)),
      top: undefined,
      left: undefined,
      right: grid.right + 8,
      bottom: grid.bottom + 8,
      orient: 'vertical',
      backgroundColor: 'rgba(255,255,255,0.92)',
      borderColor: GRID_LINE,
      borderWidth: 1,
      padding: [4, 6],
      itemGap: 4,
    }),
    grid: { ...grid, outerBoundsMode: 'none' },
    xAxis: valueAxis({ name: `False-positive rate (${cls.negative}s called ${cls.positive})`, min: 0, max: 1, interval: 0.2, nameGap: 26 }),
    yAxis: valueAxis({ name: `True-positive rate (${cls.positive}s found)`, min: 0, max: 1, interval: 0.2, nameGap: 40 }),
    series,
  });
}

export interface ConfusionInput {
  readonly id: string;
  readonly task: ReportTask;
  readonly confusion: ConfusionCounts;
  /** Band-gap reading: the cut on the predicted gap (eV) the counts are at. */
  readonly thresholdEv?: number;
  /** The cut as text instead of the eV value (a classifier's "p > 0.38"). */
  readonly cutText?: string;
  /** The classes, default the band-gap reading (positive: non-metal, negative: metal). */
  readonly classes?: BinaryClasses;
  readonly width?: number;
}

function mix(hex: string, t: number): string {
  // Blend white -> hex by t in [0, 1].
  const v = parseInt(hex.slice(1), 16);
  const ch = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((c) => Math.round(255 + (c - 255) * t));
  return `#${ch.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * 2 × 2 confusion matrix (rows: DFT class, columns: predicted class; the negative class first) drawn as shaded
 * cells with counts and row percentages. Correct cells are blue, errors orange; shade grows with the share.
 */
export function confusionMatrixSvg(o: ConfusionInput): string {
  const { tp, fp, tn, fn } = o.confusion;
  const thr = o.cutText ?? (o.thresholdEv !== undefined ? `${formatSig(o.thresholdEv, 2)} eV` : 'threshold');
  const cls = o.classes ?? BAND_GAP_CLASSES;
  const axisClasses = [capitalised(cls.negative), capitalised(cls.positive)];
  const width = o.width ?? SIZES.half.width;
  const grid = { left: 58, right: 16, top: 54, bottom: 44 };
  const side = width - grid.left - grid.right;
  const height = squareHeight(width, grid);
  const total = tp + fp + tn + fn;
  const rowNegative = tn + fp;
  const rowPositive = fn + tp;
  // [x = predicted index, y = actual index]; x: negative, positive; y (bottom to top): negative, positive.
  const cells = [
    { x: 0, y: 0, v: tn, row: rowNegative, ok: true, tag: 'TN' },
    { x: 1, y: 0, v: fp, row: rowNegative, ok: false, tag: 'FP' },
    { x: 0, y: 1, v: fn, row: rowPositive, ok: false, tag: 'FN' },
    { x: 1, y: 1, v: tp, row: rowPositive, ok: true, tag: 'TP' },
  ];
  const cellPx = side / 2;
  const accuracy = total > 0 ? (tp + tn) / total : NaN;
  const sub = `accuracy ${formatFixed(accuracy)} · n = ${formatInt(total)}`;
  return renderSvg(o.id, `Confusion matrix at ${thr}: TP ${tp}, FP ${fp}, TN ${tn}, FN ${fn}`, width, height, {
    title: titleOption(`Confusion matrix at ${thr}`, sub),
    grid: { ...grid, outerBoundsMode: 'none' },
    xAxis: categoryAxis('Predicted class', axisClasses, 26),
    yAxis: (() => {
      const y = categoryAxis('DFT class', axisClasses, 26);
      return { ...y, axisLabel: { ...y.axisLabel, rotate: 90 } };
    })(),
    series: [
      {
        type: 'scatter',
        name: 'cells',
        symbol: 'rect',
        symbolSize: [cellPx - 3, cellPx - 3],
        silent: true,
        data: cells.map((c) => {
          const share = c.row > 0 ? c.v / c.row : 0;
          const dark = share > 0.55;
          return {
            value: [c.x, c.y],
            itemStyle: { color: mix(c.ok ? PALETTE[0] : PALETTE[1], 0.1 + 0.75 * share), opacity: 1 },
            label: {
              show: true,
              position: 'inside',
              fontFamily: CHART_FONT,
              fontSize: 10,
              lineHeight: 15,
              color: dark ? '#ffffff' : MUTED,
              formatter: `{t|${c.tag}}\n{v|${formatInt(c.v)}}\n${c.row > 0 ? `${formatFixed(100 * share, 1)} % of row` : ''}`,
              rich: {
                t: { fontSize: 10, fontWeight: 'bold', fontFamily: CHART_FONT, color: dark ? '#ffffff' : MUTED, lineHeight: 15 },
                v: { fontSize: 17, fontWeight: 'bold', fontFamily: CHART_FONT, color: dark ? '#ffffff' : INK, lineHeight: 24 },
              },
            },
          };
        }),
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Learning curves (experiment report)
// ---------------------------------------------------------------------------------------------

export interface FractionChartSeries {
  readonly label: string;
  readonly points: readonly { readonly fraction: number; readonly value: MeanStd }[];
}

export interface MetricVsFractionInput {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  /** Y axis name with its unit, e.g. "MAE (eV/atom)". */
  readonly yName: string;
  readonly series: readonly FractionChartSeries[];
  /** Fixed y range (e.g. [0.5, 1] for AUC); otherwise a nice range around the data. */
  readonly yRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

/**
 * A metric against the amount of training data: one line per series (mean over repeats) with ± 1 std
 * error bars. `fraction` is the share of ALL crystals used for training (the MT-CGCNN paper's 20, 30,
 * 40, 50, 60 % of the data); the x axis lists the fractions evenly spaced.
 */
export function metricVsFractionSvg(o: MetricVsFractionInput): string {
  const fractions = [...new Set(o.series.flatMap((s) => s.points.map((p) => p.fraction)))].sort((a, b) => a - b);
  const cats = fractions.map((f) => `${formatTick(Number((100 * f).toPrecision(6)))} %`);
  const series: LineSeriesOption[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  o.series.forEach((s, k) => {
    const color = seriesColor(k);
    const line: (number | string)[][] = [];
    const bars: (number | string)[][] = [];
    for (const p of s.points) {
      if (!Number.isFinite(p.value.mean)) continue;
      const x = fractions.indexOf(p.fraction);
      line.push([x, p.value.mean]);
      lo = Math.min(lo, p.value.mean);
      hi = Math.max(hi, p.value.mean);
      if (Number.isFinite(p.value.std) && p.value.std > 0) {
        const a = p.value.mean - p.value.std;
        const b = p.value.mean + p.value.std;
        bars.push([x, a], [x, b], [x, '-']);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
    }
    series.push({
      type: 'line',
      name: s.label,
      data: line,
      symbol: 'circle',
      symbolSize: 6,
      silent: true,
      lineStyle: { color, width: 1.8 },
      itemStyle: { color },
    });
    if (bars.length) {
      series.push({
        type: 'line',
        name: `${s.label} ± std`,
        data: bars,
        symbol: 'none',
        silent: true,
        connectNulls: false,
        lineStyle: { color, width: 1.2 },
        itemStyle: { color },
        legendHoverLink: false,
      });
    }
  });
  const yr = o.yRange ? { min: o.yRange[0], max: o.yRange[1], interval: undefined } : niceRange(lo, hi, 4);
  return renderSvg(o.id, `${o.title}${o.subtitle ? `: ${o.subtitle}` : ''}`, o.width ?? SIZES.small.width, o.height ?? SIZES.small.height + 20, {
    title: titleOption(o.title, o.subtitle),
    legend: legendOption({ top: o.subtitle ? 44 : 28, data: o.series.map((s) => s.label) }),
    grid: { left: 58, right: 16, top: o.subtitle ? 70 : 56, bottom: 44, outerBoundsMode: 'none' },
    xAxis: categoryAxis('Training data (% of all crystals)', cats, 26),
    yAxis: valueAxis({ name: o.yName, min: yr.min, max: yr.max, interval: yr.interval, nameGap: 40 }),
    series,
  });
}
