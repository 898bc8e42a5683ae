/**
 * Compact binary form of crystal graphs, and content hashes.
 *
 * Format (all integers little-endian; version 1):
 *
 *   header, 16 bytes
 *     0  4  magic "CGRF"
 *     4  2  format version (1)
 *     6  2  flags (0, reserved)
 *     8  4  number of graphs (u32)
 *    12  4  reserved (0)
 *   then one record per graph, each starting at a multiple of 4:
 *     0  4  record length in bytes, this field included, padding included (u32; a multiple of 4)
 *     4  4  numAtoms N (u32)
 *     8  2  maxNeighbors M (u16)
 *    10  1  index width W: 1, 2 or 4 bytes (the smallest that holds N - 1)
 *    11  1  reserved (0)
 *    12  4  paddedAtoms (u32)
 *    16  2  id length L in UTF-8 bytes (u16)
 *    18  L  id, UTF-8
 *     .  N  atomic numbers (u8)
 *     .     zero padding to a multiple of 4
 *     .  4NM neighbour distances (float32, row-major [N, M])
 *     .  WNM neighbour indices (unsigned, W bytes each, row-major [N, M])
 *     .     zero padding to a multiple of 4
 *
 * A 20-atom graph with 12 neighbours takes ~1.3 KB (float32 distances dominate).
 */
import { createHash } from 'node:crypto';
import type { CrystalGraph, GraphSettings } from './crystal-graph';

export const GRAPH_FORMAT_MAGIC = 'CGRF';
export const GRAPH_FORMAT_VERSION = 1;
/**
 * Version of the graph construction itself (neighbour search, tie-break, padding). Bump it whenever a change could
 * alter any graph, so that caches keyed with it are rebuilt.
 */
export const GRAPH_ALGORITHM_VERSION = 1;

const HEADER_BYTES = 16;
const RECORD_FIXED_BYTES = 18;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const pad4 = (n: number): number => (n + 3) & ~3;

function indexWidth(numAtoms: number): 1 | 2 | 4 {
  return numAtoms <= 0x100 ? 1 : numAtoms <= 0x10000 ? 2 : 4;
}

/** Serialize graphs (see the format above). */
export function encodeGraphs(graphs: readonly CrystalGraph[]): Uint8Array {
  const enc = new TextEncoder();
  const ids = graphs.map((g) => enc.encode(g.id));
  let total = HEADER_BYTES;
  const sizes = graphs.map((g, t) => {
    const n = g.numAtoms;
    const m = g.maxNeighbors;
    if (ids[t].length > 0xffff) throw new RangeError(`graph id too long: ${g.id.slice(0, 40)}...`);
    if (m > 0xffff) throw new RangeError('maxNeighbors above 65535 cannot be encoded');
    if (g.atomicNumbers.length !== n || g.neighborIndex.length !== n * m || g.neighborDistance.length !== n * m) {
      throw new RangeError(`graph ${g.id}: array lengths do not match numAtoms x maxNeighbors`);
    }
    const size = pad4(pad4(RECORD_FIXED_BYTES + ids[t].length + n) + 4 * n * m + indexWidth(n) * n * m);
    total += size;
    return size;
  });
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  for (let k = 0; k < 4; k++) out[k] = GRAPH_FORMAT_MAGIC.charCodeAt(k);
  dv.setUint16(4, GRAPH_FORMAT_VERSION, true);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, graphs.length, true);
  dv.setUint32(12, 0, true);
  let off = HEADER_BYTES;
  graphs.forEach((g, t) => {
    const n = g.numAtoms;
    const m = g.maxNeighbors;
    const w = indexWidth(n);
    const nm = n * m;
    dv.setUint32(off, sizes[t], true);
    dv.setUint32(off + 4, n, true);
    dv.setUint16(off + 8, m, true);
    out[off + 10] = w;
    out[off + 11] = 0;
    dv.setUint32(off + 12, g.paddedAtoms, true);
    dv.setUint16(off + 16, ids[t].length, true);
    let p = off + RECORD_FIXED_BYTES;
    out.set(ids[t], p);
    p += ids[t].length;
    out.set(g.atomicNumbers, p);
    p = pad4(p + n);
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(g.neighborDistance.buffer, g.neighborDistance.byteOffset, 4 * nm), p);
    } else {
      for (let e = 0; e < nm; e++) dv.setFloat32(p + 4 * e, g.neighborDistance[e], true);
    }
    p += 4 * nm;
    const idx = g.neighborIndex;
    for (let e = 0; e < nm; e++) {
      const v = idx[e];
      if (!(v >= 0 && v < n)) throw new RangeError(`graph ${g.id}: neighbour index ${v} out of range`);
    }
    if (w === 1) {
      for (let e = 0; e < nm; e++) out[p + e] = idx[e];
    } else if (w === 2) {
      for (let e = 0; e < nm; e++) dv.setUint16(p + 2 * e, idx[e], true);
    } else {
      for (let e = 0; e < nm; e++) dv.setUint32(p + 4 * e, idx[e], true);
    }
    off += sizes[t];
  });
  return out;
}

/** Parse bytes written by encodeGraphs. Throws RangeError on anything malformed. */
export function decodeGraphs(bytes: Uint8Array): CrystalGraph[] {
  const fail = (why: string): never => {
    throw new RangeError(`not a valid crystal-graph file: ${why}`);
  };
  if (bytes.length < HEADER_BYTES) fail('too short');
  for (let k = 0; k < 4; k++) if (bytes[k] !== GRAPH_FORMAT_MAGIC.charCodeAt(k)) fail('bad magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true);
  if (version !== GRAPH_FORMAT_VERSION) fail(`unsupported version ${version}`);
  const count = dv.getUint32(8, true);
  const dec = new TextDecoder('utf-8', { fatal: true });
  const graphs: CrystalGraph[] = [];
  let off = HEADER_BYTES;
  for (let t = 0; t < count; t++) {
    if (off + RECORD_FIXED_BYTES > bytes.length) fail(`record ${t} truncated`);
    const size = dv.getUint32(off, true);
    const n = dv.getUint32(off + 4, true);
    const m = dv.getUint16(off + 8, true);
    const w = bytes[off + 10];
    const paddedAtoms = dv.getUint32(off + 12, true);
    const idLen = dv.getUint16(off + 16, true);
    const nm = n * m;
    if (w !== 1 && w !== 2 && w !== 4) fail(`record ${t}: bad index width ${w}`);
    const expected = pad4(pad4(RECORD_FIXED_BYTES + idLen + n) + 4 * nm + w * nm);
    if (size !== expected || off + size > bytes.length) fail(`record ${t}: bad length`);
    if (paddedAtoms > n) fail(`record ${t}: paddedAtoms > numAtoms`);
    let p = off + RECORD_FIXED_BYTES;
    const id = dec.decode(bytes.subarray(p, p + idLen));
    p += idLen;
    // a copy as a plain Uint8Array (Buffer#slice would return a view, and a Buffer)
    const atomicNumbers = new Uint8Array(bytes.subarray(p, p + n));
    p = pad4(p + n);
    let neighborDistance: Float32Array;
    if (LITTLE_ENDIAN_HOST) {
      const start = bytes.byteOffset + p;
      neighborDistance = new Float32Array(bytes.buffer.slice(start, start + 4 * nm));
    } else {
      neighborDistance = new Float32Array(nm);
      for (let e = 0; e < nm; e++) neighborDistance[e] = dv.getFloat32(p + 4 * e, true);
    }
    p += 4 * nm;
    const neighborIndex = new Int32Array(nm);
    if (w === 1) {
      for (let e = 0; e < nm; e++) neighborIndex[e] = bytes[p + e];
    } else if (w === 2) {
      for (let e = 0; e < nm; e++) neighborIndex[e] = dv.getUint16(p + 2 * e, true);
    } else {
      for (let e = 0; e < nm; e++) neighborIndex[e] = dv.getUint32(p + 4 * e, true);
    }
    for (let e = 0; e < nm; e++) if (neighborIndex[e] >= n) fail(`record ${t}: neighbour index out of range`);
    graphs.push({ id, numAtoms: n, maxNeighbors: m, atomicNumbers, neighborIndex, neighborDistance, paddedAtoms });
    off += size;
  }
  if (off !== bytes.length) fail('trailing bytes');
  return graphs;
}

/**
 * The settings that change a stored graph, as a canonical string. The Gaussian step and width are left out on
 * purpose: bond features are expanded from the stored distances at batch time, so they do not change the graph.
 */
export function graphSettingsKey(settings: GraphSettings): string {
  return JSON.stringify({
    radiusAngstrom: settings.radiusAngstrom,
    maxNeighbors: settings.maxNeighbors,
    growRadius: settings.growRadius,
  });
}

/** Hex sha256 of several parts; each part is length-prefixed so part boundaries cannot be confused. */
export function sha256Hex(...parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  const len = Buffer.alloc(8);
  for (const part of parts) {
    const buf = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    len.writeBigUInt64LE(BigInt(buf.length));
    h.update(len);
    h.update(buf);
  }
  return h.digest('hex');
}

/** Hash of what determines one crystal's graph: file content, graph settings and the algorithm version. */
export function graphInputHash(content: string | Uint8Array, settings: GraphSettings): string {
  return sha256Hex(`crystal-graph v${GRAPH_ALGORITHM_VERSION}`, graphSettingsKey(settings), content);
}

/** Hash of encoded graphs (identifies a featurized dataset by content). */
export function graphsHash(graphs: readonly CrystalGraph[]): string {
  return createHash('sha256').update(encodeGraphs(graphs)).digest('hex');
}
