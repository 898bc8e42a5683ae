/** Reports of runs and screenings: render into the project, read the HTML, print to PDF. */
import type { ProjectReport } from './projects';
import { absPath, call, idString, IpcArgumentError, oneOf, onlyKeys, record, str, type Guard } from './guards';



export type ReportRequest = { kind: 'run'; runId: string } | { kind: 'screening'; screeningId: string };

const reportGuard: Guard<ReportRequest> = (v) => {
  const o = record(v, 'argument');
  const kind = oneOf(o.kind, ['run', 'screening'] as const, 'kind');
  if (kind === 'run') {
    onlyKeys(o, ['kind', 'runId'], 'argument');
    return { kind, runId: idString(o.runId, 'runId') };
  }
  onlyKeys(o, ['kind', 'screeningId'], 'argument');
  return { kind, screeningId: idString(o.screeningId, 'screeningId') };
};

const reportFileGuard: Guard<{ file: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['file'], 'argument');
  const file = str(o.file, 'file', { maxLength: 300 });
  if (!/^reports\/[A-Za-z0-9_.-]+\.html$/.test(file)) throw new IpcArgumentError('file must be a report of the project (reports/<name>.html)');
  return { file };
};

const reportPdfGuard: Guard<{ file: string; path: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['file', 'path'], 'argument');
  const { file } = reportFileGuard({ file: o.file });
  const out = absPath(o.path, 'path');
  if (!/\.pdf$/i.test(out)) throw new IpcArgumentError('path must end in .pdf');
  return { file, path: out };
};

export const reportChannels = {
  /** Render the report of a finished run or screening into the project's reports/ folder. */
  'report:create': call<ReportRequest, ProjectReport>(reportGuard),
  /** The HTML of a project report (shown in a sandboxed frame). */
  'report:html': call<{ file: string }, { html: string }>(reportFileGuard),
  /** Print a project report to a PDF file. */
  'report:pdf': call<{ file: string; path: string }, { path: string; bytes: number }>(reportPdfGuard),
} as const;
