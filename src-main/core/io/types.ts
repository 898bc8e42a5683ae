import type { Structure } from '../crystal/structure';

/** One structure read from a file. */
export interface NamedStructure {
  /** CIF: the data block name (without `data_`); POSCAR / XYZ: the file stem (plus `#frame` for multi-frame XYZ). */
  name: string;
  structure: Structure;
  /** Everything the reader repaired, guessed or skipped (including other blocks of the same file that failed). */
  warnings: string[];
}

export type PartialOccupancyPolicy = 'refuse' | 'majority';

export interface ReadOptions {
  /**
   * What to do with partially occupied or mixed sites (CIF only).
   * - 'refuse' (default): throw StructureReadError code 'partial-occupancy'.
   * - 'majority': keep the species with the largest occupancy on each site; drop sites whose total
   *   occupancy is below 0.5 (mostly vacant). See docs/structure-readers.md.
   */
  partialOccupancy?: PartialOccupancyPolicy;
  /** Refuse files (or texts) larger than this many bytes. Default 20 MB (20 * 1024 * 1024). */
  maxBytes?: number;
  /**
   * Two atoms closer than this (Angstrom, periodic distance) are the same site: symmetry copies of one
   * atom-site row are merged, rows on the same position form one mixed site. Default 0.01 A.
   */
  mergeToleranceAngstrom?: number;
  /** Refuse structures that expand to more sites than this (default 100,000). */
  maxSites?: number;
  /**
   * Keep CIF atom-site labels on the sites (Site.label, default true). Building labelled sites costs about
   * as much as the rest of Structure construction; a featurizer that only needs Z and positions can pass false.
   */
  keepLabels?: boolean;
}

export interface ResolvedReadOptions {
  partialOccupancy: PartialOccupancyPolicy;
  maxBytes: number;
  mergeToleranceAngstrom: number;
  maxSites: number;
  keepLabels: boolean;
}

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MERGE_TOLERANCE_ANGSTROM = 0.01;
export const DEFAULT_MAX_SITES = 100_000;

export function resolveOptions(options: ReadOptions | undefined): ResolvedReadOptions {
  const o = options ?? {};
  const policy = o.partialOccupancy ?? 'refuse';
  if (policy !== 'refuse' && policy !== 'majority') throw new RangeError(`partialOccupancy must be 'refuse' or 'majority', got ${String(policy)}`);
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
  const tol = o.mergeToleranceAngstrom ?? DEFAULT_MERGE_TOLERANCE_ANGSTROM;
  if (!(tol >= 0) || !Number.isFinite(tol)) throw new RangeError(`mergeToleranceAngstrom must be a finite non-negative number, got ${tol}`);
  const maxSites = o.maxSites ?? DEFAULT_MAX_SITES;
  if (!(maxSites >= 1)) throw new RangeError(`maxSites must be at least 1, got ${maxSites}`);
  return { partialOccupancy: policy, maxBytes, mergeToleranceAngstrom: tol, maxSites, keepLabels: o.keepLabels ?? true };
}
