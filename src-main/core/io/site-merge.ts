/**
 * Symmetry expansion of atom-site rows and merging of coincident positions.
 *
 * Every row is moved by every operation and wrapped into [0, 1). A position closer than
 * `tolerance` Angstrom (periodic distance) to an existing site of the same row is a symmetry copy and
 * dropped; one close to a site of another row joins that site (a mixed or redundantly listed site).
 * Neighbour lookups use a linear scan for small cells and a periodic grid otherwise, so the cost is
 * O(candidates) for large expansions.
 *
 * Plain arrays on purpose: V8 allocates typed arrays above 64 bytes off-heap, which costs more than the
 * whole expansion of a typical 10-50 atom P1 cell.
 */
import type { Mat3 } from '../crystal/lattice';
import { ReadProblem } from './errors';

export interface ExpandedSites {
  /** Wrapped fractional coordinates, 3 per site. */
  readonly frac: number[];
  readonly count: number;
  /** Rows of site s are contribRow[contribStart[s] .. contribStart[s + 1]); the first one created the site. */
  readonly contribStart: number[];
  readonly contribRow: number[];
  /** Candidates dropped as symmetry copies of a site of the same row. */
  readonly symmetryDuplicates: number;
}

/**
 * @param fx,fy,fz fractional coordinates per row (first `nRows` entries are used)
 * @param ops operations, 12 numbers each (rotation row-major, then translation)
 * @param matrix lattice vectors as rows (for distances)
 * @param tolerance merge distance, Angstrom
 * @param perpWidths perpendicular widths of the cell, Angstrom
 * @param maxSites refuse expansions beyond this many sites
 */
export function expandAndMerge(
  nRows: number,
  fx: readonly number[],
  fy: readonly number[],
  fz: readonly number[],
  ops: readonly (readonly number[])[],
  matrix: Mat3,
  tolerance: number,
  perpWidths: readonly [number, number, number],
  maxSites: number,
): ExpandedSites {
  const nOps = ops.length;
  const nCand = nRows * nOps;
  if (nCand > maxSites * 64) {
    throw new ReadProblem('too-large', `${nRows} atom sites x ${nOps} symmetry operations is too many candidates (limit ${maxSites} sites)`);
  }
  // metric tensor (off-diagonal terms doubled)
  const [a, b, c] = matrix;
  const g00 = a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
  const g11 = b[0] * b[0] + b[1] * b[1] + b[2] * b[2];
  const g22 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
  const g01 = 2 * (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]);
  const g02 = 2 * (a[0] * c[0] + a[1] * c[1] + a[2] * c[2]);
  const g12 = 2 * (b[0] * c[0] + b[1] * c[1] + b[2] * c[2]);
  const tol2 = tolerance * tolerance;

  const sx: number[] = [];
  const sy: number[] = [];
  const sz: number[] = [];
  const sRow: number[] = []; // row that created each site
  let count = 0;
  // other rows on an existing site (rare): site -> rows
  let extras: Map<number, number[]> | null = null;
  let extraTotal = 0;
  let symmetryDuplicates = 0;

  const useGrid = nCand > 48 && tolerance > 0;
  let nbx = 1;
  let nby = 1;
  let nbz = 1;
  let head: Int32Array | null = null;
  const next: number[] = [];
  if (useGrid) {
    const target = Math.max(1, Math.cbrt(nCand / 2));
    nbx = binsFor(perpWidths[0], tolerance, target);
    nby = binsFor(perpWidths[1], tolerance, target);
    nbz = binsFor(perpWidths[2], tolerance, target);
    head = new Int32Array(nbx * nby * nbz).fill(-1);
  }
  const offX = offsets(nbx);
  const offY = offsets(nby);
  const offZ = offsets(nbz);

  for (let r = 0; r < nRows; r++) {
    const x0 = fx[r];
    const y0 = fy[r];
    const z0 = fz[r];
    for (let k = 0; k < nOps; k++) {
      const op = ops[k];
      let x = op[0] * x0 + op[1] * y0 + op[2] * z0 + op[9];
      let y = op[3] * x0 + op[4] * y0 + op[5] * z0 + op[10];
      let z = op[6] * x0 + op[7] * y0 + op[8] * z0 + op[11];
      x -= Math.floor(x);
      y -= Math.floor(y);
      z -= Math.floor(z);
      if (x >= 1) x = 0;
      if (y >= 1) y = 0;
      if (z >= 1) z = 0;
      let found = -1;
      let cellIndex = 0;
      if (head !== null) {
        const ix = Math.min(nbx - 1, Math.floor(x * nbx));
        const iy = Math.min(nby - 1, Math.floor(y * nby));
        const iz = Math.min(nbz - 1, Math.floor(z * nbz));
        cellIndex = (ix * nby + iy) * nbz + iz;
        search: for (let i = 0; i < offX.length; i++) {
          const cx = (ix + offX[i] + nbx) % nbx;
          for (let j = 0; j < offY.length; j++) {
            const cy = (iy + offY[j] + nby) % nby;
            for (let l = 0; l < offZ.length; l++) {
              const cz = (iz + offZ[l] + nbz) % nbz;
              let s = head[(cx * nby + cy) * nbz + cz];
              while (s >= 0) {
                let dx = x - sx[s];
                let dy = y - sy[s];
                let dz = z - sz[s];
                dx -= Math.round(dx);
                dy -= Math.round(dy);
                dz -= Math.round(dz);
                if (g00 * dx * dx + g11 * dy * dy + g22 * dz * dz + g01 * dx * dy + g02 * dx * dz + g12 * dy * dz < tol2) {
                  found = s; // first match wins
                  break search;
                }
                s = next[s];
              }
            }
          }
        }
      } else {
        for (let s = 0; s < count; s++) {
          let dx = x - sx[s];
          let dy = y - sy[s];
          let dz = z - sz[s];
          dx -= Math.round(dx);
          dy -= Math.round(dy);
          dz -= Math.round(dz);
          if (g00 * dx * dx + g11 * dy * dy + g22 * dz * dz + g01 * dx * dy + g02 * dx * dz + g12 * dy * dz < tol2) {
            found = s;
            break;
          }
        }
      }
      if (found >= 0) {
        if (sRow[found] === r) {
          symmetryDuplicates++;
          continue;
        }
        extras ??= new Map();
        const ex = extras.get(found);
        if (ex === undefined) {
          extras.set(found, [r]);
          extraTotal++;
        } else if (ex.includes(r)) symmetryDuplicates++;
        else {
          ex.push(r);
          extraTotal++;
        }
        continue;
      }
      if (count >= maxSites) {
        throw new ReadProblem('too-large', `the structure expands to more than ${maxSites} sites`);
      }
      sx.push(x);
      sy.push(y);
      sz.push(z);
      sRow.push(r);
      if (head !== null) {
        next.push(head[cellIndex]);
        head[cellIndex] = count;
      }
      count++;
    }
  }

  const frac: number[] = new Array<number>(count * 3);
  for (let s = 0; s < count; s++) {
    frac[3 * s] = sx[s];
    frac[3 * s + 1] = sy[s];
    frac[3 * s + 2] = sz[s];
  }
  const contribStart: number[] = new Array<number>(count + 1);
  let contribRow: number[];
  if (extras === null) {
    contribRow = sRow;
    for (let s = 0; s <= count; s++) contribStart[s] = s;
  } else {
    contribRow = new Array<number>(count + extraTotal);
    let acc = 0;
    for (let s = 0; s < count; s++) {
      contribStart[s] = acc;
      contribRow[acc++] = sRow[s];
      const ex = extras.get(s);
      if (ex !== undefined) for (const r of ex) contribRow[acc++] = r;
    }
    contribStart[count] = acc;
  }
  return { frac, count, contribStart, contribRow, symmetryDuplicates };
}

const OFF3 = [-1, 0, 1];
const OFF2 = [0, 1];
const OFF1 = [0];
function offsets(nb: number): number[] {
  return nb >= 3 ? OFF3 : nb === 2 ? OFF2 : OFF1;
}

function binsFor(width: number, tolerance: number, target: number): number {
  // a bin must be at least `tolerance` wide (perpendicular) so that neighbours are in adjacent bins
  const maxByTol = Math.floor(width / tolerance);
  return Math.max(1, Math.min(maxByTol, Math.ceil(target), 256));
}
