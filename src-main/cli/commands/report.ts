import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../command';
import { CommandFailure, stringOption } from '../command';
import { NoChromiumError, printHtmlToPdf, renderRunReportHtml } from '../../core/report';
import { buildRunReport } from '../../app/run-report';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Write the report of a training run (a model folder written by train) as HTML and PDF.',
  positionals: 'RUN_DIR',
  arity: [1, 1],
  options: {
    pdf: { type: 'string', valueName: 'OUT.pdf', description: 'PDF to write (printed by a Chromium found on this machine)' },
    html: { type: 'string', valueName: 'OUT.html', description: 'self-contained HTML to write', default: 'next to the PDF' },
    title: { type: 'string', valueName: 'TEXT', description: 'report title' },
    notes: { type: 'string', valueName: 'TEXT', description: 'a note printed under the title' },
    chromium: { type: 'string', valueName: 'PATH', description: 'Chromium or Chrome executable (else $MTCGCNN_CHROMIUM, then the usual places)' },
  },
  details: 'The HTML is always written, even when no Chromium is found to print the PDF.',
  async run(args, io) {
    const dir = path.resolve(args.positionals[0]);
    const pdf = stringOption(args, 'pdf');
    const html = stringOption(args, 'html') ?? (pdf ? pdf.replace(/\.pdf$/i, '') + '.html' : path.join(dir, 'report.html'));
    let report;
    try {
      report = buildRunReport(dir, { title: stringOption(args, 'title'), notes: stringOption(args, 'notes') });
    } catch (e) {
      throw new CommandFailure(e instanceof Error ? e.message : String(e));
    }
    const doc = renderRunReportHtml(report);
    writeFileSync(path.resolve(html), doc);
    io.out(`HTML report written to ${path.resolve(html)}`);
    if (pdf) {
      try {
        const r = await printHtmlToPdf(doc, path.resolve(pdf), { chromiumPath: stringOption(args, 'chromium') });
        io.out(`PDF report written to ${r.pdfPath} (${Math.round(r.bytes / 1024)} KiB, printed with ${r.chromiumPath})`);
      } catch (e) {
        if (e instanceof NoChromiumError) throw new CommandFailure(`${e.message} (the HTML report was written to ${path.resolve(html)})`);
        throw e;
      }
    }
    return 0;
  },
};
