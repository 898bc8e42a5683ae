/**
 * Immutable crystal lattice.
 *
 * Rows of `matrix` are the lattice vectors a, b, c in Cartesian Angstrom.
 * Lengths are in Angstrom, angles in degrees, volume in Angstrom^3.
 * Construct with the static factories; instances are frozen.
 */
export type Vec3 = readonly [number, number, number];
export type Mat3 = readonly [Vec3, Vec3, Vec3];

const DEG = Math.PI / 180;

export class Lattice {
  /** Lattice vectors as rows, Angstrom. */
  readonly matrix: Mat3;
  /** Inverse of `matrix` (fractional = cartesian . inverse). */
  readonly inverse: Mat3;
  /** a, b, c in Angstrom. */
  readonly lengthsAngstrom: Vec3;
  /** alpha, beta, gamma in degrees. */
  readonly anglesDegrees: Vec3;
  /** Cell volume in Angstrom^3 (always positive). */
  readonly volumeAngstrom3: number;

  private constructor(matrix: Mat3) {
    const det = det3(matrix);
    if (!Number.isFinite(det) || Math.abs(det) < 1e-8) {
      throw new RangeError('lattice vectors are degenerate (cell volume is zero)');
    }
    this.matrix = freezeMat(matrix);
    this.inverse = freezeMat(inv3(matrix, det));
    const [a, b, c] = matrix;
    const la = norm(a);
    const lb = norm(b);
    const lc = norm(c);
    this.lengthsAngstrom = Object.freeze([la, lb, lc]) as Vec3;
    this.anglesDegrees = Object.freeze([
      angleDeg(b, c, lb, lc),
      angleDeg(a, c, la, lc),
      angleDeg(a, b, la, lb),
    ]) as Vec3;
    this.volumeAngstrom3 = Math.abs(det);
    Object.freeze(this);
  }

  /** From three lattice vectors (rows), Angstrom. */
  static fromMatrix(matrix: readonly (readonly number[])[]): Lattice {
    if (matrix.length !== 3 || matrix.some((r) => r.length !== 3 || r.some((v) => !Number.isFinite(v)))) {
      throw new RangeError('lattice matrix must be 3x3 finite numbers');
    }
    return new Lattice(matrix.map((r) => [r[0], r[1], r[2]] as Vec3) as unknown as Mat3);
  }

  /**
   * From cell parameters (Angstrom, degrees), oriented as pymatgen's
   * Lattice.from_parameters: c along z, a in the xz plane.
   */
  static fromParameters(a: number, b: number, c: number, alpha: number, beta: number, gamma: number): Lattice {
    for (const [name, v] of [['a', a], ['b', b], ['c', c]] as const) {
      if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`cell length ${name} must be positive, got ${v}`);
    }
    for (const [name, v] of [['alpha', alpha], ['beta', beta], ['gamma', gamma]] as const) {
      if (!(v > 0 && v < 180)) throw new RangeError(`cell angle ${name} must be between 0 and 180 degrees, got ${v}`);
    }
    const ca = Math.cos(alpha * DEG);
    const cb = Math.cos(beta * DEG);
    const cg = Math.cos(gamma * DEG);
    const sa = Math.sin(alpha * DEG);
    const sb = Math.sin(beta * DEG);
    let val = (ca * cb - cg) / (sa * sb);
    val = Math.max(-1, Math.min(1, val));
    const gammaStar = Math.acos(val);
    const va: Vec3 = [a * sb, 0, a * cb];
    const vb: Vec3 = [-b * sa * Math.cos(gammaStar), b * sa * Math.sin(gammaStar), b * ca];
    const vc: Vec3 = [0, 0, c];
    return new Lattice([va, vb, vc]);
  }

  /** Fractional -> Cartesian (Angstrom). */
  toCartesian(frac: Vec3): Vec3 {
    const m = this.matrix;
    return [
      frac[0] * m[0][0] + frac[1] * m[1][0] + frac[2] * m[2][0],
      frac[0] * m[0][1] + frac[1] * m[1][1] + frac[2] * m[2][1],
      frac[0] * m[0][2] + frac[1] * m[1][2] + frac[2] * m[2][2],
    ];
  }

  /** Cartesian (Angstrom) -> fractional. */
  toFractional(cart: Vec3): Vec3 {
    const m = this.inverse;
    return [
      cart[0] * m[0][0] + cart[1] * m[1][0] + cart[2] * m[2][0],
      cart[0] * m[0][1] + cart[1] * m[1][1] + cart[2] * m[2][1],
      cart[0] * m[0][2] + cart[1] * m[1][2] + cart[2] * m[2][2],
    ];
  }

  /** Perpendicular widths of the cell along each reciprocal direction (Angstrom): V / |b x c| etc. */
  perpendicularWidthsAngstrom(): Vec3 {
    const [a, b, c] = this.matrix;
    const v = this.volumeAngstrom3;
    return [v / norm(cross(b, c)), v / norm(cross(c, a)), v / norm(cross(a, b))];
  }

  /** New lattice scaled by integer multiples along a, b, c (for supercells). */
  scaled(na: number, nb: number, nc: number): Lattice {
    const [a, b, c] = this.matrix;
    return new Lattice([scale(a, na), scale(b, nb), scale(c, nc)]);
  }

  toJSON(): { matrix: number[][] } {
    return { matrix: this.matrix.map((r) => [...r]) };
  }
}

export function det3(m: Mat3): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

function inv3(m: Mat3, det: number): Mat3 {
  const d = 1 / det;
  return [
    [
      (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * d,
      (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * d,
      (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * d,
    ],
    [
      (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * d,
      (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * d,
      (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * d,
    ],
    [
      (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * d,
      (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * d,
      (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * d,
    ],
  ];
}

function norm(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function scale(v: Vec3, s: number): Vec3 {
  return [v[0] * s, v[1] * s, v[2] * s];
}

function angleDeg(u: Vec3, v: Vec3, lu: number, lv: number): number {
  const c = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (lu * lv);
  return Math.acos(Math.max(-1, Math.min(1, c))) / DEG;
}

function freezeMat(m: Mat3): Mat3 {
  return Object.freeze(m.map((r) => Object.freeze([r[0], r[1], r[2]]))) as unknown as Mat3;
}
