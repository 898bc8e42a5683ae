/** Report layer: typed report inputs, SVG charts, self-contained HTML documents and PDF printing. */
export * from './report-model';
export * from './charts';
export * from './html';
export * from './pdf';
export {
  escapeHtml,
  formatSig,
  formatFixed,
  formatInt,
  formatPercent,
  formatMeanStd,
  formatDuration,
  formatDateTime,
  displayUnit,
  withUnit,
  taskLabel,
  MISSING,
} from '../../../src-shared/text-format';
