/**
 * The MT-CGCNN paper's experiment protocol on any dataset: plan (jobs), runner (resumable, one file per job),
 * results, tables and report. See docs/experiments.md.
 */
export * from './plan';
export * from './runner';
export * from './results';
export * from './tables';
export * from './report';
export * from './outputs';
export * from './session';
