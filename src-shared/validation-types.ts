/**
 * The types of a dataset validation report, without any Node import: the IPC contract (src-shared/contract)
 * and through it the renderer use them as they are (the renderer's tsconfig has no Node types, so this module and
 * what it imports must stay free of Node APIs). The report is computed in src-main/core/dataset/validation-report.ts.
 */
/** Problems of a label CSV (id_prop.csv), as the core's reader (src-main/core/dataset/id-prop.ts) finds them. */
export type IdPropIssueKind = 'column-count' | 'non-numeric' | 'non-finite' | 'bad-id' | 'duplicate-id' | 'quote';

export interface IdPropIssue {
  kind: IdPropIssueKind;
  line: number;
  message: string;
}

export interface IdPropDuplicate {
  id: string;
  /** Lines of every row with this id; the first one is kept. */
  lines: number[];
}

export interface Histogram {
  /** bins + 1 ascending edges; the last bin includes its upper edge. */
  edges: number[];
  counts: number[];
}

export interface LabelStats {
  task: string;
  unit: string;
  /** Usable crystals with a value. */
  n: number;
  /** Usable crystals without a value (NaN). */
  missing: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (n - 1 denominator; 0 for n = 1). */
  std: number | null;
  median: number | null;
  histogram: Histogram | null;
}

export interface BadFile {
  id: string;
  file: string;
  reason: string;
}

/** Everything a validation finds; ValidationReport adds the folder and its tasks. */
export interface ValidationFindings {
  counts: {
    /** Non-blank CSV data rows (valid or not). */
    csvRows: number;
    /** CSV rows that parsed (after dropping malformed rows and repeated ids). */
    validRows: number;
    /** Structure files in the folder. */
    structureFiles: number;
    /** CSV rows with a structure file. */
    entries: number;
    /** Entries whose structure parsed. */
    parsed: number;
    /** Entries that parsed and whose elements all have features: what training sees. */
    usable: number;
    badFiles: number;
    missingFiles: number;
    orphanFiles: number;
    duplicateIds: number;
    csvIssues: number;
    /** Per task: usable crystals with a value / without one. */
    labelledPerTask: Record<string, number>;
    missingPerTask: Record<string, number>;
  };
  badFiles: BadFile[];
  missingFiles: string[];
  orphanFiles: string[];
  csvIssues: IdPropIssue[];
  duplicateIds: IdPropDuplicate[];
  /** Elements found in parsed structures that the feature table lacks, with how many crystals contain them. */
  unsupportedElements: { z: number; symbol: string; crystals: number }[];
  /** Distinct elements in the usable crystals. */
  elementsPresent: number;
  /** Atoms per cell over the usable crystals. */
  atoms: { min: number; max: number; mean: number; median: number } | null;
  /** Parsed structures that came with reader warnings. */
  filesWithWarnings: number;
  labelStats: LabelStats[];
  /** Plain-language summary of everything that needs attention (empty when all is well). */
  problems: string[];
}
