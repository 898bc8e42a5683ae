/**
 * Report documents: one self-contained, print-ready HTML file each (inline CSS, inline SVG
 * charts, no scripts, no external resources). The same HTML goes to Chromium's page.pdf() in the
 * CLI and to webContents.printToPDF() in the app.
 *
 * Every user-controlled string (titles, ids, formulas, task and dataset names, paths, notes) is
 * escaped with escapeHtml; a Content-Security-Policy meta tag forbids scripts and remote loads as
 * a second line of defence.
 */
import {
  BAND_GAP_CLASSES,
  capitalised,
  confusionMatrixSvg,
  MAX_SCATTER_POINTS,
  metricVsFractionSvg,
  parityPlotSvg,
  residualHistogramSvg,
  rocCurveSvg,
  taskWeightsSvg,
  trainingLossSvg,
  validationMaeSvg,
  histogramSvg,
  PALETTE,
  type BinaryClasses,
  type FractionChartSeries,
} from './charts';
import { rocCurve } from '../metrics/classification';
import { DEFAULT_PROBABILITY_THRESHOLD } from '../metrics/summary';
import { isMetalClassifier } from '../../../src-shared/task-kind';
import {
  displayUnit,
  escapeHtml as esc,
  formatDateTime,
  formatDuration,
  formatFixed,
  formatInt,
  formatMeanStd,
  formatPercent,
  formatPlain,
  formatShare,
  formatSig,
  MISSING,
  taskLabel,
  withUnit,
} from '../../../src-shared/text-format';
import {
  hasClassification,
  isClassifierTask,
  summarizeCombinations,
  summarizeFractions,
  validateRunReport,
  type BaselineRow,
  type CandidateList,
  type ConfusionCounts,
  type DatasetCard,
  type ExperimentReport,
  type MeanStd,
  type ModelCard,
  type ReportTask,
  type RocPoints,
  type RunReport,
  type ScreeningReport,
  type TaskMetrics,
} from './report-model';

const PRODUCT = 'Crystal Property Studio';

/** Rows of the "largest errors" table per task. */
export const LARGEST_ERRORS_ROWS = 10;

// ---------------------------------------------------------------------------------------------
// Citations
// ---------------------------------------------------------------------------------------------

export const CITATIONS = {
  cgcnn:
    'T. Xie and J. C. Grossman, “Crystal Graph Convolutional Neural Networks for an Accurate and Interpretable Prediction of Material Properties”, Phys. Rev. Lett. 120, 145301 (2018).',
  mtcgcnn:
    'S. Sanyal et al., “MT-CGCNN: Integrating Crystal Graph Convolutional Neural Network with Multitask Learning for Material Property Prediction”, arXiv:1811.05660 (2018).',
  materialsProject:
    'A. Jain et al., “Commentary: The Materials Project: A materials genome approach to accelerating materials innovation”, APL Materials 1, 011002 (2013). Materials Project data are licensed under CC BY 4.0.',
} as const;

// ---------------------------------------------------------------------------------------------
// Page skeleton
// ---------------------------------------------------------------------------------------------

/** A CSS string literal that cannot break out of its declaration or the <style> element. */
function cssString(s: string): string {
  let out = '"';
  for (const ch of s) {
    out += /[A-Za-z0-9 .,:;·()+-]/.test(ch) ? ch : `\\${ch.codePointAt(0)!.toString(16)} `;
  }
  return `${out}"`;
}

const CSS = `
:root { --ink: #1d1d1f; --muted: #5b5e66; --rule: #d9dce1; --soft: #f4f5f7; --accent: #0072B2; --warn: #D55E00; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff;
  font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; font-size: 9pt; line-height: 1.4; }
.doc { max-width: 180mm; margin: 0 auto; }
h1 { font-size: 18pt; line-height: 1.18; margin: 1.5mm 0 1.2mm; font-weight: 700; letter-spacing: -0.01em; }
h2 { font-size: 13pt; margin: 0 0 3mm; padding-bottom: 1.2mm; border-bottom: 1.5px solid var(--ink); font-weight: 700; }
h3 { font-size: 10.5pt; margin: 4.5mm 0 1.8mm; font-weight: 700; }
h2 .num, h3 .num { color: var(--muted); font-weight: 400; margin-right: 2mm; }
p { margin: 0 0 2.5mm; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.86em; }
.kicker { font-size: 7.5pt; letter-spacing: 0.08em; text-transform: uppercase; color: var(--accent); font-weight: 700; }
.meta { color: var(--muted); font-size: 9pt; }
.title-block { border-bottom: 1px solid var(--rule); padding-bottom: 3mm; margin-bottom: 4mm; }
.notes { margin-top: 2.5mm; padding: 2mm 3mm; background: var(--soft); border-left: 3px solid var(--accent); white-space: pre-wrap; }
.summary { font-size: 9.5pt; }
section.major { break-before: page; page-break-before: always; }
section.major:first-of-type { break-before: auto; page-break-before: auto; }
section.block { margin-top: 6mm; }
.cards { display: flex; flex-wrap: wrap; gap: 3mm; margin: 0 0 4mm; }
.card { flex: 1 1 38mm; min-width: 38mm; border: 1px solid var(--rule); border-top: 3px solid var(--accent); border-radius: 1.5mm;
  padding: 2mm 3mm; break-inside: avoid; }
.card.alt { border-top-color: var(--warn); }
.card .k { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 7.5pt; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; font-weight: 700; }
.card .v { font-size: 14pt; font-weight: 700; margin: 0.6mm 0 0.2mm; white-space: nowrap; }
.card .v .u { font-size: 9.5pt; font-weight: 400; color: var(--muted); margin-left: 1mm; }
.card .s { font-size: 8pt; color: var(--muted); line-height: 1.3; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; font-size: 8.5pt; }
table.errors { table-layout: fixed; }
table.errors td.mono { word-break: break-all; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { padding: 1.1mm 1.8mm; text-align: left; vertical-align: top; }
thead th { border-bottom: 1.2px solid var(--ink); font-weight: 700; font-size: 8pt; white-space: nowrap; }
tbody td, tbody th { border-bottom: 0.5px solid var(--rule); }
tbody th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.self td, tr.self th { background: #eef5fb; }
td.best { font-weight: 700; }
.sub { display: block; color: var(--muted); font-size: 7.5pt; font-weight: 400; }
table.kv th { width: 34%; color: var(--muted); font-weight: 600; }
table.kv td { word-break: break-word; }
.cols { display: flex; gap: 6mm; align-items: flex-start; }
.cols > * { flex: 1 1 0; min-width: 0; }
figure { margin: 0 0 3mm; break-inside: avoid; page-break-inside: avoid; }
.fig-row { display: flex; justify-content: space-between; gap: 2mm; }
.fig-row svg, figure > svg { display: block; max-width: 100%; height: auto; }
figcaption, .caption { font-size: 8pt; color: var(--muted); margin-top: 1.2mm; line-height: 1.38; }
figcaption b, .caption b { color: var(--ink); }
.task-section { break-before: page; page-break-before: always; }
.keep { break-inside: avoid; page-break-inside: avoid; }
.badge { display: inline-block; padding: 0 1.6mm; border-radius: 1mm; font-size: 7.5pt; font-weight: 700; line-height: 1.6; }
.badge.ood { background: #fbe3d6; color: #8a3300; }
.badge.ok { background: #e3f0f8; color: #004f7c; }
.muted { color: var(--muted); }
ol.refs { padding-left: 5mm; margin: 0.5mm 0 0; }
ol.refs li { margin-bottom: 0.6mm; }
.footer { margin-top: 5mm; padding-top: 2mm; border-top: 1px solid var(--rule); font-size: 7.5pt; line-height: 1.35; color: var(--muted); break-inside: avoid; }
.footer p { margin: 0 0 1.2mm; }
@media screen {
  body { background: #e9ebef; }
  .doc { background: #fff; padding: 15mm; margin: 8mm auto; box-shadow: 0 1px 4px rgba(0,0,0,0.18); max-width: 210mm; }
}
`;

function pageCss(title: string, appVersion: string): string {
  return `@page { size: A4; margin: 15mm 15mm 16mm 15mm;
  @bottom-left { content: ${cssString(`${PRODUCT} ${appVersion} · ${title}`)}; font-size: 7.5pt; color: #8a8d93; font-family: Helvetica, Arial, "Liberation Sans", sans-serif; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt; color: #8a8d93; font-family: Helvetica, Arial, "Liberation Sans", sans-serif; }
}`;
}

function documentHtml(o: { title: string; appVersion: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${esc(`${PRODUCT} ${o.appVersion}`)}">
<meta name="color-scheme" content="light">
<title>${esc(o.title)}</title>
<style>${pageCss(o.title, o.appVersion)}
${CSS}</style>
</head>
<body>
<div class="doc">
${o.body}
</div>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Small building blocks
// ---------------------------------------------------------------------------------------------

/** Escaped chemical formula with subscripted counts: "Fe2O3" -> Fe<sub>2</sub>O<sub>3</sub>. */
export function formulaHtml(formula: string | undefined): string {
  if (!formula) return `<span class="muted">${MISSING}</span>`;
  return esc(formula).replace(/([A-Za-z)\]])(\d+(?:\.\d+)?)/g, '$1<sub>$2</sub>');
}

function taskName(t: ReportTask): string {
  return taskLabel(t.name, t.label);
}

function taskHeaderHtml(t: ReportTask): string {
  const unit = displayUnit(t.unit);
  return `${esc(taskName(t))}<span class="sub"><code>${esc(t.name)}</code>${unit ? ` · ${esc(unit)}` : ''}</span>`;
}

/** A number with its unit, escaped; `cls` adds td classes. */
function numCell(text: string, cls = ''): string {
  return `<td class="num${cls ? ` ${cls}` : ''}">${esc(text)}</td>`;
}

function kvTable(rows: [string, string][]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

/** A headline number: `k` (label), the value with its unit, and a line of context (`sub` is HTML). */
function card(k: string, value: string, unit: string, sub: string, alt = false): string {
  const u = displayUnit(unit);
  return `<div class="card${alt ? ' alt' : ''}"><div class="k">${esc(k)}</div><div class="v">${esc(value)}${u && value !== MISSING ? `<span class="u">${esc(u)}</span>` : ''}</div><div class="s">${sub}</div></div>`;
}

function titleBlock(kind: string, title: string, meta: string[], notes?: string): string {
  return `<header class="title-block">
<div class="kicker">${esc(PRODUCT)} · ${esc(kind)}</div>
<h1>${esc(title)}</h1>
<div class="meta">${meta.map(esc).join(' · ')}</div>
${notes && notes.trim() ? `<div class="notes">${esc(notes.trim())}</div>` : ''}
</header>`;
}

function footerHtml(o: { appVersion: string; backend: string; createdIso: string; citations?: (keyof typeof CITATIONS)[] }): string {
  const keys = o.citations ?? ['cgcnn', 'mtcgcnn', 'materialsProject'];
  return `<div class="footer">
<p><b>Generated by ${esc(PRODUCT)} ${esc(o.appVersion)}</b> on ${esc(formatDateTime(o.createdIso))}, compute backend <code>${esc(o.backend)}</code>.
Predictions are statistical estimates of DFT (PBE) values and inherit their systematic errors; check candidates with DFT or experiment before relying on them.</p>
<p><b>Please cite</b> when you use these results:</p>
<ol class="refs">${keys.map((k) => `<li>${esc(CITATIONS[k])}</li>`).join('')}</ol>
</div>`;
}

function sharingText(m: ModelCard): string {
  return m.sharing === 'hard'
    ? 'hard: one shared convolution trunk, one output head per task'
    : 'soft: one network per task, kept similar by a penalty on the difference of their weights';
}

function weightingText(m: ModelCard): string {
  const w = m.weighting;
  const base =
    w.mode === 'fixed'
      ? 'fixed task weights'
      : w.mode === 'uncertainty'
        ? 'learned per-task uncertainty (Kendall et al. 2018)'
        : 'GradNorm gradient balancing (Chen et al. 2018)';
  if (!w.weights) return esc(base);
  const list = m.tasks
    .filter((t) => typeof w.weights![t.name] === 'number')
    .map((t) => `${esc(taskName(t))} ${esc(formatPlain(w.weights![t.name]))}`)
    .join(', ');
  return `${esc(base)}${list ? `; ${w.mode === 'fixed' ? 'weights' : 'final weights'}: ${list}` : ''}`;
}

/** After a classifier head in the model card's task list: what its label 1 is. */
function classifierNote(t: ReportTask): string {
  if (t.kind !== 'classification') return '';
  const d = t.derivedFrom;
  const label = d ? `, label 1 when <code>${esc(d.column)}</code> &lt; ${esc(formatPlain(d.below))}` : '';
  return ` <span class="muted">· classifier head (logistic loss), predicts a probability${label}</span>`;
}

function modelCardRows(m: ModelCard): [string, string][] {
  const kindText = m.kind === 'MT-CGCNN' ? 'MT-CGCNN (multi-task crystal graph network)' : 'CGCNN (single-task crystal graph network)';
  const a = m.architecture;
  return [
    ['Model', esc(kindText)],
    [
      m.tasks.length === 1 ? 'Task' : 'Tasks',
      m.tasks.map((t) => `${esc(taskName(t))} <code>${esc(t.name)}</code>${t.unit ? ` (${esc(displayUnit(t.unit))})` : ''}${classifierNote(t)}`).join('<br>'),
    ],
    ...(m.tasks.length > 1 ? ([['Parameter sharing', esc(sharingText(m))]] as [string, string][]) : []),
    ['Loss weighting', weightingText(m)],
    [
      'Architecture',
      esc(`${a.atomFeatures} atom features · ${a.convLayers} convolution layers · hidden layer of ${a.hidden} · ${a.headLayers} head layer${a.headLayers === 1 ? '' : 's'}`),
    ],
    ['Crystal graph', esc(`neighbours within ${formatPlain(m.graph.radiusAngstrom)} Å, at most ${formatInt(m.graph.maxNeighbors)} per atom`)],
    ['Training', esc(`${formatInt(m.epochs)} epochs in ${formatDuration(m.trainingSeconds)} on the ${m.backend} backend` +
      (m.trainingThreads !== undefined ? `, ${formatInt(m.trainingThreads)} thread${m.trainingThreads === 1 ? '' : 's'}` : ''))],
    [
      'Ensemble',
      esc(
        m.ensembleSize > 1
          ? `${formatInt(m.ensembleSize)} models; predictions are their mean, the uncertainty their standard deviation`
          : 'single model (no uncertainty estimate)',
      ),
    ],
  ];
}

function datasetCardRows(d: DatasetCard, tasks: readonly ReportTask[]): [string, string][] {
  const total = d.split.train + d.split.val + d.split.test;
  const pct = (x: number) => (total > 0 ? ` (${formatFixed((100 * x) / total, 1)} %)` : '');
  const labelCols = Object.keys(d.labelsPerTask);
  const known = tasks.filter((t) => labelCols.includes(t.name));
  const extra = labelCols.filter((c) => !tasks.some((t) => t.name === c)).map((c) => ({ name: c, unit: '' }) as ReportTask);
  return [
    ['Name', esc(d.name)],
    ['Folder', `<code>${esc(d.dir)}</code>`],
    ['Content hash', `<code>${esc(d.contentHash)}</code>`],
    ['Crystals', esc(formatInt(d.crystals))],
    [
      'Split',
      esc(`training ${formatInt(d.split.train)}${pct(d.split.train)} · validation ${formatInt(d.split.val)}${pct(d.split.val)} · test ${formatInt(d.split.test)}${pct(d.split.test)}`),
    ],
    ['Split seed', esc(String(d.seed))],
    [
      'Labelled crystals',
      [...known, ...extra]
        .map((t) => `${esc(taskName(t))}: ${esc(formatInt(d.labelsPerTask[t.name]))}${d.crystals > 0 ? ` <span class="muted">(${esc(formatFixed((100 * d.labelsPerTask[t.name]) / d.crystals, 1))} %)</span>` : ''}`)
        .join('<br>'),
    ],
    ...(d.source ? ([['Source', esc(d.source)]] as [string, string][]) : []),
  ];
}

// ---------------------------------------------------------------------------------------------
// Run report
// ---------------------------------------------------------------------------------------------

function thresholdCaption(thresholdEv: number): string {
  return `A crystal counts as a <b>non-metal</b> when its band gap exceeds <b>${esc(formatSig(thresholdEv, 2))} eV</b>, about the thermal energy kT at room temperature (300 K): across a smaller gap, electrons are thermally excited and the material conducts like a metal. The network is not trained as a classifier; its predicted band gap is compared with the same threshold. <b>ROC AUC</b>: probability that a random non-metal gets a larger predicted gap than a random metal (1 = perfect, 0.5 = chance).`;
}

function metricsTable(tasks: readonly ReportTask[], metrics: Readonly<Record<string, TaskMetrics>>): string {
  const rows = tasks
    .filter((t) => metrics[t.name])
    .map((t) => {
      const m = metrics[t.name];
      const unit = m.unit || t.unit;
      return `<tr><th scope="row">${taskHeaderHtml({ ...t, unit })}</th>${numCell(formatInt(m.n))}${numCell(withUnit(formatSig(m.mae), unit))}${numCell(withUnit(formatSig(m.rmse), unit))}${numCell(formatFixed(m.r2))}${numCell(formatFixed(m.spearman))}</tr>`;
    })
    .join('');
  return `<table class="metrics"><thead><tr><th>Property</th><th class="num">Test crystals</th><th class="num">MAE</th><th class="num">RMSE</th><th class="num">R²</th><th class="num">Spearman ρ</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * A task read as a binary classifier: a band-gap regression cut on its predicted gap (positive = non-metal), or a
 * classifier head's probability (positive = label 1, metal for the metal / non-metal classifier).
 */
interface BinaryReading {
  readonly task: ReportTask;
  readonly m: TaskMetrics;
  readonly confusion: ConfusionCounts;
  /** A classifier head rather than a band-gap regression. */
  readonly classifier: boolean;
  /** The classes are metal and non-metal (a band gap, or the metal / non-metal classifier). */
  readonly metal: boolean;
  readonly classes: BinaryClasses;
  /** The DFT class threshold in eV (a band gap's `threshold`, the metal classifier's `derivedFrom.below`). */
  readonly classThresholdEv?: number;
  /** The decision threshold the counts are at: eV on the predicted gap, or a probability. */
  readonly decision: number;
  /** The cut as printed: "0.025 eV", "p > 0.38". */
  readonly cutText: string;
  /** "chosen on the validation split", or '' when the decision threshold is the default. */
  readonly chosen: string;
  /** A band gap cut at its DFT threshold (files from before decision thresholds): printed as it always was. */
  readonly legacy: boolean;
}

function binaryReading(t: ReportTask, m: TaskMetrics | undefined): BinaryReading | undefined {
  if (!m || !m.confusion) return undefined;
  const chosenOn = t.decisionThresholdChosenOn ? `chosen on the ${t.decisionThresholdChosenOn}` : '';
  if (isClassifierTask(t, m)) {
    const metal = isMetalClassifier(t.name, 'classification');
    const decision = m.decision_threshold ?? DEFAULT_PROBABILITY_THRESHOLD;
    return {
      task: t,
      m,
      confusion: m.confusion,
      classifier: true,
      metal,
      classes: metal ? { positive: 'metal', negative: 'non-metal' } : { positive: 'label 1', negative: 'label 0' },
      ...(metal && t.derivedFrom ? { classThresholdEv: t.derivedFrom.below } : {}),
      decision,
      cutText: `p > ${String(Number(decision.toPrecision(2)))}`,
      chosen: chosenOn,
      legacy: false,
    };
  }
  if (!hasClassification(m)) return undefined;
  const decision = m.decision_threshold ?? m.threshold!;
  return {
    task: t,
    m,
    confusion: m.confusion,
    classifier: false,
    metal: true,
    classes: BAND_GAP_CLASSES,
    classThresholdEv: m.threshold,
    decision,
    cutText: withUnit(formatSig(decision, 2), 'eV'),
    chosen: decision === m.threshold ? '' : chosenOn,
    legacy: decision === m.threshold,
  };
}

function binaryReadings(tasks: readonly ReportTask[], metrics: Readonly<Record<string, TaskMetrics>>): BinaryReading[] {
  return tasks.map((t) => binaryReading(t, metrics[t.name])).filter((b): b is BinaryReading => b !== undefined);
}

function confusionRates(c: ConfusionCounts): { n: number; accuracy: number; precision: number; recall: number; f1: number } {
  const n = c.tp + c.fp + c.tn + c.fn;
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : NaN;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : NaN;
  const f1 = 2 * c.tp + c.fp + c.fn > 0 ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : NaN;
  return { n, accuracy: n > 0 ? (c.tp + c.tn) / n : NaN, precision, recall, f1 };
}

/** Accuracy as stored with the metrics (newer files), else from the counts. */
function readingAccuracy(b: BinaryReading): number {
  return typeof b.m.accuracy === 'number' ? b.m.accuracy : confusionRates(b.confusion).accuracy;
}

/** What a reading's score is and which class is positive, for the first cell of its table row. */
function readingWhat(b: BinaryReading): string {
  const dft = b.classThresholdEv !== undefined ? formatSig(b.classThresholdEv, 2) : '';
  if (!b.classifier) return `predicted gap; positive: non-metal (DFT gap above ${dft} eV)`;
  if (!b.metal) return 'classifier head; positive: label 1';
  return `classifier head; positive: metal${dft ? ` (DFT gap below ${dft} eV)` : ''}`;
}

function legacyClassificationTable(readings: readonly BinaryReading[]): string {
  const rows = readings
    .map(({ task: t, m, confusion: c }) => {
      const r = confusionRates(c);
      return `<tr><th scope="row">${taskHeaderHtml(t)}</th>${numCell(withUnit(formatSig(m.threshold!, 2), 'eV'))}${numCell(formatFixed(m.roc_auc))}${numCell(formatFixed(r.accuracy))}${numCell(formatFixed(r.precision))}${numCell(formatFixed(r.recall))}${numCell(formatInt(c.tp))}${numCell(formatInt(c.fp))}${numCell(formatInt(c.tn))}${numCell(formatInt(c.fn))}</tr>`;
    })
    .join('');
  return `<table class="classification"><thead><tr><th>Metal / non-metal from</th><th class="num">Threshold</th><th class="num">ROC AUC</th><th class="num">Accuracy</th><th class="num">Precision</th><th class="num">Recall</th><th class="num">TP</th><th class="num">FP</th><th class="num">TN</th><th class="num">FN</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function classificationTable(readings: readonly BinaryReading[]): string {
  if (readings.length === 0) return '';
  if (readings.every((b) => b.legacy)) return legacyClassificationTable(readings);
  const rows = readings
    .map((b) => {
      const c = b.confusion;
      const r = confusionRates(c);
      const f1 = typeof b.m.f1 === 'number' ? b.m.f1 : r.f1;
      const where = b.chosen || (b.classifier ? 'default threshold' : 'the DFT class threshold');
      // The note under the cut wraps (number cells do not).
      const cut = `<td class="num">${esc(b.cutText)}<span class="sub" style="white-space: normal">${esc(b.classifier ? where : `on the predicted gap, ${where}`)}</span></td>`;
      return `<tr><th scope="row">${taskHeaderHtml(b.task)}<span class="sub">${esc(readingWhat(b))}</span></th>${cut}${numCell(formatFixed(b.m.roc_auc))}${numCell(formatFixed(readingAccuracy(b)))}${numCell(formatFixed(f1))}${numCell(formatInt(c.tp))}${numCell(formatInt(c.fp))}${numCell(formatInt(c.tn))}${numCell(formatInt(c.fn))}</tr>`;
    })
    .join('');
  const head = readings.every((b) => b.metal) ? 'Metal / non-metal from' : 'Classified by';
  return `<table class="classification"><thead><tr><th>${head}</th><th class="num">Decision threshold</th><th class="num">ROC AUC</th><th class="num">Accuracy</th><th class="num">F1</th><th class="num">TP</th><th class="num">FP</th><th class="num">TN</th><th class="num">FN</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Heading and caption of the classification table. */
function classificationSection(readings: readonly BinaryReading[]): string {
  if (readings.length === 0) return '';
  const metalOnly = readings.every((b) => b.metal);
  const heading = `<h3>${metalOnly ? 'Metal / non-metal classification' : 'Classification'}</h3>`;
  if (readings.every((b) => b.legacy)) {
    return `${heading}${classificationTable(readings)}<p class="caption">${thresholdCaption(readings[0].m.threshold!)} Precision, recall and the counts TP / FP / TN / FN treat non-metal as the positive class.</p>`;
  }
  const parts: string[] = [];
  const dft = readings.find((b) => b.classThresholdEv !== undefined)?.classThresholdEv;
  if (dft !== undefined) {
    parts.push(`A crystal counts as a <b>non-metal</b> when its DFT band gap exceeds <b>${esc(formatSig(dft, 2))} eV</b>, about the thermal energy kT at room temperature (300 K): across a smaller gap, electrons are thermally excited and the material conducts like a metal.`);
  }
  for (const b of readings) {
    const name = esc(taskName(b.task));
    if (b.classifier) {
      parts.push(
        `<b>${name}</b> is a classifier head trained with a logistic loss: it predicts the probability p that a crystal is ${b.metal ? 'a metal' : 'of class 1'} and calls it ${b.metal ? 'a metal' : 'class 1'} when p is above the decision threshold (${esc(b.cutText)}${b.chosen ? `, ${esc(b.chosen)}` : ''}).`,
      );
    } else if (b.legacy) {
      parts.push(`The <b>${esc(taskName(b.task).toLowerCase())}</b> regression is read as a classifier by comparing its predicted gap with the same ${esc(b.cutText)}.`);
    } else {
      parts.push(
        `The <b>${esc(taskName(b.task).toLowerCase())}</b> regression is read as a classifier by cutting its predicted gap at ${esc(b.cutText)}${b.chosen ? ` (${esc(b.chosen)})` : ''}: a regressed gap is biased upwards near zero, so the DFT threshold itself would call many metals non-metals.`,
      );
    }
  }
  parts.push(
    `<b>ROC AUC</b>: probability that a random crystal of the positive class gets a higher score (predicted gap or probability) than a random one of the other class (1 = perfect, 0.5 = chance). Accuracy, F1 and the counts TP / FP / TN / FN are at the decision threshold and count each row's own positive class${metalOnly && readings.some((b) => b.classifier) && readings.some((b) => !b.classifier) ? ': non-metal for the band gap, metal for the classifier head' : ''}.`,
  );
  return `${heading}${classificationTable(readings)}<p class="caption">${parts.join(' ')}</p>`;
}

function baselineTable(tasks: readonly ReportTask[], metrics: Readonly<Record<string, TaskMetrics>>, rows: readonly BaselineRow[]): string {
  const cols = tasks.filter((t) => metrics[t.name]);
  const head = `<tr><th>Model</th>${cols.map((t) => `<th class="num">${esc(taskName(t))} MAE</th>`).join('')}<th>Note</th></tr>`;
  const self = `<tr class="self"><th scope="row">This model</th>${cols.map((t) => numCell(withUnit(formatSig(metrics[t.name].mae), metrics[t.name].unit || t.unit))).join('')}<td></td></tr>`;
  const body = rows
    .map((r) => {
      const cells = cols
        .map((t) => {
          const v = r.mae[t.name];
          const own = metrics[t.name].mae;
          const unit = metrics[t.name].unit || t.unit;
          if (typeof v !== 'number' || !Number.isFinite(v)) return numCell(MISSING);
          const rel = own !== null && v > 0 ? (100 * (own - v)) / v : NaN;
          const relText = Number.isFinite(rel) ? `this model ${formatPercent(rel, 0)}` : '';
          return `<td class="num">${esc(withUnit(formatSig(v), unit))}${relText ? `<span class="sub">${esc(relText)}</span>` : ''}</td>`;
        })
        .join('');
      return `<tr><th scope="row">${esc(r.label)}</th>${cells}<td class="muted">${esc(r.note ?? '')}</td></tr>`;
    })
    .join('');
  return `<table class="baselines"><thead>${head}</thead><tbody>${self}${body}</tbody></table>`;
}

function runSummaryText(r: RunReport, tasks: readonly ReportTask[], readings: readonly BinaryReading[]): string {
  const parts: string[] = [];
  for (const t of tasks) {
    const m = r.metrics.tasks[t.name];
    if (!m || m.mae === null || isClassifierTask(t, m)) continue;
    parts.push(`${esc(taskName(t).toLowerCase())} with a mean absolute error of <b>${esc(withUnit(formatSig(m.mae), m.unit || t.unit))}</b> (R² ${esc(formatFixed(m.r2))})`);
  }
  const nTest = r.dataset.split.test;
  let s = `On <b>${esc(formatInt(nTest))}</b> test crystals that were never used for training or model selection, the ${esc(r.model.kind)} model predicts `;
  s += parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}.` : `${parts[0] ?? 'no labelled property'}.`;
  for (const b of readings) {
    const correct = esc(formatFixed(100 * readingAccuracy(b), 1));
    const auc = esc(formatFixed(b.m.roc_auc));
    if (b.legacy) {
      s += ` Read as a metal / non-metal classifier (gap above ${esc(formatSig(b.m.threshold!, 2))} eV = non-metal), the predicted ${esc(taskName(b.task).toLowerCase())} reaches ROC AUC <b>${auc}</b> and labels ${correct} % of the test crystals correctly.`;
    } else if (!b.classifier) {
      s += ` Read as a metal / non-metal classifier (DFT gap above ${esc(formatSig(b.classThresholdEv!, 2))} eV = non-metal; predicted non-metal when the predicted gap is above ${esc(b.cutText)}${b.chosen ? `, a cut ${esc(b.chosen)}` : ''}), the predicted ${esc(taskName(b.task).toLowerCase())} reaches ROC AUC <b>${auc}</b> and labels ${correct} % of the test crystals correctly.`;
    } else {
      const what = b.metal
        ? `a metal / non-metal classifier head (<code>${esc(b.task.name)}</code>, trained with a logistic loss${b.classThresholdEv !== undefined ? `; metal = DFT band gap below ${esc(formatSig(b.classThresholdEv, 2))} eV` : ''}), which predicts the probability that a crystal is a metal`
        : `a classifier head (<code>${esc(b.task.name)}</code>, ${esc(taskName(b.task).toLowerCase())}, trained with a logistic loss), which predicts the probability of class 1`;
      s += ` The model also has ${what}: ROC AUC <b>${auc}</b>; at the threshold ${esc(b.cutText)}${b.chosen ? ` (${esc(b.chosen)})` : ''} it labels ${correct} % of the test crystals correctly.`;
    }
  }
  return s;
}

function uncertaintyNote(p: { true: readonly (number | null)[]; pred: readonly number[]; std?: readonly number[] }, unit: string): string {
  if (!p.std) return '';
  let n = 0;
  let within = 0;
  let sumStd = 0;
  for (let i = 0; i < p.pred.length; i++) {
    const t = p.true[i];
    const s = p.std[i];
    if (t === null || !Number.isFinite(t) || !Number.isFinite(s)) continue;
    n++;
    sumStd += s;
    if (Math.abs(p.pred[i] - t) <= s) within++;
  }
  if (n === 0) return '';
  return ` Ensemble uncertainty: mean standard deviation ${esc(withUnit(formatSig(sumStd / n), unit))}; ${esc(formatFixed((100 * within) / n, 1))} % of the errors are within one standard deviation (about 68 % if the uncertainty is well calibrated).`;
}

function largestErrorsTable(r: RunReport, t: ReportTask, unit: string): string {
  const p = r.predictions.perTask[t.name];
  if (!p) return '';
  const idx: number[] = [];
  for (let i = 0; i < p.pred.length; i++) {
    const v = p.true[i];
    if (v !== null && Number.isFinite(v) && Number.isFinite(p.pred[i])) idx.push(i);
  }
  idx.sort((a, b) => Math.abs(p.pred[b] - p.true[b]!) - Math.abs(p.pred[a] - p.true[a]!) || a - b);
  const top = idx.slice(0, LARGEST_ERRORS_ROWS);
  if (top.length === 0) return '';
  const hasStd = !!p.std;
  const rows = top
    .map((i, k) => {
      const err = p.pred[i] - p.true[i]!;
      return `<tr>${numCell(String(k + 1))}<td class="mono">${esc(r.predictions.ids[i])}</td><td>${formulaHtml(r.predictions.formulas?.[i])}</td>${numCell(withUnit(formatSig(p.true[i]), unit))}${numCell(withUnit(formatSig(p.pred[i]), unit))}${numCell(withUnit(formatSig(err), unit))}${hasStd ? numCell(withUnit(formatSig(p.std![i], 2), unit)) : ''}</tr>`;
    })
    .join('');
  const cols = hasStd ? [5, 21, 18, 14, 14, 14, 14] : [5, 25, 21, 16, 17, 16];
  return `<table class="errors"><colgroup>${cols.map((w) => `<col style="width:${w}%">`).join('')}</colgroup><thead><tr><th class="num">#</th><th>Crystal ID</th><th>Formula</th><th class="num">DFT</th><th class="num">Predicted</th><th class="num">Error</th>${hasStd ? '<th class="num">Ensemble std</th>' : ''}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** ROC curve of a classifier's probabilities against its 0/1 labels (positive = label 1), from the test predictions. */
function rocOfPredictions(p: { readonly true: readonly (number | null)[]; readonly pred: readonly number[] }): RocPoints {
  const labels: boolean[] = [];
  const scores: number[] = [];
  p.true.forEach((v, i) => {
    if (v === null || !Number.isFinite(v) || !Number.isFinite(p.pred[i])) return;
    labels.push(v > 0.5);
    scores.push(p.pred[i]);
  });
  const c = rocCurve(labels, scores);
  return { fpr: c.fpr, tpr: c.tpr };
}

/** The per-task figures of a classifier head: its ROC curve and its confusion matrix at the decision threshold. */
function classifierFigures(idBase: string, task: ReportTask, b: BinaryReading, roc: RocPoints): string {
  const scoreName = `predicted probability of ${b.classes.positive}`;
  const rocSvg = rocCurveSvg({ id: `${idBase}-roc`, task, fpr: roc.fpr, tpr: roc.tpr, auc: b.m.roc_auc ?? null, cutText: b.cutText, classes: b.classes, scoreName, confusion: b.confusion });
  const conf = confusionMatrixSvg({ id: `${idBase}-confusion`, task, confusion: b.confusion, cutText: b.cutText, classes: b.classes });
  return `<figure><div class="fig-row">${rocSvg}${conf}</div>
<figcaption><b>Left:</b> ROC curve of the classifier head as the threshold on its predicted probability is swept (positive class: ${esc(b.classes.positive)}); the circle is the operating point at ${esc(b.cutText)}${b.chosen ? `, ${esc(b.chosen)}` : ''}, the dashed diagonal is random guessing. <b>Right:</b> counts at that threshold; rows are the DFT class, columns the predicted class; blue cells are correct, orange cells are errors, and the shade shows the share of the row. The head predicts a probability, so it has no parity plot or MAE.</figcaption></figure>`;
}

/** Renders a training run as one self-contained, printable HTML document. */
export function renderRunReportHtml(r: RunReport): string {
  validateRunReport(r);
  const tasks = r.model.tasks;
  const metrics = r.metrics.tasks;
  const body: string[] = [];

  body.push(
    titleBlock(
      'Training run report',
      r.title,
      [
        `${r.model.kind}, ${tasks.length} ${tasks.length === 1 ? 'property' : 'properties'}`,
        `dataset ${r.dataset.name}`,
        `${formatInt(r.dataset.crystals)} crystals`,
        `backend ${r.model.backend}`,
        formatDateTime(r.createdIso),
      ],
      r.notes,
    ),
  );

  // --- 1. Results at a glance
  // Classifier heads predict a probability: no MAE, no parity plot; they are read by their ROC AUC and accuracy.
  const regression = tasks.filter((t) => !isClassifierTask(t, metrics[t.name]));
  const readings = binaryReadings(tasks, metrics);
  const hasHead = readings.some((b) => b.classifier);
  const cards: string[] = [];
  for (const t of regression) {
    const m = metrics[t.name];
    if (!m) continue;
    const unit = m.unit || t.unit;
    cards.push(card(taskName(t), formatSig(m.mae), unit, `MAE · R² ${esc(formatFixed(m.r2))} · n = ${esc(formatInt(m.n))}`));
  }
  for (const b of readings) {
    const auc = formatFixed(b.m.roc_auc);
    const name = taskName(b.task);
    if (b.classifier) {
      cards.push(card(name, auc, '', `ROC AUC · accuracy ${esc(formatFixed(readingAccuracy(b)))} at ${esc(b.cutText)}${b.chosen ? ` (${esc(b.chosen)})` : ''} · n = ${esc(formatInt(b.m.n))}`, true));
    } else if (b.legacy && !hasHead) {
      cards.push(card('Metal / non-metal', auc, '', `ROC AUC · ${esc(name.toLowerCase())} cut at ${esc(formatSig(b.m.threshold!, 2))} eV`, true));
    } else {
      cards.push(card(hasHead ? `Metal from ${name.toLowerCase()}` : 'Metal / non-metal', auc, '', `ROC AUC · accuracy ${esc(formatFixed(readingAccuracy(b)))} with the predicted ${esc(name.toLowerCase())} cut at ${esc(b.cutText)}`, true));
    }
  }
  if (regression.length > 1) {
    cards.push(card('Average MAE', formatSig(r.metrics.average_mae), '', 'mean of the task MAEs (mixed units)', true));
  }
  body.push(`<section class="major" id="results">
<h2><span class="num">1</span>Results on the test set</h2>
<div class="cards">${cards.join('')}</div>
<p class="summary">${runSummaryText(r, tasks, readings)}</p>
${regression.length ? `<h3>Regression metrics</h3>
${metricsTable(regression, metrics)}
<p class="caption"><b>MAE</b>: mean absolute error; <b>RMSE</b>: root-mean-square error, which weighs large errors more; both in the property's unit. <b>R²</b>: share of the variance of the DFT values the model explains (1 = perfect). <b>Spearman ρ</b>: rank correlation (1 = same order as DFT). R² and ρ have no unit.</p>` : ''}
${classificationSection(readings)}
${r.baselines && r.baselines.length ? `<h3>Comparison</h3>${baselineTable(regression, metrics, r.baselines)}<p class="caption">Test MAE of other models; below each value, this model's MAE relative to it (negative = this model is better). Results on other data or splits are only roughly comparable.</p>` : ''}
</section>`);

  // --- 2. Data and model
  body.push(`<section class="major" id="data-model">
<h2><span class="num">2</span>Data and model</h2>
<h3>Dataset</h3>
${kvTable(datasetCardRows(r.dataset, tasks))}
<p class="caption">The split is random with the seed shown; the test crystals are held out until this evaluation, the validation crystals monitor the error during training. Missing labels are allowed: a crystal contributes to the tasks it has values for.</p>
<h3>Model</h3>
${kvTable(modelCardRows(r.model))}
<p class="caption">CGCNN turns each crystal into a graph (atoms as nodes, bonds to neighbours within the cut-off as edges), refines the atom vectors by graph convolutions and pools them into one vector per crystal. MT-CGCNN predicts several properties from that shared representation at once.</p>
</section>`);

  // --- 3. Per-property predictions
  let sectionNo = 0;
  const predParts: string[] = [];
  for (const t of tasks) {
    const m = metrics[t.name];
    const p = r.predictions.perTask[t.name];
    if (!m || !p) continue;
    sectionNo++;
    const unit = m.unit || t.unit;
    const task = { ...t, unit };
    const idBase = `fig-${sectionNo}`;
    const reading = readings.find((b) => b.task.name === t.name);
    const heading = `<h3><span class="num">3.${sectionNo}</span>${esc(taskName(t))} <span class="muted">(<code>${esc(t.name)}</code>)</span></h3>`;
    const open = `<div class="${sectionNo > 1 ? 'task-section' : ''}" id="task-${sectionNo}">\n${heading}`;
    if (isClassifierTask(t, m)) {
      predParts.push(`${open}\n${reading ? classifierFigures(idBase, task, reading, r.roc?.[t.name] ?? rocOfPredictions(p)) : ''}</div>`);
      continue;
    }
    const parity = parityPlotSvg({ id: `${idBase}-parity`, task, yTrue: p.true, yPred: p.pred, mae: m.mae, r2: m.r2 });
    const resid = residualHistogramSvg({ id: `${idBase}-residuals`, task, yTrue: p.true, yPred: p.pred });
    const sampled =
      parity.total !== undefined && parity.shown !== undefined && parity.shown < parity.total
        ? ` For legibility ${esc(formatInt(parity.shown))} of the ${esc(formatInt(parity.total))} points are drawn (an even subset plus the ${esc(formatInt(Math.floor(MAX_SCATTER_POINTS * 0.05)))} largest errors).`
        : '';
    let part = `${open}
<figure><div class="fig-row">${parity.svg}${resid}</div>
<figcaption><b>Left:</b> predicted against DFT ${esc(taskName(t).toLowerCase())} for each test crystal; points on the dashed line y = x are exact. <b>Right:</b> distribution of the errors (predicted − DFT); a narrow peak centred on zero is good, a shifted peak is a systematic bias.${sampled}${uncertaintyNote(p, unit)}</figcaption></figure>`;
    if (reading) {
      const roc = r.roc?.[t.name];
      const rocSvg = roc
        ? rocCurveSvg({ id: `${idBase}-roc`, task, fpr: roc.fpr, tpr: roc.tpr, auc: m.roc_auc ?? null, thresholdEv: reading.decision, confusion: m.confusion })
        : '';
      const conf = confusionMatrixSvg({ id: `${idBase}-confusion`, task, confusion: m.confusion!, thresholdEv: reading.decision });
      const point = reading.legacy
        ? `at ${esc(formatSig(m.threshold!, 2))} eV (about kT at room temperature)`
        : `at the cut of ${esc(reading.cutText)} on the predicted gap${reading.chosen ? `, ${esc(reading.chosen)}` : ''} (the DFT class is cut at ${esc(formatSig(m.threshold!, 2))} eV, about kT at room temperature)`;
      part += `<figure><div class="fig-row">${rocSvg}${conf}</div>
<figcaption><b>Left:</b> ROC curve of the metal / non-metal decision as the cut on the predicted band gap is swept; the circle is the operating point ${point}, the dashed diagonal is random guessing. <b>Right:</b> counts at that cut; rows are the DFT class, columns the predicted class; blue cells are correct, orange cells are errors, and the shade shows the share of the row.</figcaption></figure>`;
    }
    const errors = largestErrorsTable(r, t, unit);
    if (errors) {
      part += `<div class="keep"><h3>Largest errors: ${esc(taskName(t).toLowerCase())}</h3>
${errors}
<p class="caption">The ${LARGEST_ERRORS_ROWS} test crystals with the largest absolute error (predicted − DFT). Large errors often point at unusual chemistry, disputed reference values or structures unlike the training set.</p></div>`;
    }
    part += '</div>';
    predParts.push(part);
  }
  body.push(`<section class="major" id="predictions">
<h2><span class="num">3</span>Predictions per property</h2>
${predParts.join('\n')}
</section>`);

  // --- 4. Training
  if (r.history.length > 0) {
    const loss = trainingLossSvg({ id: 'fig-train-loss', history: r.history, tasks });
    const val = tasks.map((t, k) => validationMaeSvg({ id: `fig-val-mae-${k + 1}`, history: r.history, task: { ...t, unit: metrics[t.name]?.unit || t.unit }, colorIndex: k }));
    const rowsOfTwo: string[] = [];
    for (let i = 0; i < val.length; i += 2) rowsOfTwo.push(`<div class="fig-row">${val[i]}${val[i + 1] ?? ''}</div>`);
    const weights = taskWeightsSvg({ id: 'fig-task-weights', history: r.history, tasks });
    body.push(`<section class="major" id="training">
<h2><span class="num">4</span>Training</h2>
<figure>${loss}<figcaption>Training loss of each task per epoch, on standardised targets (each property rescaled to zero mean and unit variance on the training set) so that the tasks can share one axis. Log scale.</figcaption></figure>
<figure>${rowsOfTwo.join('')}<figcaption>Validation MAE per epoch in each property's unit; the circle marks the lowest value. A validation curve that rises while the training loss keeps falling means over-fitting.${hasHead ? ' For a classifier head the MAE is the mean distance between the predicted probability and the 0/1 label.' : ''}</figcaption></figure>
${weights ? `<figure>${weights}<figcaption>Weight of each task in the total loss per epoch (${esc(r.model.weighting.mode === 'gradnorm' ? 'GradNorm' : 'learned uncertainty weighting')}): a task whose weight falls is treated as noisier or easier by the optimiser.</figcaption></figure>` : ''}
</section>`);
  }

  body.push(footerHtml({ appVersion: r.appVersion, backend: r.model.backend, createdIso: r.createdIso }));

  return documentHtml({ title: r.title, appVersion: r.appVersion, body: body.join('\n') });
}

// ---------------------------------------------------------------------------------------------
// Experiment report
// ---------------------------------------------------------------------------------------------

function combinationLabel(tasks: readonly string[], byName: Map<string, ReportTask>): string {
  return tasks.map((c) => esc(taskName(byName.get(c) ?? { name: c, unit: '' }))).join(' + ');
}

/** Column head of the learning-curve tables: training crystals as a share of ALL crystals (as `train --train-fraction`). */
const TRAINING_SHARE = 'Training data (share of all crystals)';

/** Renders the paper-style study (task combinations, repeats, training fractions). */
export function renderExperimentReportHtml(r: ExperimentReport): string {
  const tasks = r.tasks;
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const combos = summarizeCombinations(tasks, r.combinationRuns);
  const fractions = summarizeFractions(tasks, r.fractionRuns ?? []);
  const maxRepeats = Math.max(0, ...combos.map((c) => c.repeats));
  const body: string[] = [];

  body.push(
    titleBlock(
      'Experiment report',
      r.title,
      [
        `${tasks.length} properties`,
        `${formatInt(combos.length)} task combinations`,
        r.trainedModels !== undefined
          ? `${formatInt(r.trainedModels)} trained model${r.trainedModels === 1 ? '' : 's'}`
          : `${formatInt(r.combinationRuns.length + (r.fractionRuns?.length ?? 0))} results`,
        ...(r.dataset ? [`dataset ${r.dataset.name}`] : []),
        `backend ${r.backend}`,
        formatDateTime(r.createdIso),
      ],
      r.description,
    ),
  );

  // Cards: best improvement.
  const multi = combos.filter((c) => c.tasks.length > 1 && Number.isFinite(c.improvementPct));
  const best = multi.reduce<(typeof multi)[number] | undefined>((a, c) => (!a || c.improvementPct > a.improvementPct ? c : a), undefined);
  const cards: string[] = [];
  if (best) cards.push(card('Best combination', formatPercent(best.improvementPct), '', `${combinationLabel(best.tasks, byName)}: MAE change vs single-task`));
  cards.push(card('Task combinations', formatInt(combos.length), '', `${formatInt(combos.filter((c) => c.tasks.length === 1).length)} single-task baselines`));
  cards.push(card('Repeats', formatInt(maxRepeats), '', 'per combination (different seeds)', true));

  // Table 1.
  const t1 = combos
    .map((c) => {
      const single = c.tasks.length === 1;
      // The unit is printed when the combination's tasks share one; mixed units print the bare number.
      const us = [...new Set(c.tasks.map((t) => byName.get(t)?.unit ?? ''))];
      const unit = us.length === 1 ? us[0] : '';
      return `<tr${single ? ' class="self"' : ''}><th scope="row">${combinationLabel(c.tasks, byName)}${single ? '<span class="sub">single-task baseline (CGCNN)</span>' : ''}</th>${numCell(formatInt(c.repeats))}${numCell(withUnit(formatSig(c.averageMae), unit))}${numCell(single ? MISSING : withUnit(formatSig(c.baselineAverageMae), unit))}${numCell(single ? MISSING : formatPercent(c.improvementPct))}</tr>`;
    })
    .join('');
  const units = [...new Set(tasks.map((t) => displayUnit(t.unit)).filter((u) => u))];
  body.push(`<section class="major" id="combinations">
<h2><span class="num">1</span>Task combinations</h2>
<div class="cards">${cards.join('')}</div>
<h3>Table 1. Average test MAE per task combination</h3>
<table><thead><tr><th>Tasks trained together</th><th class="num">Repeats</th><th class="num">Average MAE</th><th class="num">Single-task average</th><th class="num">Improvement</th></tr></thead><tbody>${t1}</tbody></table>
<p class="caption"><b>Average MAE</b>: mean over the combination's properties of the test MAE (each averaged over repeats)${units.length > 1 ? `; where the properties have different units (${esc(units.join(', '))}) the average has none and is only a ranking aid` : ''}. <b>Single-task average</b>: the same average for separate single-task models. <b>Improvement</b>: mean relative reduction of the MAE per property against its single-task model, in percent (positive = training together helps).</p>
`);

  // Table 2.
  const bestPerTask = new Map<string, number>();
  for (const t of tasks) {
    const vals = combos.map((c) => c.perTask[t.name]?.mean).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    if (vals.length) bestPerTask.set(t.name, Math.min(...vals));
  }
  const t2 = combos
    .map((c) => {
      const cells = tasks
        .map((t) => {
          const ms = c.perTask[t.name];
          if (!ms) return numCell('');
          const isBest = bestPerTask.get(t.name) === ms.mean && combos.length > 1;
          return numCell(formatMeanStd(ms.mean, ms.std, t.unit), isBest ? 'best' : '');
        })
        .join('');
      return `<tr${c.tasks.length === 1 ? ' class="self"' : ''}><th scope="row">${combinationLabel(c.tasks, byName)}</th>${cells}</tr>`;
    })
    .join('');
  body.push(`<h3>Table 2. Test MAE per property, mean ± standard deviation over repeats</h3>
<table><thead><tr><th>Tasks trained together</th>${tasks.map((t) => `<th class="num">${esc(taskName(t))}</th>`).join('')}</tr></thead><tbody>${t2}</tbody></table>
<p class="caption">Each cell is the test MAE of one property when trained with the combination in that row; empty cells: the property was not part of the combination. Standard deviation over ${esc(formatInt(maxRepeats))} repeats with different random seeds (sample standard deviation; none with a single repeat). Bold: lowest MAE for the property.</p>
</section>`);

  // Table 3 + charts.
  if (fractions.length) {
    const allFractions = [...new Set(fractions.flatMap((s) => s.points.map((p) => p.trainingFraction)))].sort((a, b) => a - b);
    const rows3: string[] = [];
    for (const s of fractions) {
      for (const p of s.points) {
        rows3.push(
          `<tr><th scope="row">${esc(s.label)}</th>${numCell(`${formatPlain(100 * p.trainingFraction)} %`)}${numCell(p.trainSize !== undefined ? formatInt(p.trainSize) : MISSING)}${tasks
            .map((t) => (p.mae[t.name] ? numCell(formatMeanStd(p.mae[t.name].mean, p.mae[t.name].std, t.unit)) : numCell('')))
            .join('')}</tr>`,
        );
      }
    }
    const aucTasks = tasks.filter((t) => fractions.some((s) => s.points.some((p) => p.rocAuc[t.name])));
    const spTasks = tasks.filter((t) => fractions.some((s) => s.points.some((p) => p.spearman[t.name])));
    const rows3b: string[] = [];
    for (const s of fractions) {
      for (const p of s.points) {
        rows3b.push(
          `<tr><th scope="row">${esc(s.label)}</th>${numCell(`${formatPlain(100 * p.trainingFraction)} %`)}${spTasks
            .map((t) => numCell(p.spearman[t.name] ? meanStdFixed(p.spearman[t.name]) : ''))
            .join('')}${aucTasks.map((t) => numCell(p.rocAuc[t.name] ? meanStdFixed(p.rocAuc[t.name]) : '')).join('')}</tr>`,
        );
      }
    }
    const charts: string[] = [];
    tasks.forEach((t, k) => {
      const series: FractionChartSeries[] = fractions.map((s) => ({
        label: s.label,
        points: s.points.filter((p) => p.mae[t.name]).map((p) => ({ fraction: p.trainingFraction, value: p.mae[t.name] })),
      }));
      if (series.every((s) => s.points.length === 0)) return;
      const unit = displayUnit(t.unit);
      charts.push(metricVsFractionSvg({ id: `fig-lc-mae-${k + 1}`, title: `${taskName(t)}: test MAE`, yName: `MAE${unit ? ` (${unit})` : ''}`, series }));
    });
    spTasks.forEach((t, k) => {
      const series = fractions.map((s) => ({
        label: s.label,
        points: s.points.filter((p) => p.spearman[t.name]).map((p) => ({ fraction: p.trainingFraction, value: p.spearman[t.name] })),
      }));
      charts.push(metricVsFractionSvg({ id: `fig-lc-spearman-${k + 1}`, title: `${taskName(t)}: Spearman ρ`, yName: 'Spearman ρ (unitless)', series }));
    });
    aucTasks.forEach((t, k) => {
      const series = fractions.map((s) => ({
        label: s.label,
        points: s.points.filter((p) => p.rocAuc[t.name]).map((p) => ({ fraction: p.trainingFraction, value: p.rocAuc[t.name] })),
      }));
      charts.push(metricVsFractionSvg({ id: `fig-lc-auc-${k + 1}`, title: `Metal / non-metal AUC (${taskName(t).toLowerCase()})`, yName: 'ROC AUC', series }));
    });
    const chartRows: string[] = [];
    for (let i = 0; i < charts.length; i += 2) chartRows.push(`<div class="fig-row">${charts[i]}${charts[i + 1] ?? ''}</div>`);
    body.push(`<section class="major" id="fractions">
<h2><span class="num">2</span>Learning curves</h2>
<h3>Table 3. Test MAE against training-set size</h3>
<table><thead><tr><th>Model</th><th class="num">${TRAINING_SHARE}</th><th class="num">Training crystals</th>${tasks.map((t) => `<th class="num">${esc(taskName(t))}</th>`).join('')}</tr></thead><tbody>${rows3.join('')}</tbody></table>
<p class="caption">Models trained on ${esc(allFractions.map((f) => `${formatPlain(100 * f)} %`).join(', '))} of all ${r.dataset ? `${esc(formatInt(r.dataset.crystals))} ` : ''}crystals, taken from the training part; validation and test parts fixed (the same crystals for every model of a repeat). Mean ± standard deviation over repeats.</p>
${spTasks.length || aucTasks.length ? `<h3>Table 3b. Ranking and classification against training-set size</h3>
<table><thead><tr><th>Model</th><th class="num">${TRAINING_SHARE}</th>${spTasks.map((t) => `<th class="num">${esc(taskName(t))} ρ</th>`).join('')}${aucTasks.map((t) => `<th class="num">Metal / non-metal AUC${aucTasks.length > 1 ? ` (${esc(taskName(t))})` : ''}</th>`).join('')}</tr></thead><tbody>${rows3b.join('')}</tbody></table>
<p class="caption">Spearman ρ: rank correlation between predicted and DFT values (unitless, 1 = same order). AUC: metal / non-metal classification from the predicted band gap at 0.025 eV (about kT at room temperature; 1 = perfect, 0.5 = chance).</p>` : ''}
<figure>${chartRows.join('')}<figcaption>Mean over repeats; bars show ± one standard deviation. Lower MAE and higher ρ and AUC are better; x axis: training crystals as a share of all crystals. A curve still falling at the largest share means more data would help.</figcaption></figure>
</section>`);
  }

  if (r.dataset || r.model) {
    body.push(`<section class="major" id="setup">
<h2><span class="num">${fractions.length ? 3 : 2}</span>Setup</h2>
${r.dataset ? `<h3>Dataset</h3>${kvTable(datasetCardRows(r.dataset, tasks))}` : ''}
${r.model ? `<h3>Model settings shared by all runs</h3>${kvTable(modelCardRows({ ...r.model, tasks }))}` : ''}
${footerHtml({ appVersion: r.appVersion, backend: r.backend, createdIso: r.createdIso })}
</section>`);
  } else {
    body.push(footerHtml({ appVersion: r.appVersion, backend: r.backend, createdIso: r.createdIso }));
  }
  return documentHtml({ title: r.title, appVersion: r.appVersion, body: body.join('\n') });
}

function meanStdFixed(ms: MeanStd): string {
  if (!Number.isFinite(ms.mean)) return MISSING;
  return Number.isFinite(ms.std) ? `${formatFixed(ms.mean)} ± ${formatFixed(ms.std)}` : formatFixed(ms.mean);
}

// ---------------------------------------------------------------------------------------------
// Screening report
// ---------------------------------------------------------------------------------------------

/** What a screened task's value is, in prose: "predicted band gap", "probability of metal" (a classifier head). */
function predictedWhat(t: ReportTask): string {
  if (t.kind !== 'classification') return `predicted ${taskName(t).toLowerCase()}`;
  return isMetalClassifier(t.name, t.kind) ? 'probability of metal' : `probability of ${taskName(t).toLowerCase()}`;
}

function candidateTable(list: CandidateList, t: ReportTask): string {
  // A classifier's value is a probability: printed bare (no unit), the ensemble spread likewise.
  const unit = t.kind === 'classification' ? '' : t.unit;
  const hasStd = list.items.some((c) => typeof c.std === 'number');
  const rows = list.items
    .map(
      (c, k) =>
        `<tr>${numCell(String(k + 1))}<td class="mono">${esc(c.id)}</td><td>${formulaHtml(c.formula)}</td>${numCell(
          typeof c.std === 'number' && Number.isFinite(c.std) ? `${formatSig(c.value)} ± ${formatSig(c.std, 2)}${unit ? ` ${displayUnit(unit)}` : ''}` : withUnit(formatSig(c.value), unit),
        )}<td>${c.ood ? '<span class="badge ood">out of domain</span>' : '<span class="badge ok">in domain</span>'}</td></tr>`,
    )
    .join('');
  const head = t.kind === 'classification' ? capitalised(predictedWhat(t)) : 'Predicted';
  return `<table class="candidates"><thead><tr><th class="num">Rank</th><th>Structure ID</th><th>Formula</th><th class="num">${esc(head)}${hasStd ? ' ± std' : ''}</th><th>Domain</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** "Top N candidates: lowest predicted ..." heading and the table of one candidate list. */
function candidateHeadingAndTable(list: CandidateList, t: ReportTask): string {
  const target = list.target
    ? ` within the target window ${esc(
        [list.target.min !== undefined ? `≥ ${withUnit(formatSig(list.target.min), t.unit)}` : '', list.target.max !== undefined ? `≤ ${withUnit(formatSig(list.target.max), t.unit)}` : '']
          .filter(Boolean)
          .join(' and '),
      )} (dashed lines)`
    : '';
  return `<h3>Top ${esc(formatInt(list.items.length))} candidates: ${list.rankBy === 'min' ? 'lowest' : 'highest'} ${esc(predictedWhat(t))}${target}</h3>${candidateTable(list, t)}`;
}

/** Renders a screening run (model card, counts, top candidates and distributions per property). */
export function renderScreeningReportHtml(r: ScreeningReport): string {
  const tasks = r.model.tasks;
  const c = r.counts;
  const predicted = Math.max(0, c.screened - c.failed);
  const body: string[] = [];
  body.push(
    titleBlock(
      'Screening report',
      r.title,
      [
        `${r.model.kind}, ${tasks.length} ${tasks.length === 1 ? 'property' : 'properties'}`,
        ...(r.source ? [`structures from ${r.source.name}`] : []),
        `backend ${r.model.backend}`,
        formatDateTime(r.createdIso),
      ],
      r.notes,
    ),
  );
  const pct = (x: number) => (c.screened > 0 ? `${formatShare((100 * x) / c.screened)} of screened` : '');
  const cards = [
    card('Screened', formatInt(c.screened), '', r.source?.dir ? `<code>${esc(r.source.dir)}</code>` : 'structures submitted'),
    card('Predicted', formatInt(predicted), '', esc(pct(predicted))),
    card('Failed', formatInt(c.failed), '', `${esc(pct(c.failed))}${c.failed ? ' (unreadable or unsupported)' : ''}`, true),
    card('Out of domain', formatInt(c.outOfDomain), '', esc(c.screened > 0 && predicted > 0 ? `${formatShare((100 * c.outOfDomain) / predicted)} of predicted` : ''), true),
  ];
  body.push(`<section class="major" id="overview">
<h2><span class="num">1</span>Overview</h2>
<div class="cards">${cards.join('')}</div>
<p class="caption"><b>Out of domain</b>: ${r.oodCriterion ? esc(r.oodCriterion) : 'the structure differs from everything the model was trained on'}. Predictions for such structures are extrapolations and much less reliable than the test-set errors of the model suggest.</p>
<h3>Model</h3>
${kvTable(modelCardRows(r.model))}
</section>`);

  let k = 0;
  for (const t of tasks) {
    const list = r.candidates[t.name];
    const hist = r.histograms[t.name];
    if (!list && !hist) continue;
    k++;
    const classifier = t.kind === 'classification';
    const unit = classifier ? '' : displayUnit(t.unit);
    const cut = classifier ? (t.decisionThreshold ?? DEFAULT_PROBABILITY_THRESHOLD) : undefined;
    const cutText = cut !== undefined ? `p > ${String(Number(cut.toPrecision(2)))}` : '';
    const histSvg = hist
      ? histogramSvg({
          id: `fig-screen-hist-${k}`,
          title: `${taskName(t)}: ${classifier ? 'predicted probability' : 'predicted distribution'}`,
          subtitle: `${formatInt(hist.counts.reduce((a, b) => a + b, 0))} structures`,
          xName: `${capitalised(predictedWhat(t))}${unit ? ` (${unit})` : ''}`,
          bins: hist,
          color: PALETTE[(k - 1) % PALETTE.length],
          width: 680,
          height: 250,
          marks: list?.target
            ? [
                ...(list.target.min !== undefined ? [{ x: list.target.min, label: `${formatSig(list.target.min)}` }] : []),
                ...(list.target.max !== undefined ? [{ x: list.target.max, label: `${formatSig(list.target.max)}` }] : []),
              ]
            : cut !== undefined
              ? [{ x: cut, label: cutText }]
              : undefined,
        })
      : '';
    const histCaption = classifier
      ? `Distribution of the ${esc(predictedWhat(t))} over all predicted structures; the dashed line is the decision threshold ${esc(cutText)}${t.decisionThresholdChosenOn ? ` (chosen on the ${esc(t.decisionThresholdChosenOn)})` : ''}, above which the model calls a structure ${isMetalClassifier(t.name, t.kind) ? 'a metal' : 'class 1'}.`
      : `Distribution of the predicted ${esc(taskName(t).toLowerCase())} over all predicted structures.`;
    // The second list (the other end of the ranking) follows the first one's caption, which covers both.
    const other = r.otherEnd?.[t.name];
    body.push(`<section class="major" id="property-${k}">
<h2><span class="num">${k + 1}</span>${esc(taskName(t))}${classifier ? ' (probability)' : ''} <span class="muted">(<code>${esc(t.name)}</code>)</span></h2>
${histSvg ? `<figure>${histSvg}<figcaption>${histCaption}</figcaption></figure>` : ''}
${list ? `${candidateHeadingAndTable(list, t)}<p class="caption">Ranked by the ${classifier ? esc(predictedWhat(t)) : 'predicted value'}${r.model.ensembleSize > 1 ? '; ± is the spread (standard deviation) of the ensemble' : ''}. Treat out-of-domain candidates with extra caution.</p>` : ''}
${other ? `<div class="keep">${candidateHeadingAndTable(other, t)}</div>\n` : ''}</section>`);
  }

  const failures = r.failures ?? [];
  body.push(`<section class="major" id="appendix">
<h2><span class="num">${k + 2}</span>Notes</h2>
${failures.length ? `<h3>Structures that could not be screened (${esc(formatInt(failures.length))} shown of ${esc(formatInt(c.failed))})</h3><table><thead><tr><th>Structure ID</th><th>Reason</th></tr></thead><tbody>${failures.map((f) => `<tr><td class="mono">${esc(f.id)}</td><td>${esc(f.reason)}</td></tr>`).join('')}</tbody></table>` : '<p>Every structure was read and predicted.</p>'}
${footerHtml({ appVersion: r.appVersion, backend: r.model.backend, createdIso: r.createdIso })}
</section>`);
  return documentHtml({ title: r.title, appVersion: r.appVersion, body: body.join('\n') });
}
