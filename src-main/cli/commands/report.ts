import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../command';
import { writeFileAtomicSync } from '../../core/fs/atomic-write';
import { CommandFailure, numberOption, stringOption, UsageError } from '../command';
import { NoChromiumError, printHtmlToPdf, renderExperimentReportHtml, renderRunReportHtml, renderScreeningReportHtml } from '../../core/report';
import { experimentReport, isExperimentDir, readResultsJson } from '../../core/experiment';
import { buildRunReport } from '../../services/run-report';
import { buildScreeningReport } from '../../services/screening-report';
import { modelArgument, resolveModelArgument } from '../model-option';

type ReportKind = 'run' | 'experiment' | 'screening';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Write the report of a training run, an experiment or a screening as HTML and PDF.',
  positionals: 'RUN_DIR | EXP_DIR | RESULTS.csv',
  arity: [1, 1],
  options: {
    out: { type: 'string', valueName: 'FILE', description: 'report to write: FILE.pdf (the HTML is written beside it) or FILE.html' },
    pdf: { type: 'string', valueName: 'OUT.pdf', description: 'PDF to write (printed by a Chromium found on this machine)' },
    html: { type: 'string', valueName: 'OUT.html', description: 'self-contained HTML to write', default: 'next to the PDF' },
    model: { type: 'string', valueName: 'MODEL', description: 'screening report: the model that wrote RESULTS.csv (folder or installed model name)', default: 'the shipped default model, as for screen' },
    top: { type: 'string', valueName: 'N', description: 'screening report: candidates listed at each end of every ranking', default: '10' },
    'source-dir': { type: 'string', valueName: 'DIR', description: 'screening report: the folder that was screened (printed on the overview)' },
    title: { type: 'string', valueName: 'TEXT', description: 'report title' },
    notes: { type: 'string', valueName: 'TEXT', description: 'a note printed under the title (run and experiment reports)' },
    chromium: { type: 'string', valueName: 'PATH', description: 'Chromium or Chrome executable (else $MTCGCNN_CHROMIUM, then the usual places)' },
  },
  details: `What is reported depends on the argument:
  RUN_DIR       a model folder written by train: test metrics, parity plots, training curves (HTML default: RUN_DIR/report.html)
  EXP_DIR       a folder written by experiment (has results.json): the paper's tables and learning curves (EXP_DIR/report.html)
  RESULTS.csv   a CSV written by screen, with the --model given to screen (none: the shipped default model):
                counts, top candidates at both ends per property, distributions (HTML default: RESULTS-report.html)
The HTML is always written, even when no Chromium is found to print the PDF.
Examples: mtcgcnn report models/e1 --out e1-report.pdf
          mtcgcnn report hits.csv --model models/e1 --out hits.pdf`,
  async run(args, io) {
    const target = path.resolve(args.positionals[0]);
    let isFile: boolean;
    try {
      isFile = statSync(target).isFile();
    } catch {
      throw new CommandFailure(`${target} does not exist`);
    }
    const kind: ReportKind = isFile ? 'screening' : isExperimentDir(target) ? 'experiment' : 'run';
    const model = modelArgument(args);
    if (kind !== 'screening' && model !== undefined) throw new UsageError('--model goes with a screening CSV, not with a folder');
    const top = numberOption(args, 'top', 10, { min: 1, max: 1000, integer: true });

    const out = stringOption(args, 'out');
    let pdf = stringOption(args, 'pdf');
    let htmlOption = stringOption(args, 'html');
    if (out !== undefined) {
      if (pdf !== undefined || htmlOption !== undefined) throw new UsageError('give either --out or --pdf/--html, not both');
      if (/\.pdf$/i.test(out)) pdf = out;
      else if (/\.html?$/i.test(out)) htmlOption = out;
      else throw new UsageError(`--out ${out}: the file name must end in .pdf or .html`);
    }
    const defaultHtml = kind === 'screening' ? path.join(path.dirname(target), `${path.basename(target, path.extname(target))}-report.html`) : path.join(target, 'report.html');
    const html = path.resolve(htmlOption ?? (pdf ? pdf.replace(/\.pdf$/i, '') + '.html' : defaultHtml));
    const title = stringOption(args, 'title');
    const notes = stringOption(args, 'notes');
    let doc: string;
    try {
      if (kind === 'screening') {
        const sourceDir = stringOption(args, 'source-dir');
        const resolved = resolveModelArgument(model, io, { hint: `--model names the model that screened ${path.basename(target)}` });
        const built = await buildScreeningReport(target, resolved.dir, { title, top, ...(sourceDir ? { sourceDir: path.resolve(sourceDir) } : {}) });
        doc = renderScreeningReportHtml(built.report);
        const c = built.report.counts;
        io.err(`${c.screened} rows: ${built.predicted} predicted, ${c.failed} failed, ${c.outOfDomain} out of domain`);
      } else if (kind === 'experiment') {
        const results = readResultsJson(target);
        if (!results.complete) io.err(`note: the experiment is incomplete (${results.missingJobs.length} of ${results.totalJobs} jobs missing); the report shows the finished jobs`);
        doc = renderExperimentReportHtml(experimentReport(results, { title, notes }));
      } else {
        doc = renderRunReportHtml(buildRunReport(target, { title, notes }));
      }
    } catch (e) {
      throw new CommandFailure(e instanceof Error ? e.message.split('\n')[0] : String(e));
    }
    writeFileAtomicSync(html, doc);
    io.out(`HTML report written to ${html}`);
    if (pdf) {
      try {
        const r = await printHtmlToPdf(doc, path.resolve(pdf), { chromiumPath: stringOption(args, 'chromium') });
        io.out(`PDF report written to ${r.pdfPath} (${Math.round(r.bytes / 1024)} KiB, printed with ${r.chromiumPath})`);
      } catch (e) {
        if (e instanceof NoChromiumError) throw new CommandFailure(`${e.message} (the HTML report was written to ${html})`);
        throw e;
      }
    }
    return 0;
  },
};
