/**
 * Structure file readers: CIF 1.1 (also magnetic CIF positions), VASP POSCAR/CONTCAR (VASP 4 and 5),
 * extended XYZ. Plain TypeScript, no Electron; see docs/structure-readers.md for every decision.
 *
 * - `parseStructures(text, fileName, options)`: format from the file name (.cif/.mcif; POSCAR, CONTCAR,
 *   *.vasp, *.poscar; .xyz/.extxyz), otherwise sniffed from the content. A CIF with several data blocks
 *   gives one structure per block that holds one; blocks that fail are reported in the warnings of the
 *   returned structures. It throws a StructureReadError only when no block yields a structure.
 * - `readStructureFile(path, options)` / `readStructureFileSync`: the same from disk, refusing files over
 *   `maxBytes` (default 20 MB) before reading them, and binary files.
 */
export { parseStructures, formatFromName, sniffFormat, type StructureFormat } from './parse';
export { readStructureFile, readStructureFileSync, parseStructureBuffer } from './read-file';
export { StructureReadError, type StructureReadErrorCode } from './errors';
export {
  type NamedStructure,
  type ReadOptions,
  type PartialOccupancyPolicy,
  DEFAULT_MAX_BYTES,
  DEFAULT_MERGE_TOLERANCE_ANGSTROM,
  DEFAULT_MAX_SITES,
} from './types';
export { OCCUPANCY_TOLERANCE, MAJORITY_MIN_OCCUPANCY } from './cif-structure';
