/** The first-run demo: textbook prototypes screened with the shipped default model, its report and PDF. */
import { absPath, call, IpcArgumentError, noArgs, singleKey, type Guard } from './guards';
import type { RunState } from './projects';
import type { CatalogueModelTask } from './models';



/** One textbook prototype of resources/demo (from demo.json). */
export interface DemoStructure {
  /** File stem, e.g. "NaCl-rocksalt". */
  id: string;
  /** Compound name, e.g. "sodium chloride (halite)". */
  name: string;
  formula: string;
  /** Structure type, e.g. "rock salt". */
  prototype: string;
  strukturbericht: string;
  spaceGroup: string;
  spaceGroupNumber: number;
  /** Sites in the conventional cell. */
  atoms: number;
  /** Absolute path of the CIF (for structures:view). */
  file: string;
  /** Conventional cell: lengths in Angstrom, angles in degrees. */
  cell: { a: number; b: number; c: number; alpha: number; beta: number; gamma: number };
  /** Where the lattice constants come from. */
  references: { what: string; source: string }[];
}

/** A property of the shipped model with its held-back test error (from the model card). */
export type DemoModelTask = CatalogueModelTask;

/** The shipped default model, as the demo describes it. */
export interface DemoModel {
  name: string;
  description: string | null;
  /** Training data, e.g. "mp-cgcnn-25k (25,710 Materials Project crystals, GGA/GGA+U)". */
  dataset: string | null;
  /** Ensemble members (K); ± values are their standard deviation when K > 1. */
  ensembleSize: number;
  tasks: DemoModelTask[];
  trainedIso: string | null;
}

/** The demo screening kept under the studio home (<MTCGCNN_HOME>/demo). */
export interface DemoScreeningState {
  state: RunState;
  /** The live job of this session, if any. */
  jobId: string | null;
  /** Model that screened (or screens) the demo. */
  modelName: string;
  updatedAtIso: string;
  /** Files screened and failed, once done. */
  files: number | null;
  failed: number | null;
  elapsedSeconds: number | null;
  note?: string;
}

export interface DemoInfo {
  /** What the demo structures are (from demo.json). */
  description: string;
  structures: DemoStructure[];
  /** The shipped default model; null when none is installed (`modelError` says why). */
  model: DemoModel | null;
  modelError: string | null;
  /** The last demo screening; null before the first one. */
  screening: DemoScreeningState | null;
  /** Where the demo screening, its results and report are written. */
  outDir: string;
}

/** One demo structure with the shipped model's predictions. */
export interface DemoResultRow {
  id: string;
  name: string;
  formula: string;
  prototype: string;
  atoms: number | null;
  /** Absolute path of the CIF. */
  file: string;
  /** Ensemble mean per model task (null when the file failed). */
  values: (number | null)[];
  /** Ensemble standard deviation per task (null for a single model or a failed file). */
  std: (number | null)[];
  /** 'metal' / 'non-metal' from the predicted band gap; null without a band-gap task. */
  metal: 'metal' | 'non-metal' | null;
  outOfDomain: boolean;
  /** Why the crystal is outside the training domain (empty when inside). */
  domainReasons: string[];
  /** Empty for a predicted row; else why the file could not be screened. */
  error: string;
}

export interface DemoResults {
  model: DemoModel;
  rows: DemoResultRow[];
  /**
   * The metal call's threshold (null: no band gap): with metalRule 'gap-below' a predicted band gap below it (in the
   * band-gap task's unit) is a metal; with 'probability-above' (the model has a metal / non-metal classifier) a
   * probability above it is.
   */
  metalThreshold: number | null;
  metalRule: 'gap-below' | 'probability-above' | null;
  screenedAtIso: string;
  elapsedSeconds: number | null;
  /** The results CSV under the studio home. */
  csvFile: string;
  /** Set when the shipped default model changed since this screening ran. */
  staleNote?: string;
}

/** The demo screening rendered as a screening report (a self-contained HTML file under the studio home). */
export interface DemoReport {
  title: string;
  html: string;
  /** Absolute path of the HTML file. */
  file: string;
  createdAtIso: string;
}


const demoReportPdfGuard: Guard<{ path: string }> = singleKey('path', (v, what) => {
  const out = absPath(v, what);
  if (!/\.pdf$/i.test(out)) throw new IpcArgumentError('path must end in .pdf');
  return out;
});

export const demoChannels = {
  /** The first-run demo: its textbook prototypes, the shipped model with its test errors, the last demo screening. */
  'demo:info': call<void, DemoInfo>(noArgs),
  /** Screen the demo structures with the shipped default model, as a job (results under <MTCGCNN_HOME>/demo); returns its id. */
  'demo:screen': call<void, { jobId: string }>(noArgs),
  /** The finished demo screening: every structure with mean ± std per property, metal call and domain verdict. */
  'demo:results': call<void, DemoResults>(noArgs),
  /** Render the finished demo screening as a screening report and return it. */
  'demo:report': call<void, DemoReport>(noArgs),
  /** Print the demo's screening report to a PDF file. */
  'demo:report-pdf': call<{ path: string }, { path: string; bytes: number }>(demoReportPdfGuard),
} as const;
