/**
 * Typed refusal of a structure file. Every reader in this folder reports failure only through
 * StructureReadError (never a TypeError or RangeError escaping), so callers can switch on `code`.
 */
export type StructureReadErrorCode =
  /** The file or text is empty or whitespace only. */
  | 'empty'
  /** NUL bytes, many control characters or undecodable bytes: not a text file. */
  | 'binary'
  /** Over the size limit (`maxBytes`) or expands to more sites than `maxSites`. */
  | 'too-large'
  /** The text ends inside a loop, a quoted string, a text field, or before all coordinates. */
  | 'truncated'
  /** Malformed syntax (bad number, bad loop, bad symmetry operation, ...). */
  | 'syntax'
  /** No (complete) unit cell: lengths missing or unknown, or a non-periodic file. */
  | 'missing-cell'
  /** No atom sites (no coordinates), or every site was removed. */
  | 'missing-sites'
  /** POSCAR without species names anywhere (VASP 4 with an uninformative comment line). */
  | 'missing-species'
  /** Partially occupied or mixed sites while the policy is 'refuse'. */
  | 'partial-occupancy'
  /** Different atoms on the same position with occupancies summing to more than 1. */
  | 'overlapping-sites'
  /** An element symbol or label that names no element. */
  | 'unknown-element'
  /** Not a CIF / POSCAR / extended XYZ file, or a variant this reader does not handle (mmCIF). */
  | 'unsupported-format'
  /** Symmetry the reader cannot apply (space-group symbol without operations, superspace groups). */
  | 'unsupported-symmetry'
  /** Cell volume zero or nearly so, impossible angles, non-positive lengths. */
  | 'degenerate-cell'
  /** Below 1 A^3 per atom, or two atoms (periodic images included) closer than 0.5 A. */
  | 'unphysical'
  /** Plain XYZ without a lattice, or pbc="F F F". */
  | 'not-periodic'
  /** The file could not be read (missing, a directory, permission denied). */
  | 'io'
  /** A bug in the reader, converted to a typed error instead of crashing the caller. */
  | 'internal';

export interface StructureReadErrorInit {
  code: StructureReadErrorCode;
  /** File name (or path) the text came from. */
  file: string;
  /** Human-readable reason, without the file/block/line prefix. */
  reason: string;
  /** CIF data block name (without `data_`). */
  block?: string;
  /** 1-based line number where the problem was found. */
  line?: number;
  cause?: unknown;
  /** For multi-block files where every block failed: the per-block errors. */
  blockErrors?: readonly StructureReadError[];
}

export class StructureReadError extends Error {
  readonly code: StructureReadErrorCode;
  readonly file: string;
  readonly block?: string;
  readonly line?: number;
  readonly reason: string;
  readonly blockErrors?: readonly StructureReadError[];

  constructor(init: StructureReadErrorInit) {
    super(formatLocation(init.file, init.block, init.line) + init.reason, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'StructureReadError';
    this.code = init.code;
    this.file = init.file;
    this.reason = init.reason;
    if (init.block !== undefined) this.block = init.block;
    if (init.line !== undefined) this.line = init.line;
    if (init.blockErrors !== undefined) this.blockErrors = init.blockErrors;
  }
}

/** "file.cif, block data_X, line 12: " */
export function formatLocation(file: string, block?: string, line?: number): string {
  let s = file;
  if (block !== undefined) s += `, block data_${block}`;
  if (line !== undefined) s += `, line ${line}`;
  return s + ': ';
}

/**
 * Thrown inside a reader before the file name is known to the throwing helper; readers catch it
 * and convert it with `toReadError`. Kept separate so helpers stay small.
 */
export class ReadProblem extends Error {
  constructor(
    readonly code: StructureReadErrorCode,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(reason);
    this.name = 'ReadProblem';
  }
}

export function toReadError(e: unknown, file: string, block?: string): StructureReadError {
  if (e instanceof StructureReadError) return e;
  if (e instanceof ReadProblem) return new StructureReadError({ code: e.code, file, block, line: e.line, reason: e.reason });
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new StructureReadError({ code: 'internal', file, block, reason: `internal reader error (${msg})`, cause: e });
}
