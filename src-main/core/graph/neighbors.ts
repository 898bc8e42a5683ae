/**
 * Periodic neighbour search, exact to pymatgen's `Structure.get_all_neighbors` (2022.x):
 *  - every periodic image of every site within the radius is found, the centre's own images included, however
 *    small or skewed the cell is (the image shells needed are derived from the cell geometry, not a fixed +-1 box);
 *  - a pair is inside when d^2 < r^2 + 1e-8 (pymatgen's numerical_tol on the squared distance);
 *  - the only pairs left out are coincident ones (d <= 1e-8 A) with the same element: the site itself, or a duplicate
 *    of it (pymatgen drops both, and keeps coincident sites of different elements).
 *
 * Two interchangeable search strategies produce the same neighbours:
 *  - 'pairs': for each centre and each site, the lattice translations inside the sphere are enumerated exactly by
 *    slicing the sphere plane by plane and row by row in a triangular (LAMMPS-like) frame of the lattice. No wasted
 *    candidates whatever the cell shape; O(N^2 + neighbours). Fastest for the small cells of typical datasets.
 *  - 'cells': a cell list (linked bins along the three lattice axes, each bin at most `binWidth` thick across) with
 *    a stencil of bin offsets sorted by their lower-bound distance. O(N * neighbours), used for large cells.
 *
 * For the k-nearest mode used by the crystal graph the search radius shrinks to the current k-th best distance as
 * candidates arrive, so only a small part of the 8 A sphere is ever visited.
 *
 * Determinism: ties are broken by (d^2 quantised to 1e-8 A^2, neighbour index, image a, image b, image c), so the
 * result does not depend on the search strategy or the visiting order (beyond the float noise of d^2 itself).
 */
import type { Structure } from '../crystal/structure';

/** pymatgen: d^2 < r^2 + numerical_tol (1e-8). */
export const INCLUDE_TOLERANCE_A2 = 1e-8;
/** pymatgen: coincident pairs (d <= 1e-8 A) of the same element are the site itself and are dropped. */
const SELF_D2 = 1e-16;
/** d^2 quantum for the tie-break key (A^2). */
const KEY_SCALE = 1e8;
const IMG_OFF = 65536;
const IMG_SPAN = 131072;
/** 'auto' uses the 'pairs' strategy up to this many sites, the cell list above (measured crossover on MP data). */
export const PAIRS_MAX_ATOMS = 40;

export type NeighborMethod = 'auto' | 'pairs' | 'cells';

export interface NeighborSearchOptions {
  /** Search strategy; 'auto' (default) picks 'pairs' for small cells and 'cells' for large ones. */
  readonly method?: NeighborMethod;
}

/**
 * All neighbours of every site, compressed-row form. For atom i, entries offsets[i] .. offsets[i+1]-1 are sorted
 * by distance, then neighbour index, then image. The neighbour's position is frac[index] + image (lattice vectors),
 * relative to the site's fractional coordinates as stored in the structure (not wrapped), like pymatgen.
 */
export interface NeighborList {
  readonly numAtoms: number;
  readonly radiusAngstrom: number;
  /** Length numAtoms + 1. */
  readonly offsets: Int32Array;
  /** Neighbour site index per entry. */
  readonly index: Int32Array;
  /** Lattice translation per entry, 3 integers (a, b, c). */
  readonly image: Int32Array;
  /** Distance per entry, Angstrom. */
  readonly distance: Float64Array;
}

/** Output of the k-nearest search: row-major [numAtoms, k], `count[i]` valid slots per row (< k means padding). */
export interface NearestResult {
  readonly k: number;
  readonly index: Int32Array;
  readonly distance2: Float64Array;
  readonly count: Int32Array;
  /** Lattice translation (a, b, c) per slot, row-major [numAtoms, k, 3]; only when asked for (`withImages`). */
  readonly image?: Int32Array;
}

function unpackImage(img: number, out: Int32Array, at: number): void {
  const c = img % IMG_SPAN;
  const ab = (img - c) / IMG_SPAN;
  const b = ab % IMG_SPAN;
  out[at] = (ab - b) / IMG_SPAN - IMG_OFF;
  out[at + 1] = b - IMG_OFF;
  out[at + 2] = c - IMG_OFF;
}

function packImage(a: number, b: number, c: number): number {
  return ((a + IMG_OFF) * IMG_SPAN + (b + IMG_OFF)) * IMG_SPAN + (c + IMG_OFF);
}

/**
 * Reusable neighbour-search engine. Holds scratch buffers that grow to the largest structure seen; not re-entrant
 * (one search at a time), so keep one per worker.
 */
export class NeighborEngine {
  // triangular frame: a = (ax, 0, 0), b = (bx, by, 0), c = (cx, cy, cz), cz > 0
  private ax = 1;
  private bx = 0;
  private by = 1;
  private cx = 0;
  private cy = 0;
  private cz = 1;
  private n = 0;
  private frac = new Float64Array(0);
  private z = new Uint8Array(0);

  // search state
  private r2incl = 0;
  /** Current pruning limit on d^2 (shrinks in k-nearest mode). */
  private lim = 0;
  private k = 0; // 0 = collect everything
  /** Initial search limit as a multiple of the density estimate of the k-th neighbour distance. */
  guessFactor = 1.2;
  /** Centres that needed a second scan (statistics). */
  retries = 0;

  // k-nearest heap of the current centre (sorted ascending by key)
  private hq = new Float64Array(16);
  private hj = new Int32Array(16);
  private himg = new Float64Array(16);
  private hd2 = new Float64Array(16);
  private hcount = 0;

  // collect-all buffers
  private cj = new Int32Array(1024);
  private cimg = new Int32Array(3072);
  private cd2 = new Float64Array(1024);
  private ccount = 0;

  // cell-list scratch
  private wrapped = new Float64Array(0);
  private shiftK = new Int32Array(0);
  private binOf = new Int32Array(0);
  private binStart = new Int32Array(0);
  private binAtom = new Int32Array(0);
  private binPos = new Float64Array(0);
  private stencil = new Int32Array(0);
  private stencilLb2 = new Float64Array(0);
  private stencilOrder = new Int32Array(0);

  /** Load a structure (fractional coordinates as stored, not wrapped). */
  loadStructure(structure: Structure): this {
    const n = structure.sites.length;
    this.ensureAtoms(n);
    const f = this.frac;
    const z = this.z;
    for (let i = 0; i < n; i++) {
      const s = structure.sites[i];
      f[3 * i] = s.frac[0];
      f[3 * i + 1] = s.frac[1];
      f[3 * i + 2] = s.frac[2];
      z[i] = s.z;
    }
    return this.setFrame(structure.lattice.matrix, n);
  }

  /**
   * Load raw arrays: lattice rows (Angstrom), fractional coordinates (3 per atom), atomic numbers.
   * The arrays are copied.
   */
  loadArrays(matrix: readonly (readonly number[])[], frac: ArrayLike<number>, atomicNumbers: ArrayLike<number>): this {
    const n = atomicNumbers.length;
    if (frac.length !== 3 * n) throw new RangeError('frac must hold 3 coordinates per atom');
    this.ensureAtoms(n);
    for (let i = 0; i < 3 * n; i++) this.frac[i] = frac[i];
    for (let i = 0; i < n; i++) this.z[i] = atomicNumbers[i];
    return this.setFrame(matrix, n);
  }

  get numAtoms(): number {
    return this.n;
  }

  /** Atomic numbers of the loaded structure into `out` (length >= numAtoms). */
  copyAtomicNumbers(out: Uint8Array): void {
    out.set(this.z.subarray(0, this.n));
  }

  private ensureAtoms(n: number): void {
    if (this.frac.length < 3 * n) {
      const cap = Math.max(n, 2 * (this.frac.length / 3)) | 0;
      this.frac = new Float64Array(3 * cap);
      this.z = new Uint8Array(cap);
    }
  }

  private setFrame(m: readonly (readonly number[])[], n: number): this {
    if (n < 1) throw new RangeError('a structure needs at least one site');
    const [a, b, c] = m;
    const ax = Math.hypot(a[0], a[1], a[2]);
    const e1 = [a[0] / ax, a[1] / ax, a[2] / ax];
    const bx = b[0] * e1[0] + b[1] * e1[1] + b[2] * e1[2];
    const bp = [b[0] - bx * e1[0], b[1] - bx * e1[1], b[2] - bx * e1[2]];
    const by = Math.hypot(bp[0], bp[1], bp[2]);
    const e2 = [bp[0] / by, bp[1] / by, bp[2] / by];
    const e3 = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    const cx = c[0] * e1[0] + c[1] * e1[1] + c[2] * e1[2];
    const cy = c[0] * e2[0] + c[1] * e2[1] + c[2] * e2[2];
    let cz = c[0] * e3[0] + c[1] * e3[1] + c[2] * e3[2];
    if (cz < 0) cz = -cz; // a reflection keeps every distance
    if (!(ax > 0 && by > 0 && cz > 1e-12 * ax) || !Number.isFinite(ax * by * cz)) {
      throw new RangeError('lattice vectors are degenerate');
    }
    this.ax = ax;
    this.bx = bx;
    this.by = by;
    this.cx = cx;
    this.cy = cy;
    this.cz = cz;
    this.n = n;
    for (let i = 0; i < 3 * n; i++) {
      if (!Number.isFinite(this.frac[i])) throw new RangeError(`site ${(i / 3) | 0} has a non-finite coordinate`);
    }
    return this;
  }

  /** Perpendicular widths of the cell (Angstrom) along the three reciprocal directions. */
  perpendicularWidths(): [number, number, number] {
    const { ax, bx, by, cx, cy, cz } = this;
    const v = ax * by * cz;
    // |b x c| and |c x a| in the triangular frame
    const bc = Math.hypot(by * cz, -bx * cz, bx * cy - by * cx);
    const ca = Math.hypot(0, cz * ax, -cy * ax);
    return [v / bc, v / ca, cz];
  }

  private chooseMethod(method: NeighborMethod): 'pairs' | 'cells' {
    if (method !== 'auto') return method;
    return this.n <= PAIRS_MAX_ATOMS ? 'pairs' : 'cells';
  }

  /**
   * The k nearest neighbours of every site within `radius` (ties by index, then image).
   * Results go to `out` (reallocated when too small) and are returned; `withImages` also fills `image`.
   */
  nearest(k: number, radiusAngstrom: number, out?: NearestResult, method: NeighborMethod = 'auto', withImages = false): NearestResult {
    if (!(k >= 1) || !Number.isInteger(k)) throw new RangeError('k must be a positive integer');
    if (!(radiusAngstrom >= 0) || !Number.isFinite(radiusAngstrom)) throw new RangeError('radius must be finite and >= 0');
    const n = this.n;
    let res = out;
    if (!res || res.k !== k || res.count.length < n || (withImages && (res.image === undefined || res.image.length < 3 * n * k))) {
      res = { k, index: new Int32Array(n * k), distance2: new Float64Array(n * k), count: new Int32Array(n), ...(withImages ? { image: new Int32Array(3 * n * k) } : {}) };
    }
    const images = withImages ? res.image! : undefined;
    if (this.hq.length < k) {
      this.hq = new Float64Array(k);
      this.hj = new Int32Array(k);
      this.himg = new Float64Array(k);
      this.hd2 = new Float64Array(k);
    }
    this.k = k;
    this.r2incl = radiusAngstrom * radiusAngstrom + INCLUDE_TOLERANCE_A2;
    const useCells = this.chooseMethod(method) === 'cells';
    if (useCells) this.prepareCells(radiusAngstrom, true);
    // First try a limit a little beyond the k-th neighbour distance expected from the density: when k neighbours
    // are found inside it they are exactly the k nearest; otherwise (rare: sparse regions) scan again to the radius.
    const { ax, by, cz } = this;
    const guessR = this.guessFactor * Math.cbrt((3 * k * ax * by * cz) / (4 * Math.PI * n));
    const guess = Math.min(guessR * guessR, this.r2incl);
    for (let i = 0; i < n; i++) {
      this.hcount = 0;
      this.lim = guess;
      if (useCells) this.scanCells(i);
      else this.scanPairs(i);
      if (this.hcount < k && guess < this.r2incl) {
        this.retries++;
        this.hcount = 0;
        this.lim = this.r2incl;
        if (useCells) this.scanCells(i);
        else this.scanPairs(i);
      }
      const c = this.hcount;
      res.count[i] = c;
      const base = i * k;
      for (let s = 0; s < c; s++) {
        res.index[base + s] = this.hj[s];
        res.distance2[base + s] = this.hd2[s];
        if (images !== undefined) unpackImage(this.himg[s], images, 3 * (base + s));
      }
    }
    return res;
  }

  /** Every neighbour within the radius (see NeighborList). */
  all(radiusAngstrom: number, method: NeighborMethod = 'auto'): NeighborList {
    if (!(radiusAngstrom >= 0) || !Number.isFinite(radiusAngstrom)) throw new RangeError('radius must be finite and >= 0');
    const n = this.n;
    this.k = 0;
    this.r2incl = radiusAngstrom * radiusAngstrom + INCLUDE_TOLERANCE_A2;
    const useCells = this.chooseMethod(method) === 'cells';
    if (useCells) this.prepareCells(radiusAngstrom, false);
    const offsets = new Int32Array(n + 1);
    let index = new Int32Array(1024);
    let image = new Int32Array(3 * 1024);
    let distance = new Float64Array(1024);
    let total = 0;
    for (let i = 0; i < n; i++) {
      this.ccount = 0;
      this.lim = this.r2incl;
      if (useCells) this.scanCells(i);
      else this.scanPairs(i);
      const c = this.ccount;
      if (total + c > index.length) {
        const cap = Math.max(2 * index.length, total + c);
        const ni = new Int32Array(cap);
        ni.set(index.subarray(0, total));
        const nimg = new Int32Array(3 * cap);
        nimg.set(image.subarray(0, 3 * total));
        const nd = new Float64Array(cap);
        nd.set(distance.subarray(0, total));
        index = ni;
        image = nimg;
        distance = nd;
      }
      // this centre's entries by (quantised d^2, j, image)
      const order = this.sortCollected(c);
      const cj = this.cj;
      const cimg = this.cimg;
      const cd2 = this.cd2;
      for (let t = 0; t < c; t++) {
        const o = order[t];
        const e = total + t;
        index[e] = cj[o];
        image[3 * e] = cimg[3 * o];
        image[3 * e + 1] = cimg[3 * o + 1];
        image[3 * e + 2] = cimg[3 * o + 2];
        distance[e] = Math.sqrt(cd2[o]);
      }
      total += c;
      offsets[i + 1] = total;
    }
    return {
      numAtoms: n,
      radiusAngstrom,
      offsets,
      index: index.slice(0, total),
      image: image.slice(0, 3 * total),
      distance: distance.slice(0, total),
    };
  }

  private sOrder = new Int32Array(0);
  private sKey = new Float64Array(0);
  private sSec = new Float64Array(0);

  /**
   * Order of the collected entries by (quantised d^2, j, image), in a scratch array valid until the next call.
   * Native numeric sort on the packed (key, entry) pair, then insertion sort of each run of equal keys by
   * (j, image) (runs are shells of symmetry-equivalent neighbours, a few dozen at most).
   */
  private sortCollected(c: number): Int32Array {
    if (this.sOrder.length < c) {
      const cap = Math.max(c, 2 * this.sOrder.length);
      this.sOrder = new Int32Array(cap);
      this.sKey = new Float64Array(cap);
      this.sSec = new Float64Array(cap);
    }
    const order = this.sOrder;
    const key = this.sKey;
    const sec = this.sSec;
    const cj = this.cj;
    const cimg = this.cimg;
    for (let t = 0; t < c; t++) {
      key[t] = Math.round(this.cd2[t] * KEY_SCALE);
      const a = cimg[3 * t] + 512;
      const b = cimg[3 * t + 1] + 512;
      const cc = cimg[3 * t + 2] + 512;
      // (j, image) as one number when the images are small (always for sensible radii), else NaN -> comparator
      sec[t] = (a | b | cc) >>> 10 === 0 ? cj[t] * 1073741824 + a * 1048576 + b * 1024 + cc : Number.NaN;
    }
    let SHIFT = 1;
    while (SHIFT <= c) SHIFT *= 2;
    const maxKey = Math.round(this.r2incl * KEY_SCALE) + 1;
    let secOk = true;
    for (let t = 0; t < c; t++) if (sec[t] !== sec[t]) secOk = false;
    if (secOk && maxKey * SHIFT < Number.MAX_SAFE_INTEGER) {
      const packed = new Float64Array(c);
      for (let t = 0; t < c; t++) packed[t] = key[t] * SHIFT + t;
      packed.sort();
      for (let t = 0; t < c; t++) order[t] = packed[t] % SHIFT;
      let start = 0;
      while (start < c) {
        const k0 = key[order[start]];
        let end = start + 1;
        while (end < c && key[order[end]] === k0) end++;
        for (let p = start + 1; p < end; p++) {
          const o = order[p];
          const so = sec[o];
          let q = p - 1;
          while (q >= start && sec[order[q]] > so) {
            order[q + 1] = order[q];
            q--;
          }
          order[q + 1] = o;
        }
        start = end;
      }
    } else {
      const pimg = new Float64Array(c);
      for (let t = 0; t < c; t++) pimg[t] = packImage(cimg[3 * t], cimg[3 * t + 1], cimg[3 * t + 2]);
      const tmp = Array.from({ length: c }, (_, t) => t);
      tmp.sort((p, q) => key[p] - key[q] || cj[p] - cj[q] || pimg[p] - pimg[q]);
      for (let t = 0; t < c; t++) order[t] = tmp[t];
    }
    return order;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // candidate sinks

  private accept(j: number, ia: number, ib: number, ic: number, d2: number): void {
    if (d2 >= this.r2incl) return;
    const k = this.k;
    if (k === 0) {
      const c = this.ccount;
      if (c === this.cj.length) this.growCollect();
      this.cj[c] = j;
      this.cimg[3 * c] = ia;
      this.cimg[3 * c + 1] = ib;
      this.cimg[3 * c + 2] = ic;
      this.cd2[c] = d2;
      this.ccount = c + 1;
      return;
    }
    const q = Math.round(d2 * KEY_SCALE);
    const img = packImage(ia, ib, ic);
    const hq = this.hq;
    const hj = this.hj;
    const himg = this.himg;
    const hd2 = this.hd2;
    let c = this.hcount;
    if (c === k) {
      const w = c - 1;
      // reject unless strictly smaller than the worst kept key
      if (q > hq[w] || (q === hq[w] && (j > hj[w] || (j === hj[w] && img >= himg[w])))) return;
      c = w;
    }
    let p = c;
    while (p > 0) {
      const t = p - 1;
      const qt = hq[t];
      if (q > qt || (q === qt && (j > hj[t] || (j === hj[t] && img > himg[t])))) break;
      hq[p] = qt;
      hj[p] = hj[t];
      himg[p] = himg[t];
      hd2[p] = hd2[t];
      p = t;
    }
    hq[p] = q;
    hj[p] = j;
    himg[p] = img;
    hd2[p] = d2;
    this.hcount = c + 1;
    if (c + 1 === k) {
      // anything whose key can still beat the worst has d^2 < (q_worst + 0.5) / scale
      const l = (hq[k - 1] + 0.5) / KEY_SCALE + 1e-15;
      this.lim = l < this.r2incl ? l : this.r2incl;
    }
  }

  private growCollect(): void {
    const cap = this.cj.length * 2;
    const cj = new Int32Array(cap);
    cj.set(this.cj);
    const cimg = new Int32Array(3 * cap);
    cimg.set(this.cimg);
    const cd2 = new Float64Array(cap);
    cd2.set(this.cd2);
    this.cj = cj;
    this.cimg = cimg;
    this.cd2 = cd2;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 'pairs': exact slicing of the sphere for each (centre, site) pair

  private scanPairs(i: number): void {
    const f = this.frac;
    const zs = this.z;
    const n = this.n;
    const ax = this.ax;
    const bx = this.bx;
    const by = this.by;
    const cx = this.cx;
    const cy = this.cy;
    const cz = this.cz;
    const iax = 1 / ax;
    const iby = 1 / by;
    const icz = 1 / cz;
    const fa = f[3 * i];
    const fb = f[3 * i + 1];
    const fc = f[3 * i + 2];
    const zi = zs[i];
    // visit the centre's own images first: they are often the nearest in small cells and shrink the limit early
    for (let jj = -1; jj < n; jj++) {
      const j = jj < 0 ? i : jj;
      if (jj === i) continue;
      let da = f[3 * j] - fa;
      let db = f[3 * j + 1] - fb;
      let dc = f[3 * j + 2] - fc;
      const sa = Math.round(da);
      const sb = Math.round(db);
      const sc = Math.round(dc);
      da -= sa;
      db -= sb;
      dc -= sc;
      const x0 = da * ax + db * bx + dc * cx;
      const y0 = db * by + dc * cy;
      const z0 = dc * cz;
      const same = zs[j] === zi;
      const nc0 = Math.round(-z0 * icz);
      for (let dirc = 1; dirc >= -1; dirc -= 2) {
        for (let nc = dirc > 0 ? nc0 : nc0 - 1; ; nc += dirc) {
          const zz = z0 + nc * cz;
          const z2 = zz * zz;
          if (z2 > this.lim) break;
          const yb = y0 + nc * cy;
          const xb = x0 + nc * cx;
          const nb0 = Math.round(-yb * iby);
          for (let dirb = 1; dirb >= -1; dirb -= 2) {
            for (let nb = dirb > 0 ? nb0 : nb0 - 1; ; nb += dirb) {
              const yy = yb + nb * by;
              const s = z2 + yy * yy;
              if (s > this.lim) break;
              const xr = xb + nb * bx;
              const na0 = Math.round(-xr * iax);
              for (let dira = 1; dira >= -1; dira -= 2) {
                for (let na = dira > 0 ? na0 : na0 - 1; ; na += dira) {
                  const xx = xr + na * ax;
                  const d2 = s + xx * xx;
                  if (d2 > this.lim) break;
                  if (d2 <= SELF_D2 && same) continue;
                  this.accept(j, na - sa, nb - sb, nc - sc, d2);
                }
              }
            }
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 'cells': cell list with a distance-sorted stencil of bin offsets

  private nA = 1;
  private nB = 1;
  private nC = 1;
  private rA = 0;
  private rB = 0;
  private rC = 0;
  private stencilCount = 0;

  private prepareCells(radius: number, knn: boolean): void {
    const n = this.n;
    const { ax, bx, by, cx, cy, cz } = this;
    const [wa, wb, wc] = this.perpendicularWidths();
    // target bin thickness: about the k-th neighbour distance in k-nearest mode, radius/2 when collecting all
    const vol = ax * by * cz;
    let target = knn ? Math.cbrt((3 * Math.max(this.k, 1) * vol) / (4 * Math.PI * n)) : radius / 2;
    target = Math.max(target, 0.5);
    let nA = Math.max(1, Math.floor(wa / target));
    let nB = Math.max(1, Math.floor(wb / target));
    let nC = Math.max(1, Math.floor(wc / target));
    // keep the number of bins in proportion to the atoms
    while (nA * nB * nC > 2 * n + 8) {
      if (nA >= nB && nA >= nC) nA = Math.max(1, nA >> 1);
      else if (nB >= nC) nB = Math.max(1, nB >> 1);
      else nC = Math.max(1, nC >> 1);
    }
    this.nA = nA;
    this.nB = nB;
    this.nC = nC;
    const nbins = nA * nB * nC;

    if (this.wrapped.length < 3 * n) {
      this.wrapped = new Float64Array(3 * n);
      this.shiftK = new Int32Array(3 * n);
      this.binOf = new Int32Array(n);
      this.binAtom = new Int32Array(n);
      this.binPos = new Float64Array(3 * n);
    }
    if (this.binStart.length < nbins + 1) this.binStart = new Int32Array(nbins + 1);
    const f = this.frac;
    const w = this.wrapped;
    const sk = this.shiftK;
    const binOf = this.binOf;
    const binStart = this.binStart;
    binStart.fill(0, 0, nbins + 1);
    const nn = [nA, nB, nC];
    for (let i = 0; i < n; i++) {
      let bin = 0;
      for (let d = 0; d < 3; d++) {
        const v = f[3 * i + d];
        let fl = Math.floor(v);
        let wv = v - fl;
        if (wv >= 1) {
          wv = 0;
          fl += 1;
        }
        w[3 * i + d] = wv;
        sk[3 * i + d] = fl;
        let b = Math.floor(wv * nn[d]);
        if (b >= nn[d]) b = nn[d] - 1;
        bin = bin * nn[d] + b;
      }
      binOf[i] = bin;
      binStart[bin + 1]++;
    }
    for (let b = 0; b < nbins; b++) binStart[b + 1] += binStart[b];
    const fill = new Int32Array(nbins);
    const pos = this.binPos;
    for (let i = 0; i < n; i++) {
      const b = binOf[i];
      const slot = binStart[b] + fill[b]++;
      this.binAtom[slot] = i;
      const pa = w[3 * i];
      const pb = w[3 * i + 1];
      const pc = w[3 * i + 2];
      pos[3 * slot] = pa * ax + pb * bx + pc * cx;
      pos[3 * slot + 1] = pb * by + pc * cy;
      pos[3 * slot + 2] = pc * cz;
    }

    // stencil of bin offsets within reach of the radius
    const ta = wa / nA;
    const tb = wb / nB;
    const tc = wc / nC;
    const rA = Math.ceil(radius / ta + 1e-9);
    const rB = Math.ceil(radius / tb + 1e-9);
    const rC = Math.ceil(radius / tc + 1e-9);
    this.rA = rA;
    this.rB = rB;
    this.rC = rC;
    // circumradius of one bin's difference body: max |+-ea +-eb +-ec| over the bin edge vectors
    const ea = [ax / nA, 0, 0];
    const eb = [bx / nB, by / nB, 0];
    const ec = [cx / nC, cy / nC, cz / nC];
    let rho = 0;
    for (const sb of [-1, 1]) {
      for (const sc of [-1, 1]) {
        const x = ea[0] + sb * eb[0] + sc * ec[0];
        const y = ea[1] + sb * eb[1] + sc * ec[1];
        const zc = ea[2] + sb * eb[2] + sc * ec[2];
        rho = Math.max(rho, Math.hypot(x, y, zc));
      }
    }
    const total = (2 * rA + 1) * (2 * rB + 1) * (2 * rC + 1);
    if (this.stencil.length < 3 * total) {
      this.stencil = new Int32Array(3 * total);
      this.stencilLb2 = new Float64Array(total);
      this.stencilOrder = new Int32Array(total);
    }
    const tmp: { lb2: number; o: number }[] = [];
    const raw = new Int32Array(3 * total);
    const r2 = this.r2incl;
    let cnt = 0;
    for (let da = -rA; da <= rA; da++) {
      for (let db = -rB; db <= rB; db++) {
        for (let dc = -rC; dc <= rC; dc++) {
          const x = da * ea[0] + db * eb[0] + dc * ec[0];
          const y = db * eb[1] + dc * ec[1];
          const zc = dc * ec[2];
          let lb = Math.hypot(x, y, zc) - rho;
          const sa = (Math.abs(da) - 1) * ta;
          const sb = (Math.abs(db) - 1) * tb;
          const sc = (Math.abs(dc) - 1) * tc;
          if (sa > lb) lb = sa;
          if (sb > lb) lb = sb;
          if (sc > lb) lb = sc;
          if (lb < 0) lb = 0;
          // small safety margin so float noise never drops a valid offset
          const lb2 = Math.max(0, lb * (1 - 1e-9) - 1e-9) ** 2;
          if (lb2 > r2) continue;
          raw[3 * cnt] = da;
          raw[3 * cnt + 1] = db;
          raw[3 * cnt + 2] = dc;
          tmp.push({ lb2, o: cnt });
          cnt++;
        }
      }
    }
    tmp.sort((p, q) => p.lb2 - q.lb2 || p.o - q.o);
    for (let t = 0; t < cnt; t++) {
      const o = tmp[t].o;
      this.stencil[3 * t] = raw[3 * o];
      this.stencil[3 * t + 1] = raw[3 * o + 1];
      this.stencil[3 * t + 2] = raw[3 * o + 2];
      this.stencilLb2[t] = tmp[t].lb2;
    }
    this.stencilCount = cnt;
  }

  private scanCells(i: number): void {
    const { ax, bx, by, cx, cy, cz, nA, nB, nC } = this;
    const zs = this.z;
    const zi = zs[i];
    const w = this.wrapped;
    const sk = this.shiftK;
    const pos = this.binPos;
    const binStart = this.binStart;
    const binAtom = this.binAtom;
    const st = this.stencil;
    const lb2 = this.stencilLb2;
    const pa = w[3 * i];
    const pb = w[3 * i + 1];
    const pc = w[3 * i + 2];
    const px = pa * ax + pb * bx + pc * cx;
    const py = pb * by + pc * cy;
    const pz = pc * cz;
    const ki0 = sk[3 * i];
    const ki1 = sk[3 * i + 1];
    const ki2 = sk[3 * i + 2];
    let bi = this.binOf[i];
    const biC = bi % nC;
    bi = (bi - biC) / nC;
    const biB = bi % nB;
    const biA = (bi - biB) / nB;
    const cnt = this.stencilCount;
    for (let o = 0; o < cnt; o++) {
      if (lb2[o] > this.lim) break;
      let ta = biA + st[3 * o];
      let tb = biB + st[3 * o + 1];
      let tc = biC + st[3 * o + 2];
      const sa = Math.floor(ta / nA);
      const sb = Math.floor(tb / nB);
      const sc = Math.floor(tc / nC);
      ta -= sa * nA;
      tb -= sb * nB;
      tc -= sc * nC;
      const bin = (ta * nB + tb) * nC + tc;
      const end = binStart[bin + 1];
      // translation of the image (Angstrom) minus the centre position
      const tx = sa * ax + sb * bx + sc * cx - px;
      const ty = sb * by + sc * cy - py;
      const tz = sc * cz - pz;
      for (let s = binStart[bin]; s < end; s++) {
        const dx = pos[3 * s] + tx;
        const dy = pos[3 * s + 1] + ty;
        const dz = pos[3 * s + 2] + tz;
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 > this.lim) continue;
        const j = binAtom[s];
        if (d2 <= SELF_D2 && zs[j] === zi) continue;
        this.accept(j, sa - sk[3 * j] + ki0, sb - sk[3 * j + 1] + ki1, sc - sk[3 * j + 2] + ki2, d2);
      }
    }
  }
}

let shared: NeighborEngine | undefined;

/** The module's shared engine (scratch buffers reused between calls on this thread). */
export function sharedNeighborEngine(): NeighborEngine {
  return (shared ??= new NeighborEngine());
}

/**
 * Every neighbour of every site within `radiusAngstrom`, periodic images included (see NeighborList).
 * Matches pymatgen's get_all_neighbors(r) as a set (same pairs, images and distances).
 */
export function findNeighbors(structure: Structure, radiusAngstrom: number, options: NeighborSearchOptions = {}): NeighborList {
  return sharedNeighborEngine().loadStructure(structure).all(radiusAngstrom, options.method ?? 'auto');
}
