/** Crystals of a dataset and single structures for the 3D viewer. */
import { absPath, call, CONTROL_CHARS, folderName, IpcArgumentError, oneOf, onlyKeys, record, singleKey, str, type Guard } from './guards';
import type { TaskMapping } from './datasets';



/** The crystals of a project dataset, column-wise (compact for 100k rows). */
export interface StructureTable {
  dataset: string;
  tasks: TaskMapping[];
  ids: string[];
  formulas: string[];
  atoms: number[];
  /** labels[t][i]: value of task t for crystal i, null when missing. */
  labels: (number | null)[][];
  /** Structures that could not be used, with the reason (not in the arrays above). */
  unusable: { id: string; reason: string }[];
}

export type StructureRef = { kind: 'dataset'; dataset: string; id: string } | { kind: 'file'; path: string };

export interface StructureViewRequest {
  ref: StructureRef;
  /** Repetitions along a, b and c (1 or 2). */
  supercell: 1 | 2;
}

export interface NeighborEntry {
  /** Index of the neighbour in the unit cell. */
  j: number;
  /** Lattice translation of the neighbour's image. */
  image: [number, number, number];
  /** Distance, Angstrom. */
  distance: number;
  /** Cartesian position of the neighbour image, Angstrom. */
  position: [number, number, number];
}

/**
 * A crystal as the model sees it: lattice rows (Angstrom), all sites in P1 (Cartesian, Angstrom), and the CGCNN
 * graph neighbours of every unit-cell site (the `maxNeighbors` nearest within `radiusAngstrom`).
 */
export interface StructureView {
  id: string;
  source: string;
  formula: string;
  reducedFormula: string;
  /** Unit cell. */
  lattice: number[][];
  lengthsAngstrom: [number, number, number];
  anglesDegrees: [number, number, number];
  volumeAngstrom3: number;
  densityGramsPerCm3: number;
  /** Unit-cell sites. */
  numSites: number;
  /** Displayed cell (the supercell when supercell = 2): lattice rows and sites. */
  supercell: 1 | 2;
  displayLattice: number[][];
  species: string[];
  z: number[];
  /** Cartesian coordinates, Angstrom, 3 per site, displayed cell. */
  cart: number[];
  /** Index of each displayed site in the unit cell. */
  unitIndex: number[];
  /** Fractional coordinates of the unit-cell sites. */
  frac: number[][];
  radiusAngstrom: number;
  maxNeighbors: number;
  /** Per unit-cell site: its graph neighbours, nearest first. */
  neighbors: NeighborEntry[][];
  /** Sites with fewer than maxNeighbors neighbours within the radius (CGCNN pads them). */
  paddedSites: number;
  warnings: string[];
  /** Labels of the crystal when it comes from a dataset (task name -> value or null). */
  labels?: Record<string, number | null>;
}

const structureListGuard = singleKey('dataset', folderName);

function structureRef(v: unknown, what: string): StructureRef {
  const o = record(v, what);
  const kind = oneOf(o.kind, ['dataset', 'file'] as const, `${what}.kind`);
  if (kind === 'dataset') {
    onlyKeys(o, ['kind', 'dataset', 'id'], what);
    const id = str(o.id, `${what}.id`, { maxLength: 255 });
    if (/[/\\]/.test(id) || CONTROL_CHARS.test(id)) throw new IpcArgumentError(`${what}.id must be a crystal id, not a path`);
    return { kind, dataset: folderName(o.dataset, `${what}.dataset`), id };
  }
  onlyKeys(o, ['kind', 'path'], what);
  return { kind, path: absPath(o.path, `${what}.path`) };
}

const structureViewGuard: Guard<StructureViewRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['ref', 'supercell'], 'argument');
  return { ref: structureRef(o.ref, 'ref'), supercell: oneOf(o.supercell, [1, 2] as const, 'supercell') };
};

export const structureChannels = {
  /** Every crystal of a project dataset: id, formula, atoms and labels. */
  'structures:list': call<{ dataset: string }, StructureTable>(structureListGuard),
  /** One crystal as the model sees it, with its graph neighbours, for the 3D viewer. */
  'structures:view': call<StructureViewRequest, StructureView>(structureViewGuard),
} as const;
