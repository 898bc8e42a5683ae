/**
 * The crystal graph the model sees, in compact typed-array form.
 *
 * Atom features and Gaussian bond features are NOT stored: they are expanded per batch from
 * `atomicNumbers` (through an element feature table) and `neighborDistance` (through a
 * GaussianBasis), which keeps a cached dataset ~40x smaller.
 */
export interface CrystalGraph {
  /** Crystal id (file stem or CSV id). */
  readonly id: string;
  readonly numAtoms: number;
  /** Neighbour slots per atom (M, default 12). */
  readonly maxNeighbors: number;
  /** Atomic number of each atom, length numAtoms. */
  readonly atomicNumbers: Uint8Array;
  /** Row-major [numAtoms, maxNeighbors]: index (0-based, within this crystal) of each neighbour. */
  readonly neighborIndex: Int32Array;
  /** Row-major [numAtoms, maxNeighbors]: neighbour distance in Angstrom, sorted ascending per atom. */
  readonly neighborDistance: Float32Array;
  /** Number of atoms that had fewer than maxNeighbors neighbours within the radius (padded). */
  readonly paddedAtoms: number;
}

/** Settings that determine a graph; stored in every model bundle. */
export interface GraphSettings {
  /** Neighbour cut-off radius, Angstrom (CGCNN: 8). */
  readonly radiusAngstrom: number;
  /** Neighbours kept per atom (CGCNN: 12). */
  readonly maxNeighbors: number;
  /** Gaussian centres from 0 to radius in this step, Angstrom (CGCNN: 0.2). */
  readonly gaussianStepAngstrom: number;
  /** Gaussian width sigma, Angstrom; bond feature exp(-(d - mu)^2 / sigma^2) (CGCNN: = step). */
  readonly gaussianWidthAngstrom: number;
  /** Grow the radius (by 2 A steps) until every atom has maxNeighbors neighbours, instead of padding. */
  readonly growRadius: boolean;
}

export const DEFAULT_GRAPH_SETTINGS: GraphSettings = Object.freeze({
  radiusAngstrom: 8,
  maxNeighbors: 12,
  gaussianStepAngstrom: 0.2,
  gaussianWidthAngstrom: 0.2,
  growRadius: false,
});
