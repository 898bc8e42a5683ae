/**
 * Files an experiment leaves in EXP_DIR besides jobs/: results.json, the tables (CSV + Markdown, and all of
 * them in tables.md) and report.html. Every file is written atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderExperimentReportHtml } from '../report/html';
import { writeFileAtomicSync } from '../fs/atomic-write';
import { experimentReport, type ExperimentReportOptions } from './report';
import { parseResults, RESULTS_FILE, type ExperimentResults } from './results';
import { experimentTables, tableCsv, tableMarkdown, tablesMarkdown } from './tables';

export const REPORT_FILE = 'report.html';
export const TABLES_FILE = 'tables.md';

export function writeResultsJson(dir: string, results: ExperimentResults): string {
  const file = path.join(dir, RESULTS_FILE);
  writeFileAtomicSync(file, JSON.stringify(results, null, 1));
  return file;
}

export function readResultsJson(dir: string): ExperimentResults {
  const file = path.join(dir, RESULTS_FILE);
  return parseResults(fs.readFileSync(file, 'utf8'), file);
}

/** True when `dir` holds an experiment's results.json. */
export function isExperimentDir(dir: string): boolean {
  const file = path.join(dir, RESULTS_FILE);
  if (!fs.existsSync(file)) return false;
  try {
    parseResults(fs.readFileSync(file, 'utf8'), file);
    return true;
  } catch {
    return false;
  }
}

export interface ExperimentOutputs {
  readonly results: string;
  readonly tables: string[];
  readonly report: string;
  /** The report document (for printing to PDF). */
  readonly html: string;
}

/** Writes results.json, the tables and report.html; returns the paths and the report HTML. */
export function writeExperimentOutputs(dir: string, results: ExperimentResults, reportOptions: ExperimentReportOptions = {}): ExperimentOutputs {
  const resultsFile = writeResultsJson(dir, results);
  const tables = experimentTables(results);
  const written: string[] = [];
  for (const t of tables) {
    const csv = path.join(dir, `${t.name}.csv`);
    const md = path.join(dir, `${t.name}.md`);
    writeFileAtomicSync(csv, tableCsv(t));
    writeFileAtomicSync(md, tableMarkdown(t));
    written.push(csv, md);
  }
  const all = path.join(dir, TABLES_FILE);
  writeFileAtomicSync(all, tablesMarkdown(results, tables));
  written.push(all);
  const html = renderExperimentReportHtml(experimentReport(results, reportOptions));
  const report = path.join(dir, REPORT_FILE);
  writeFileAtomicSync(report, html);
  return { results: resultsFile, tables: written, report, html };
}
