/**
 * A crystal for the 3D viewer, built from the structure the model sees: the same reader (and read options) as
 * validation and training, all sites in P1, and the CGCNN graph neighbours from the same periodic neighbour search
 * the graph builder uses (the `maxNeighbors` nearest within the radius, nearest first, deterministic ties).
 * Only numbers cross IPC: lattice rows, species and Cartesian coordinates, never file contents.
 */
import { readStructureFile } from '../../core/io';
import type { ReadOptions } from '../../core/io';
import type { Structure } from '../../core/crystal/structure';
import { DEFAULT_GRAPH_SETTINGS, findNeighbors, type GraphSettings } from '../../core/graph';
import type { NeighborEntry, StructureView } from '../../ipc/contract';
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

/** Graph neighbours of every site: the first `maxNeighbors` of the full neighbour list (sorted nearest first). */
export function graphNeighbors(structure: Structure, settings: GraphSettings = DEFAULT_GRAPH_SETTINGS): { neighbors: NeighborEntry[][]; paddedSites: number } {
  const list = findNeighbors(structure, settings.radiusAngstrom);
  const m = structure.lattice.matrix;
  const neighbors: NeighborEntry[][] = [];
  let paddedSites = 0;
  for (let i = 0; i < list.numAtoms; i++) {
    const start = list.offsets[i];
    const end = Math.min(list.offsets[i + 1], start + settings.maxNeighbors);
    if (end - start < settings.maxNeighbors) paddedSites++;
    const row: NeighborEntry[] = [];
    for (let e = start; e < end; e++) {
      const j = list.index[e];
      const image: [number, number, number] = [list.image[3 * e], list.image[3 * e + 1], list.image[3 * e + 2]];
      const f = structure.sites[j].frac;
      const fa = f[0] + image[0];
      const fb = f[1] + image[1];
      const fc = f[2] + image[2];
      const position: [number, number, number] = [
        fa * m[0][0] + fb * m[1][0] + fc * m[2][0],
        fa * m[0][1] + fb * m[1][1] + fc * m[2][1],
        fa * m[0][2] + fb * m[1][2] + fc * m[2][2],
      ];
      row.push({ j, image, distance: list.distance[e], position });
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
