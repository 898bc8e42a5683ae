/**
 * Gaussian expansion of bond distances (CGCNN's GaussianDistance):
 *   u_k(d) = exp(-(d - mu_k)^2 / sigma^2),  mu_k = min + k * step
 * with the centres laid out exactly as numpy.arange(min, max + step, step) (41 centres for 0..8 A step 0.2).
 * Note sigma^2, not 2 sigma^2, as in the reference.
 */
import type { GraphSettings } from './crystal-graph';

export interface GaussianBasisOptions {
  /** First centre, Angstrom (CGCNN: 0). */
  readonly minAngstrom?: number;
  /** Last centre, Angstrom (CGCNN: the graph radius, 8). */
  readonly maxAngstrom?: number;
  /** Centre spacing, Angstrom (CGCNN: 0.2). */
  readonly stepAngstrom?: number;
  /** Width sigma, Angstrom (CGCNN: = step). */
  readonly widthAngstrom?: number;
}

export class GaussianBasis {
  /** Centres mu_k, Angstrom. */
  readonly centers: Float64Array;
  readonly widthAngstrom: number;
  private readonly invWidth2: number;

  constructor(options: GaussianBasisOptions = {}) {
    const min = options.minAngstrom ?? 0;
    const max = options.maxAngstrom ?? 8;
    const step = options.stepAngstrom ?? 0.2;
    const width = options.widthAngstrom ?? step;
    if (![min, max, step, width].every(Number.isFinite)) throw new RangeError('Gaussian basis parameters must be finite');
    if (!(step > 0) || !(width > 0)) throw new RangeError('Gaussian step and width must be positive');
    if (!(max >= min)) throw new RangeError('Gaussian max must be >= min');
    // numpy.arange(min, max + step, step): length ceil((stop - start) / step), values start + k * step
    const count = Math.ceil((max + step - min) / step);
    if (count > 100_000) throw new RangeError('too many Gaussian centres');
    this.centers = new Float64Array(count);
    for (let k = 0; k < count; k++) this.centers[k] = min + k * step;
    this.widthAngstrom = width;
    this.invWidth2 = 1 / (width * width);
    Object.freeze(this);
  }

  /** The basis a graph's settings call for (centres 0..radius). */
  static fromSettings(settings: GraphSettings): GaussianBasis {
    return new GaussianBasis({
      minAngstrom: 0,
      maxAngstrom: settings.radiusAngstrom,
      stepAngstrom: settings.gaussianStepAngstrom,
      widthAngstrom: settings.gaussianWidthAngstrom,
    });
  }

  /** Number of centres (bond feature length). */
  get size(): number {
    return this.centers.length;
  }

  /** Expansion of one distance. */
  expandOne(distanceAngstrom: number): Float32Array {
    const out = new Float32Array(this.size);
    this.expandInto(Float32Array.of(distanceAngstrom), out);
    return out;
  }

  /**
   * Expand every distance into `out`, row-major [distances.length, size]. `out` must hold at least
   * distances.length * size values. Returns `out`.
   */
  expandInto(distances: ArrayLike<number>, out: Float32Array): Float32Array {
    const m = this.centers.length;
    const n = distances.length;
    if (out.length < n * m) throw new RangeError(`output holds ${out.length} values, need ${n * m}`);
    const mu = this.centers;
    const s = this.invWidth2;
    for (let i = 0, o = 0; i < n; i++) {
      const d = distances[i];
      for (let k = 0; k < m; k++, o++) {
        const t = d - mu[k];
        out[o] = Math.exp(-t * t * s);
      }
    }
    return out;
  }

  /** Allocate and expand. */
  expand(distances: ArrayLike<number>): Float32Array {
    return this.expandInto(distances, new Float32Array(distances.length * this.size));
  }
}
