/**
 * Run reports of models with a classifier head (issue 13): the head is read as a classifier (ROC AUC, accuracy at its
 * probability threshold, ROC curve and confusion matrix with metal as the positive class), never as a regression, and
 * a band gap with a validation-chosen decision cut says so.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confusionMatrixSvg, formatFixed, formatInt, formatSig, histogram, renderRunReportHtml, renderScreeningReportHtml, rocCurveSvg, type ReportTask } from '../../src-main/core/report';
import { reportTasksOf } from '../../src-main/services/run-report';
import { buildClassifierRunReport, buildRunReport, buildScreeningReport, modelCard } from '../fixtures/report/fixtures';

/** The text between the start of `from` and the next `to` after it. */
function slice(html: string, from: string, to: string): string {
  const a = html.indexOf(from);
  expect(a, `"${from}" in the document`).toBeGreaterThanOrEqual(0);
  const b = html.indexOf(to, a + from.length);
  return html.slice(a, b < 0 ? undefined : b);
}

/** Visible text of an HTML fragment (tags dropped, entities of the report's escaping decoded). */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('run report of a model with a metal / non-metal classifier head', () => {
  const { report } = buildClassifierRunReport();
  const html = renderRunReportHtml(report);
  mkdirSync(join(process.cwd(), 'test-results', 'report'), { recursive: true });
  writeFileSync(join(process.cwd(), 'test-results', 'report', 'run-report-classifier.html'), html);
  const head = report.metrics.tasks.is_metal;
  const bg = report.metrics.tasks.band_gap_eV;

  it('computes the head metrics the way mtcgcnn evaluate does (the fixture is sound)', () => {
    expect(head.kind).toBe('classification');
    expect(head.mae).toBeNull();
    expect(head.decision_threshold).toBe(0.42);
    expect(head.roc_auc).toBeGreaterThan(0.85);
    expect(bg.decision_threshold).toBe(0.31);
    expect(bg.threshold).toBe(0.025);
  });

  it('keeps the head out of the regression table and the parity plots', () => {
    const regression = slice(html, '<table class="metrics">', '</table>');
    expect(regression).toContain('band_gap_eV');
    expect(regression).toContain('formation_energy_per_atom_eV');
    expect(regression).not.toContain('is_metal');
    expect(regression).not.toContain('Metal / non-metal');
    const section = slice(html, 'id="task-3"', '<section');
    expect(section).toContain('<code>is_metal</code>');
    expect(section).not.toContain('Parity plot');
    expect(section).not.toMatch(/id="fig-3-parity"|id="fig-3-residuals"/);
    expect(section).not.toContain('Largest errors');
    expect(html).not.toMatch(/Metal \/ non-metal<\/div><div class="v">—/);
  });

  it('gives the head a results card with its ROC AUC and its accuracy at the chosen probability threshold', () => {
    const cards = text(slice(html, '<div class="cards">', '<p class="summary">'));
    expect(cards).toContain(`Metal / non-metal ${formatFixed(head.roc_auc)} ROC AUC · accuracy ${formatFixed(head.accuracy)} at p > 0.42 (chosen on the validation split)`);
    expect(cards).toContain(`Metal from band gap ${formatFixed(bg.roc_auc)} ROC AUC · accuracy ${formatFixed(bg.accuracy)} with the predicted band gap cut at 0.31 eV`);
    expect(cards).not.toContain('cut at 0.025 eV');
  });

  it('lists both readings in the metal / non-metal table with their thresholds and positive classes', () => {
    const table = slice(html, '<table class="classification">', '</table>');
    const rows = table.split('<tr>').slice(2).map(text);
    expect(rows).toHaveLength(2);
    const [gapRow, headRow] = rows;
    expect(gapRow).toContain('positive: non-metal (DFT gap above 0.025 eV)');
    expect(gapRow).toContain('0.31 eV on the predicted gap, chosen on the validation split');
    expect(gapRow).toContain(formatFixed(bg.roc_auc));
    expect(gapRow).toContain(` ${formatInt(bg.confusion!.tp)} ${formatInt(bg.confusion!.fp)} ${formatInt(bg.confusion!.tn)} ${formatInt(bg.confusion!.fn)} `);
    expect(headRow).toContain('classifier head; positive: metal (DFT gap below 0.025 eV)');
    expect(headRow).toContain('p > 0.42 chosen on the validation split');
    expect(headRow).toContain(`${formatFixed(head.roc_auc)} ${formatFixed(head.accuracy)} ${formatFixed(head.f1)}`);
    expect(headRow).toContain(` ${formatInt(head.confusion!.tp)} ${formatInt(head.confusion!.fp)} ${formatInt(head.confusion!.tn)} ${formatInt(head.confusion!.fn)} `);
    const caption = text(slice(html, '</table><p class="caption">A crystal counts', '</p>'));
    expect(caption).toContain('about the thermal energy kT at room temperature');
    expect(caption).toContain('classifier head trained with a logistic loss');
    expect(caption).toContain('non-metal for the band gap, metal for the classifier head');
    expect(caption).not.toContain('The network is not trained as a classifier');
  });

  it('says in the summary that the model has a classifier head, with its figures', () => {
    const summary = text(slice(html, '<p class="summary">', '</p>'));
    expect(summary).toContain('The model also has a metal / non-metal classifier head ( is_metal , trained with a logistic loss; metal = DFT band gap below 0.025 eV)');
    expect(summary).toContain(`ROC AUC ${formatFixed(head.roc_auc)} ; at the threshold p > 0.42 (chosen on the validation split) it labels ${formatFixed(100 * head.accuracy!, 1)} %`);
    expect(summary).toContain('predicted non-metal when the predicted gap is above 0.31 eV');
    expect(summary).not.toMatch(/metal \/ non-metal with a mean absolute error/);
  });

  it('draws the head\'s ROC curve from its test predictions and its confusion matrix with metal as the positive class', () => {
    const section = slice(html, 'id="task-3"', '<section');
    expect(section).toContain('id="fig-3-roc"');
    expect(section).toContain(`AUC = ${formatFixed(head.roc_auc)}`);
    expect(section).toContain('positive: metal');
    expect(section).toContain('Cut at p &gt; 0.42');
    const c = head.confusion!;
    expect(section).toContain(`Confusion matrix at p &gt; 0.42: TP ${c.tp}, FP ${c.fp}, TN ${c.tn}, FN ${c.fn}`);
    // The band gap's own ROC and confusion are at its decision cut on the predicted gap.
    const gap = slice(html, 'id="task-2"', 'id="task-3"');
    expect(gap).toContain(`Confusion matrix at 0.31 eV: TP ${bg.confusion!.tp}`);
    expect(text(gap)).toContain('the circle is the operating point at the cut of 0.31 eV on the predicted gap, chosen on the validation split');
  });

  it('renders a band gap without a chosen cut, next to a head, at the DFT threshold', () => {
    const plain = buildClassifierRunReport(7, 800, { band_gap_eV: 0.025, is_metal: 0.5 }).report;
    const out = renderRunReportHtml({ ...plain, model: { ...plain.model, tasks: plain.model.tasks.map((t) => ({ ...t, decisionThresholdChosenOn: undefined })) } });
    const table = text(slice(out, '<table class="classification">', '</table>'));
    expect(table).toContain('0.025 eV on the predicted gap, the DFT class threshold');
    expect(table).toContain('p > 0.5 default threshold');
    expect(out).toContain('Confusion matrix at 0.025 eV');
  });
});

describe('older run reports (no task kinds, no decision thresholds)', () => {
  it('read exactly as before the classifier heads', () => {
    const { report } = buildRunReport();
    // Strip the fields older metrics files do not have.
    const old = Object.fromEntries(
      Object.entries(report.metrics.tasks).map(([k, m]) => {
        const { decision_threshold: _d, accuracy: _a, f1: _f, ...rest } = m;
        return [k, rest];
      }),
    );
    const html = renderRunReportHtml({ ...report, metrics: { ...report.metrics, tasks: old } });
    expect(html).toBe(renderRunReportHtml(report));
    expect(html).toContain('The network is not trained as a classifier');
    expect(html).toContain(`ROC AUC · band gap cut at 0.025 eV`);
    expect(html).toContain('<th class="num">Threshold</th>');
  });
});

describe('ROC and confusion charts of a classifier', () => {
  const confusion = { tp: 40, fp: 5, tn: 50, fn: 5 };
  const task = { name: 'is_metal', unit: 'probability', kind: 'classification' as const };
  it('label the classes of the classifier, positive first in the prose and second on the axes', () => {
    const svg = confusionMatrixSvg({ id: 'c', task, confusion, cutText: 'p > 0.4', classes: { positive: 'metal', negative: 'non-metal' } });
    expect(svg).toContain('Confusion matrix at p &gt; 0.4: TP 40, FP 5, TN 50, FN 5');
    expect(svg.indexOf('>Non-metal<')).toBeGreaterThan(0);
    const roc = rocCurveSvg({ id: 'r', task, fpr: [0, 0.1, 1], tpr: [0, 0.8, 1], auc: 0.9, cutText: 'p > 0.4', classes: { positive: 'metal', negative: 'non-metal' }, confusion });
    expect(roc).toContain('positive: metal');
    expect(roc).toContain('non-metals called metal');
    expect(roc).toContain('metals found');
  });

  it('keep the band-gap reading by default', () => {
    const svg = rocCurveSvg({ id: 'r', task: { name: 'band_gap_eV', unit: 'eV' }, fpr: [0, 1], tpr: [0, 1], auc: 0.5, thresholdEv: 0.025, confusion });
    expect(svg).toContain('positive: non-metal');
    expect(svg).toContain('metals called non-metal');
    expect(svg).toContain('Cut at 0.025 eV');
    expect(formatSig(0.025, 2)).toBe('0.025');
  });
});

describe('report tasks of a bundle', () => {
  it('take kind, display name, derived label and where the threshold was chosen from model.json', () => {
    const tasks = reportTasksOf(
      [
        { name: 'band_gap_eV', unit: 'eV', kind: 'regression', displayName: 'Band gap', decisionThreshold: 0.4, decisionThresholdChosenOn: 'validation split' },
        { name: 'is_metal', unit: 'probability', kind: 'classification', displayName: 'Metal / non-metal', derivedFrom: { column: 'band_gap_eV', below: 0.025 }, decisionThreshold: 0.38, decisionThresholdChosenOn: 'validation split' },
        { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
      ],
      [
        { name: 'band_gap_eV', unit: 'eV' },
        { name: 'is_metal', unit: 'probability' },
        { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
      ],
    );
    expect(tasks).toEqual([
      { name: 'band_gap_eV', unit: 'eV', label: 'Band gap', decisionThreshold: 0.4, decisionThresholdChosenOn: 'validation split' },
      { name: 'is_metal', unit: 'probability', label: 'Metal / non-metal', kind: 'classification', derivedFrom: { column: 'band_gap_eV', below: 0.025 }, decisionThreshold: 0.38, decisionThresholdChosenOn: 'validation split' },
      { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
    ]);
  });
});

describe('screening report of a model with a metal / non-metal classifier head', () => {
  const base = buildScreeningReport();
  const head: ReportTask = { name: 'is_metal', unit: 'probability', label: 'Metal / non-metal', kind: 'classification', decisionThreshold: 0.38, decisionThresholdChosenOn: 'validation split' };
  const probs = Array.from({ length: 500 }, (_, i) => (i % 100) / 100 + 0.004);
  const items = [0.991, 0.97, 0.9].map((value, k) => ({ id: `hyp-${k}`, formula: 'Cu', value, std: 0.01, ood: false }));
  const html = renderScreeningReportHtml({
    ...base,
    model: modelCard([...base.model.tasks, head]),
    candidates: { ...base.candidates, is_metal: { rankBy: 'max', items } },
    histograms: { ...base.histograms, is_metal: histogram(probs, 20, [0, 1]) },
  });
  const section = slice(html, '<section class="major" id="property-3">', '</section>');

  it('shows the head as a probability with its threshold, never with a unit of "probability"', () => {
    expect(section).toContain('Metal / non-metal (probability)');
    expect(section).toContain('Top 3 candidates: highest probability of metal');
    expect(section).toContain('<th class="num">Probability of metal ± std</th>');
    expect(section).toContain('>0.991 ± 0.010<');
    expect(section).not.toMatch(/\d probability/);
    expect(text(section)).toContain('the dashed line is the decision threshold p > 0.38 (chosen on the validation split), above which the model calls a structure a metal');
    expect(html).toContain('classifier head (logistic loss), predicts a probability');
  });
});
