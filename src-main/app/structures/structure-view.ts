/**
 * A crystal for the 3D viewer, built from the structure the model sees: the same reader (and read options) as
 * validation and training, all sites in P1, and the CGCNN graph neighbours from the same periodic neighbour search
 * the graph builder uses (the `maxNeighbors` nearest within the radius, nearest first, deterministic ties).
 * Only numbers cross IPC: lattice rows, species and Cartesian coordinates, never file contents.
 */
import { readStructureFile } from '../../core/io';
import type { ReadOptions } from '../../core/io';
import type { Structure } from '../../core/crystal/structure';
import { DEFAULT_GRAPH_SETTINGS, sharedNeighborEngine, type GraphSettings } from '../../core/graph';
import type { NeighborEntry, StructureView } from '../../../src-shared/contract';
import { UserFacingError } from '../../ipc/dispatcher';

export interface LoadedStructure {
  id: string;
  file: string;
  structure: Structure;
  warnings: string[];
}

export async function loadStructure(id: string, file: string, options: ReadOptions): Promise<LoadedStructure> {
  let named;
  try {
    named = await readStructureFile(file, options);
  } catch (err) {
    throw new UserFacingError(`${err instanceof Error ? err.message : String(err)}. The model cannot use this structure either; fix or remove the file.`, 'failed');
  }
  if (named.length === 0) throw new UserFacingError(`${file} holds no structure.`, 'failed');
  const first = named[0];
  const warnings = [...first.warnings];
  if (named.length > 1) warnings.push(`the file holds ${named.length} structures; the first (${first.name}) is the one the model uses`);
  return { id, file, structure: first.structure, warnings };
}

/**
 * Graph neighbours of every site: the `maxNeighbors` nearest within the radius, found by the same bounded k-nearest
 * search as the graph builder (never the full neighbour list, which for a tiny or flat cell would hold millions of
 * images).
 */
export function graphNeighbors(structure: Structure, settings: GraphSettings = DEFAULT_GRAPH_SETTINGS): { neighbors: NeighborEntry[][]; paddedSites: number } {
  const k = settings.maxNeighbors;
  const res = sharedNeighborEngine().loadStructure(structure).nearest(k, settings.radiusAngstrom, undefined, 'auto', true);
  const images = res.image!;
  const m = structure.lattice.matrix;
  const neighbors: NeighborEntry[][] = [];
  let paddedSites = 0;
  for (let i = 0; i < structure.numSites; i++) {
    const count = res.count[i];
    if (count < k) paddedSites++;
    const row: NeighborEntry[] = [];
    for (let s = 0; s < count; s++) {
      const e = i * k + s;
      const j = res.index[e];
      const image: [number, number, number] = [images[3 * e], images[3 * e + 1], images[3 * e + 2]];
      const f = structure.sites[j].frac;
      const fa = f[0] + image[0];
      const fb = f[1] + image[1];
      const fc = f[2] + image[2];
      const position: [number, number, number] = [
        fa * m[0][0] + fb * m[1][0] + fc * m[2][0],
        fa * m[0][1] + fb * m[1][1] + fc * m[2][1],
        fa * m[0][2] + fb * m[1][2] + fc * m[2][2],
      ];
      row.push({ j, image, distance: Math.sqrt(res.distance2[e]), position });
    }
    neighbors.push(row);
  }
  return { neighbors, paddedSites };
}

export function buildStructureView(
  loaded: LoadedStructure,
  supercell: 1 | 2,
  extra: { source: string; labels?: Record<string, number | null> },
  settings: GraphSettings = DEFAULT_GRAPH_SETTINGS,
): StructureView {
  const s = loaded.structure;
  const lattice = s.lattice;
  const n = s.numSites;
  const display = supercell === 1 ? s : s.supercell(supercell, supercell, supercell);
  const cart: number[] = [];
  for (const c of display.cartesianCoords()) cart.push(c[0], c[1], c[2]);
  const symbols = display.toJSON().species;
  // Structure.supercell repeats the unit cell's sites in order for each translation.
  const unitIndex = display.sites.map((_, k) => k % n);
  const { neighbors, paddedSites } = graphNeighbors(s, settings);
  return {
    id: loaded.id,
    source: extra.source,
    formula: s.formula(),
    reducedFormula: s.reducedFormula(),
    lattice: lattice.matrix.map((r) => [...r]),
    lengthsAngstrom: [...lattice.lengthsAngstrom],
    anglesDegrees: [...lattice.anglesDegrees],
    volumeAngstrom3: lattice.volumeAngstrom3,
    densityGramsPerCm3: s.densityGramsPerCm3(),
    numSites: n,
    supercell,
    displayLattice: display.lattice.matrix.map((r) => [...r]),
    species: symbols,
    z: display.sites.map((site) => site.z),
    cart,
    unitIndex,
    frac: s.sites.map((site) => [...site.frac]),
    radiusAngstrom: settings.radiusAngstrom,
    maxNeighbors: settings.maxNeighbors,
    neighbors,
    paddedSites,
    warnings: loaded.warnings,
    ...(extra.labels ? { labels: extra.labels } : {}),
  };
}
