/**
 * Per-task target standardisation (z-score), as in CGCNN's Normalizer.
 *
 * Fit on the TRAINING split only (pass the training indices), ignoring NaN (missing labels).
 * The std is the unbiased (n - 1) sample std; when it is 0, not finite, or n < 2 it is set to
 * 1 so that normalising never divides by zero. With no labelled values the mean is 0.
 */

export interface TargetNormalizerJson {
  readonly mean: number;
  readonly std: number;
}

export class TargetNormalizer {
  private _mean: number;
  private _std: number;

  constructor(mean = 0, std = 1) {
    TargetNormalizer.check(mean, std);
    this._mean = mean;
    this._std = std;
  }

  get mean(): number {
    return this._mean;
  }

  get std(): number {
    return this._std;
  }

  private static check(mean: unknown, std: unknown): void {
    if (typeof mean !== 'number' || !Number.isFinite(mean)) {
      throw new TypeError(`TargetNormalizer: mean must be a finite number, got ${String(mean)}`);
    }
    if (typeof std !== 'number' || !Number.isFinite(std) || std <= 0) {
      throw new TypeError(`TargetNormalizer: std must be a finite positive number, got ${String(std)}`);
    }
  }

  /**
   * Fits mean and std on `values` (restricted to `indices` when given, e.g. the training split),
   * ignoring NaN. Returns this.
   */
  fit(values: ArrayLike<number>, indices?: ArrayLike<number>): this {
    const m = indices ? indices.length : values.length;
    let n = 0;
    let sum = 0;
    for (let k = 0; k < m; k++) {
      const v = values[indices ? indices[k] : k];
      if (v === undefined) throw new RangeError(`TargetNormalizer.fit: index ${indices?.[k]} out of range`);
      if (Number.isNaN(v)) continue;
      if (!Number.isFinite(v)) throw new RangeError('TargetNormalizer.fit: infinite value');
      sum += v;
      n++;
    }
    const mean = n > 0 ? sum / n : 0;
    let ss = 0;
    for (let k = 0; k < m; k++) {
      const v = values[indices ? indices[k] : k];
      if (!Number.isNaN(v)) ss += (v - mean) ** 2;
    }
    const std = n >= 2 ? Math.sqrt(ss / (n - 1)) : 1;
    this._mean = mean;
    this._std = std > 0 && Number.isFinite(std) ? std : 1;
    return this;
  }

  static fit(values: ArrayLike<number>, indices?: ArrayLike<number>): TargetNormalizer {
    return new TargetNormalizer().fit(values, indices);
  }

  /** (x - mean) / std. NaN stays NaN. */
  normalize(x: number): number {
    return (x - this._mean) / this._std;
  }

  /** x * std + mean. */
  denormalize(z: number): number {
    return z * this._std + this._mean;
  }

  /** A std (e.g. ensemble spread) in normalised units converted to original units: s * std. */
  denormalizeStd(s: number): number {
    return s * this._std;
  }

  normalizeArray(x: ArrayLike<number>): Float64Array {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = this.normalize(x[i]);
    return out;
  }

  denormalizeArray(z: ArrayLike<number>): Float64Array {
    const out = new Float64Array(z.length);
    for (let i = 0; i < z.length; i++) out[i] = this.denormalize(z[i]);
    return out;
  }

  toJSON(): TargetNormalizerJson {
    return { mean: this._mean, std: this._std };
  }

  /** Validates and restores; throws TypeError on a malformed object. */
  static fromJSON(json: unknown): TargetNormalizer {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new TypeError('TargetNormalizer.fromJSON: expected an object {mean, std}');
    }
    const o = json as Record<string, unknown>;
    TargetNormalizer.check(o.mean, o.std);
    return new TargetNormalizer(o.mean as number, o.std as number);
  }
}
