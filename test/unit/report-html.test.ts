import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatFixed,
  formatInt,
  formatSig,
  renderExperimentReportHtml,
  renderRunReportHtml,
  renderScreeningReportHtml,
  summarizeCombinations,
  type RunReport,
} from '../../src-main/core/report';
import { buildExperimentReport, buildRunReport, buildScreeningReport, MALICIOUS_ID } from '../fixtures/report/fixtures';

const OUT = join(process.cwd(), 'test-results', 'report');

function save(name: string, html: string): void {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, name), html);
}

/** Common guarantees of every report document. */
function expectSelfContained(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i); // no event-handler attribute in any tag
  expect(html).not.toMatch(/javascript:/i);
  expect(html).not.toMatch(/https?:\/\//i); // no URLs at all, the citations are plain text
  expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
  expect(html).not.toMatch(/url\((?!#)/i); // only local references (SVG clip paths)
  expect(html).toContain("default-src 'none'");
}

describe('renderRunReportHtml', () => {
  const { report } = buildRunReport();
  const html = renderRunReportHtml(report);
  save('run-report.html', html);
  const m = report.metrics.tasks;
  const ef = m.formation_energy_per_atom_eV;
  const bg = m.band_gap_eV;

  it('is one self-contained document with inline SVG charts and no scripts or URLs', () => {
    expectSelfContained(html);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(8);
    expect(html).toContain('@page');
    expect(html).toContain('size: A4');
  });

  it('prints every metric with its unit', () => {
    expect(ef.mae).toBeGreaterThan(0.03);
    expect(ef.mae).toBeLessThan(0.1);
    expect(html).toContain(`${formatSig(ef.mae)} eV/atom`);
    expect(html).toContain(`${formatSig(ef.rmse)} eV/atom`);
    expect(html).toContain(`${formatSig(bg.mae)} eV`);
    expect(html).toContain(`${formatSig(bg.rmse)} eV`);
    expect(html).toContain(formatFixed(ef.r2));
    expect(html).toContain(formatFixed(bg.spearman));
    expect(html).toContain(`>${formatFixed(bg.roc_auc)}<`);
    expect(html).toContain(`>${formatInt(bg.n)}<`);
    expect(html).toContain(`>${formatInt(bg.confusion!.tp)}<`);
    expect(html).toContain('0.025 eV');
    expect(html).toContain('kT at room temperature');
  });

  it('escapes hostile ids, formulas and names', () => {
    expect(html).not.toContain(MALICIOUS_ID);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<i>AgBiBr6</i>');
    expect(html).not.toContain('<b>&</b> friends');
    expect(html).toContain('&lt;b&gt;&amp;&lt;/b&gt; friends');
  });

  it('carries the footer: version, backend, date, citations', () => {
    expect(html).toContain('Crystal Property Studio 0.1.0');
    expect(html).toContain('2026-11-03 14:12 UTC');
    expect(html).toContain('Phys. Rev. Lett. 120, 145301 (2018)');
    expect(html).toContain('arXiv:1811.05660');
    expect(html).toContain('APL Materials 1, 011002 (2013)');
    expect(html).toContain('CC BY 4.0');
  });

  it('states the training threads when the card records them, and nothing for older models', () => {
    const withThreads = renderRunReportHtml({ ...report, model: { ...report.model, trainingThreads: 4 } });
    expect(withThreads).toMatch(/epochs in [^<]* on the [a-z-]+ backend, 4 threads/);
    expect(html).not.toMatch(/backend, \d+ threads?/);
  });

  it('is deterministic', () => {
    expect(renderRunReportHtml(buildRunReport().report)).toBe(html);
  });

  it('escapes a hostile title also inside the CSS page footer', () => {
    const evil: RunReport = { ...report, title: 'x"; } </style><script>alert(1)</script>' };
    const out = renderRunReportHtml(evil);
    expectSelfContained(out);
    expect(out.match(/<\/style>/g)?.length).toBe(1);
  });

  it('refuses inconsistent input', () => {
    const bad: RunReport = { ...report, predictions: { ...report.predictions, ids: report.predictions.ids.slice(1) } };
    expect(() => renderRunReportHtml(bad)).toThrow(/ids has/);
  });

  it('works for a single-task CGCNN run without ROC, history or baselines', () => {
    const one: RunReport = {
      ...report,
      model: { ...report.model, kind: 'CGCNN', tasks: [report.model.tasks[0]], weighting: { mode: 'fixed' }, ensembleSize: 1 },
      metrics: { tasks: { formation_energy_per_atom_eV: ef }, average_mae: ef.mae },
      predictions: {
        ids: report.predictions.ids,
        perTask: { formation_energy_per_atom_eV: { true: report.predictions.perTask.formation_energy_per_atom_eV.true, pred: report.predictions.perTask.formation_energy_per_atom_eV.pred } },
      },
      roc: undefined,
      history: [],
      baselines: undefined,
    };
    const out = renderRunReportHtml(one);
    expectSelfContained(out);
    expect(out).toContain(`${formatSig(ef.mae)} eV/atom`);
    expect(out).not.toContain('Metal / non-metal classification');
  });
});

describe('renderExperimentReportHtml', () => {
  const report = buildExperimentReport();
  const html = renderExperimentReportHtml(report);
  save('experiment-report.html', html);

  it('prints the three paper tables with units and improvements', () => {
    expectSelfContained(html);
    expect(html).toContain('Table 1. Average test MAE per task combination');
    expect(html).toContain('Table 2. Test MAE per property');
    expect(html).toContain('Table 3. Test MAE against training-set size');
    const rows = summarizeCombinations(report.tasks, report.combinationRuns);
    const triple = rows.find((r) => r.tasks.length === 3)!;
    expect(triple.improvementPct).toBeGreaterThan(0);
    expect(html).toContain(`+${triple.improvementPct.toFixed(1)} %`);
    const fe = rows.find((r) => r.key === 'formation_energy_per_atom_eV')!.perTask.formation_energy_per_atom_eV;
    expect(html).toMatch(new RegExp(`${formatSig(fe.mean).replace('.', '\\.')} ± [0-9.]+ eV/atom`));
    expect(html).toContain('Metal / non-metal AUC');
  });
});

describe('renderScreeningReportHtml', () => {
  const report = buildScreeningReport();
  const html = renderScreeningReportHtml(report);
  save('screening-report.html', html);

  it('prints counts, candidates with units and OOD flags, escaped', () => {
    expectSelfContained(html);
    expect(html).toContain('>40,000<');
    expect(html).toContain('>1,950<');
    const c = report.candidates.formation_energy_per_atom_eV.items[0];
    expect(html).toContain(`${formatSig(c.value)} ± ${formatSig(c.std!, 2)} eV/atom`);
    expect(html).toContain('out of domain');
    expect(html).not.toContain(MALICIOUS_ID);
    expect(html).toContain('&lt;script&gt;');
  });

  it('prints the second list of every property (the other end of the ranking) from the report model, in one rendering', () => {
    const other = buildScreeningReport(9);
    const withBoth = renderScreeningReportHtml({
      ...report,
      otherEnd: {
        formation_energy_per_atom_eV: { rankBy: 'max', items: other.candidates.formation_energy_per_atom_eV.items.slice(0, 4) },
        band_gap_eV: { rankBy: 'min', items: other.candidates.band_gap_eV.items.slice(0, 3) },
      },
    });
    expectSelfContained(withBoth);
    const section = (k: number) => {
      const start = withBoth.indexOf(`<section class="major" id="property-${k}">`);
      return withBoth.slice(start, withBoth.indexOf('</section>', start));
    };
    const fe = section(1);
    const bg = section(2);
    // Both ends in their property's section, the first list first; one caption (under the first list) covers both.
    expect(fe.indexOf('Top 15 candidates: lowest predicted formation energy')).toBeGreaterThan(0);
    expect(fe.indexOf('<div class="keep"><h3>Top 4 candidates: highest predicted formation energy')).toBeGreaterThan(fe.indexOf('lowest predicted'));
    expect(bg.indexOf('Top 15 candidates: highest predicted band gap')).toBeGreaterThan(0);
    expect(bg.indexOf('<div class="keep"><h3>Top 3 candidates: lowest predicted band gap')).toBeGreaterThan(bg.indexOf('highest predicted'));
    for (const s of [fe, bg]) expect(s.match(/<table class="candidates">/g)).toHaveLength(2);
    for (const s of [fe, bg]) expect(s.match(/<p class="caption">Ranked by/g)).toHaveLength(1);
    const v = other.candidates.formation_energy_per_atom_eV.items[0];
    expect(fe).toContain(`${formatSig(v.value)} ± ${formatSig(v.std!, 2)} eV/atom`);
    // Without a second list the document is the plain one.
    expect(html).not.toContain('<div class="keep"><h3>Top');
  });
});
