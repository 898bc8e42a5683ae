/** Crystal graphs: periodic neighbour search, CGCNN graph construction, bond-feature basis, codec and cache. */
export { DEFAULT_GRAPH_SETTINGS, type CrystalGraph, type GraphSettings } from './crystal-graph';
export {
  INCLUDE_TOLERANCE_A2,
  PAIRS_MAX_ATOMS,
  NeighborEngine,
  findNeighbors,
  sharedNeighborEngine,
  type NearestResult,
  type NeighborList,
  type NeighborMethod,
  type NeighborSearchOptions,
} from './neighbors';
export {
  GROW_RADIUS_STEP_ANGSTROM,
  MAX_GROWN_RADIUS_ANGSTROM,
  buildCrystalGraph,
  buildCrystalGraphFromArrays,
  buildCrystalGraphWithRadius,
  type BuildGraphOptions,
} from './build-graph';
export { GaussianBasis, type GaussianBasisOptions } from './gaussian';
export {
  GRAPH_ALGORITHM_VERSION,
  GRAPH_FORMAT_MAGIC,
  GRAPH_FORMAT_VERSION,
  decodeGraphs,
  encodeGraphs,
  graphInputHash,
  graphSettingsKey,
  graphsHash,
  sha256Hex,
} from './graph-codec';
export {
  DEFAULT_CHUNK_SIZE,
  GRAPH_CACHE_LAYOUT_VERSION,
  GraphCache,
  type GetOrBuildOptions,
  type GraphCacheEntry,
  type GraphCacheStats,
} from './graph-cache';
