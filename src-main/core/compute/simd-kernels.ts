/**
 * Hand-written WebAssembly SIMD kernels for the CGCNN edge block, assembled at run time (wasm-asm.ts) and
 * instantiated on the tfjs wasm backend's own memory, so they read and write tensors in place.
 *
 * Transcendentals use f32x4 polynomial approximations (relative error ~2e-7, below float32 rounding of the
 * surrounding arithmetic):
 *   exp(-a), a >= 0:  2^-k * exp(-r), k = round(a log2 e), r = a - k ln 2 (Cody-Waite), |r| <= ln2/2,
 *                     degree-6 Taylor; 2^-k from the exponent bits
 *   log1p(t), t in [0, 1]: 2 atanh(s), s = t / (2 + t) <= 1/3, odd series to s^11
 *   sigmoid(y) = 1/(1+e) or e/(1+e) with e = exp(-|y|);  softplus(y) = max(y, 0) + log1p(e)
 * Per-channel statistics are accumulated per atom in f32 (M terms) and then added in f64.
 *
 * Exports (all arguments are i32: byte addresses, counts, strides in elements):
 *   fwd1(aS, aN, strideA, B, bidx, nbr, X, N, M, C, shift, s1, s2)  z = aS[i] + aN[j] + B[bidx[e]] -> X, moments
 *   fwd2(X, S, DG, Gs, Gx, N, M, F, scale, off, gamma, beta)          normalise, gate, neighbour sum, derivatives
 *   bwd(dS, X, DG, bidx, nbr, dA, strideA, dB, N, M, F, U, scale, off, a, mdy, mdyx)    one backward pass (dB [U, C])
 *   infer(aS, aN, strideA, B, bidx, nbr, bias, S, N, M, F)
 *   softplus(x, y, n), activations(x, sig, sp, n)
 *   colSum(X, out, R, C)                                                column sums of a matrix, rows in order
 *   adam(p, m, v, g, pOut, mOut, vOut, n, 8 float32 constants)         one Adam(W) update (compute/adam-kernel.ts)
 *   bondProject8/16(G, span, W, bias, P, U, Gdim, C)                   sparse Gaussian bond projection
 *   bondGrad(G, span, dB, dW, U, Gdim, C)                              its gradient with respect to W
 *   inferGrouped(aS, aN, strideA, P, start, nbr, bond, wgt, v, scale, shift, out, K, F)   grouped inference convolution
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import {
  type Expr, Func, type Local, buildModule, d2, f4, fload, get, i32, i4, iadd, iload, imul, ishl,
} from './wasm-asm';

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-6;

/** Byte address base + (index * 4). */
const at = (base: Expr, index: Expr): Expr => iadd(base, ishl(index, i32(2)));

interface Tmp {
  v: Local;
  k: Local;
  x: Local;
  e: Local;
  r: Local;
  s: Local;
  s2: Local;
}

function temps(f: Func): Tmp {
  return { v: f.local('v128'), k: f.local('v128'), x: f.local('v128'), e: f.local('v128'), r: f.local('v128'), s: f.local('v128'), s2: f.local('v128') };
}

/**
 * exp(-a) for a >= 0 (f32x4). Cody-Waite reduction: k = round(a log2 e), r = a - k ln2 (ln2 split in a
 * high part exact in float32 and a low part), exp(-a) = 2^-k exp(-r). a is clamped to 86 (exp(-86) ~ 4e-38).
 * Uses t.v, t.k, t.x.
 */
function expNeg(t: Tmp, a: Expr): Expr {
  return (f) => {
    f.set(t.v, f4.min(a, f4.c(86)));
    f.set(t.k, f4.truncI(f4.add(f4.mul(get(t.v), f4.c(LOG2E)), f4.c(0.5))));
    f.set(t.x, f4.fromI(get(t.k)));
    // x = -(a - k ln2_hi - k ln2_lo) = (k ln2_hi - a) + k ln2_lo; the first difference is exact.
    f.set(t.x, f4.add(f4.sub(f4.mul(get(t.x), f4.c(LN2_HI)), get(t.v)), f4.mul(get(t.x), f4.c(LN2_LO))));
    const x = get(t.x);
    // Horner: 1 + x(1 + x(1/2 + x(1/6 + x(1/24 + x(1/120 + x/720)))))
    let p: Expr = f4.add(f4.c(1 / 120), f4.mul(x, f4.c(1 / 720)));
    for (const c of [1 / 24, 1 / 6, 1 / 2, 1, 1]) p = f4.add(f4.c(c), f4.mul(x, p));
    const scale = i4.shl(i4.sub(i4.c(127), get(t.k)), 23);
    f4.mul(p, scale)(f);
  };
}

/** 1.5 * 2^23: adding it rounds a float in [0, 2^22) to an integer, which then sits in the low mantissa bits. */
const ROUND_MAGIC = 12582912;

/**
 * exp(-a) for a >= 0 (f32x4), the same approximation as expNeg in fewer instructions (inference kernels):
 * the clamp is a pseudo-minimum (one minps; f32x4.min also orders NaN and -0), and k = round(a log2 e) comes
 * from adding 1.5 * 2^23, which leaves k in the low bits of t = a log2 e + 1.5 * 2^23, so
 * bits(2^-k) = (127 - k) << 23 = (127 << 23) - (bits(t) << 23) (mod 2^32) without float/int conversions.
 * Uses t.v, t.k, t.x.
 */
function expNegFast(t: Tmp, a: Expr): Expr {
  return (f) => {
    f.set(t.v, f4.pmin(a, f4.c(86)));
    f.set(t.k, f4.add(f4.mul(get(t.v), f4.c(LOG2E)), f4.c(ROUND_MAGIC)));
    f.set(t.x, f4.sub(get(t.k), f4.c(ROUND_MAGIC)));
    f.set(t.x, f4.add(f4.sub(f4.mul(get(t.x), f4.c(LN2_HI)), get(t.v)), f4.mul(get(t.x), f4.c(LN2_LO))));
    const x = get(t.x);
    let p: Expr = f4.add(f4.c(1 / 120), f4.mul(x, f4.c(1 / 720)));
    for (const c of [1 / 24, 1 / 6, 1 / 2, 1, 1]) p = f4.add(f4.c(c), f4.mul(x, p));
    const scale = i4.sub(i4.c(127 << 23), i4.shl(i4.bits(get(t.k)), 23));
    f4.mul(p, scale)(f);
  };
}

/** sigmoid(y) = 1 / (1 + exp(-y)) with y clamped to [-86, 86] (exp(86) ~ 2e37 stays finite). Uses t.e. */
function sigmoidSigned(t: Tmp, y: Local): Expr {
  return (f) => {
    f.set(t.e, expNegFast(t, f4.pmax(get(y), f4.c(-86))));
    f4.div(f4.c(1), f4.add(f4.c(1), get(t.e)))(f);
  };
}

/** softplus(y) = max(y, 0) + log1p(exp(-|y|)) with expNegFast and a pseudo-maximum. Sets t.e. */
function softplusFast(t: Tmp, y: Local): Expr {
  return (f) => {
    f.set(t.e, expNegFast(t, f4.abs(get(y))));
    f4.add(f4.pmax(get(y), f4.zero()), log1p01(t, get(t.e)))(f);
  };
}

/** log1p(t) for t in [0, 1] (f32x4). Uses t.s, t.s2. */
function log1p01(tm: Tmp, t: Expr): Expr {
  return (f) => {
    f.set(tm.s, f4.div(t, f4.add(f4.c(2), t)));
    f.set(tm.s2, f4.mul(get(tm.s), get(tm.s)));
    const s2 = get(tm.s2);
    let p: Expr = f4.add(f4.c(1 / 9), f4.mul(s2, f4.c(1 / 11)));
    for (const c of [1 / 7, 1 / 5, 1 / 3, 1]) p = f4.add(f4.c(c), f4.mul(s2, p));
    f4.mul(f4.mul(get(tm.s), f4.c(2)), p)(f);
  };
}

/** Sets e = exp(-|y|), r = 1 / (1 + e); returns sigmoid(y). y must be a local. */
function sigmoidInto(t: Tmp, y: Local): Expr {
  return (f) => {
    f.set(t.e, expNeg(t, f4.abs(get(y))));
    f.set(t.r, f4.div(f4.c(1), f4.add(f4.c(1), get(t.e))));
    f4.select(get(t.r), f4.mul(get(t.e), get(t.r)), f4.ge(get(y), f4.zero()))(f);
  };
}

/** softplus(y) given t.e = exp(-|y|) already set for this y. */
function softplusFromE(t: Tmp, y: Local): Expr {
  return f4.add(f4.max(get(y), f4.zero()), log1p01(t, get(t.e)));
}

/** acc64[c..c+3] (f64 array at byte address base + c*8) += f32x4 acc. */
function addPromoted(f: Func, base: Expr, c: Local, acc: Local): void {
  const lo: Expr = iadd(base, ishl(get(c), i32(3)));
  const hi: Expr = iadd(lo, i32(16));
  f.store4(lo, d2.add(f4.load(lo), d2.promoteLow(get(acc))));
  f.store4(hi, d2.add(f4.load(hi), d2.promoteLow(f4.high(get(acc)))));
}

function fwd1(): Func {
  const f = new Func('fwd1', Array(13).fill('i32'));
  const [aS, aN, strideA, B, bidx, nbr, X, N, M, C, shift, s1, s2] = f.params;
  const i = f.local('i32'), m = f.local('i32'), c = f.local('i32'), e = f.local('i32'), j = f.local('i32');
  const as4 = f.local('v128'), sh = f.local('v128'), z = f.local('v128'), d = f.local('v128'), a1 = f.local('v128'), a2 = f.local('v128');
  const off = f.local('i32');
  f.forRange(i, i32(0), get(N), 1, () => {
    f.forRange(c, i32(0), get(C), 4, () => {
      f.set(as4, f4.load(at(get(aS), iadd(imul(get(i), get(strideA)), get(c)))));
      f.set(sh, f4.load(at(get(shift), get(c))));
      f.set(a1, f4.zero());
      f.set(a2, f4.zero());
      f.forRange(m, i32(0), get(M), 1, () => {
        f.set(e, iadd(imul(get(i), get(M)), get(m)));
        f.set(j, iload(at(get(nbr), get(e))));
        f.set(off, iadd(imul(get(e), get(C)), get(c)));
        const bRow = iadd(imul(iload(at(get(bidx), get(e))), get(C)), get(c));
        f.set(z, f4.add(f4.add(get(as4), f4.load(at(get(aN), iadd(imul(get(j), get(strideA)), get(c))))), f4.load(at(get(B), bRow))));
        f.store4(at(get(X), get(off)), get(z));
        f.set(d, f4.sub(get(z), get(sh)));
        f.set(a1, f4.add(get(a1), get(d)));
        f.set(a2, f4.add(get(a2), f4.mul(get(d), get(d))));
      });
      addPromoted(f, get(s1), c, a1);
      addPromoted(f, get(s2), c, a2);
    });
  });
  return f;
}

/**
 * Normalise, gate and sum. X holds z (left unchanged). Writes S [N,F], the gate-derivative multipliers
 * DG [E,C] (P = sp sig (1 - sig) in the filter half, Q = sig sigmoid(y_core) in the core half, so that
 * dL/dy = dS * DG), and per-atom sums over the M slots Gs = sum DG, Gx = sum DG * xhat ([N,C] each), from
 * which the batch-norm backward reductions follow in O(N C).
 */
function fwd2(): Func {
  const f = new Func('fwd2', Array(12).fill('i32'));
  const [X, S, DG, Gs, Gx, N, M, F, scale, offv, gamma, beta] = f.params;
  const t = temps(f);
  const i = f.local('i32'), m = f.local('i32'), k = f.local('i32'), C = f.local('i32'), p = f.local('i32'), fb = f.local('i32');
  const scF = f.local('v128'), scC = f.local('v128'), ofF = f.local('v128'), ofC = f.local('v128');
  const gF = f.local('v128'), gC = f.local('v128'), bF = f.local('v128'), bC = f.local('v128');
  const xf = f.local('v128'), xc = f.local('v128'), yf = f.local('v128'), yc = f.local('v128'), sig = f.local('v128');
  const sigc = f.local('v128'), sp = f.local('v128'), P = f.local('v128'), Q = f.local('v128');
  const acc = f.local('v128'), gsF = f.local('v128'), gsC = f.local('v128'), gxF = f.local('v128'), gxC = f.local('v128');
  const ia = f.local('i32');
  f.set(C, ishl(get(F), i32(1)));
  f.set(fb, ishl(get(F), i32(2)));
  const vec = (base: Local, idx: Expr): Expr => f4.load(at(get(base), idx));
  f.forRange(i, i32(0), get(N), 1, () => {
    f.forRange(k, i32(0), get(F), 4, () => {
      const kF = iadd(get(k), get(F));
      f.set(scF, vec(scale, get(k)));
      f.set(scC, vec(scale, kF));
      f.set(ofF, vec(offv, get(k)));
      f.set(ofC, vec(offv, kF));
      f.set(gF, vec(gamma, get(k)));
      f.set(gC, vec(gamma, kF));
      f.set(bF, vec(beta, get(k)));
      f.set(bC, vec(beta, kF));
      for (const a of [acc, gsF, gsC, gxF, gxC]) f.set(a, f4.zero());
      f.forRange(m, i32(0), get(M), 1, () => {
        // byte offset of (e, k) in [E, C]
        f.set(p, ishl(iadd(imul(iadd(imul(get(i), get(M)), get(m)), get(C)), get(k)), i32(2)));
        f.set(xf, f4.add(f4.mul(f4.load(iadd(get(X), get(p))), get(scF)), get(ofF)));
        f.set(xc, f4.add(f4.mul(f4.load(iadd(iadd(get(X), get(p)), get(fb))), get(scC)), get(ofC)));
        f.set(yf, f4.add(f4.mul(get(xf), get(gF)), get(bF)));
        f.set(yc, f4.add(f4.mul(get(xc), get(gC)), get(bC)));
        f.set(sig, sigmoidInto(t, yf));
        f.set(sigc, sigmoidInto(t, yc)); // leaves t.e = exp(-|yc|)
        f.set(sp, softplusFromE(t, yc));
        f.set(acc, f4.add(get(acc), f4.mul(get(sig), get(sp))));
        f.set(P, f4.mul(get(sp), f4.mul(get(sig), f4.sub(f4.c(1), get(sig)))));
        f.set(Q, f4.mul(get(sig), get(sigc)));
        f.store4(iadd(get(DG), get(p)), get(P));
        f.store4(iadd(iadd(get(DG), get(p)), get(fb)), get(Q));
        f.set(gsF, f4.add(get(gsF), get(P)));
        f.set(gsC, f4.add(get(gsC), get(Q)));
        f.set(gxF, f4.add(get(gxF), f4.mul(get(P), get(xf))));
        f.set(gxC, f4.add(get(gxC), f4.mul(get(Q), get(xc))));
      });
      f.store4(at(get(S), iadd(imul(get(i), get(F)), get(k))), get(acc));
      f.set(ia, iadd(imul(get(i), get(C)), get(k)));
      f.store4(at(get(Gs), get(ia)), get(gsF));
      f.store4(at(get(Gs), iadd(get(ia), get(F))), get(gsC));
      f.store4(at(get(Gx), get(ia)), get(gxF));
      f.store4(at(get(Gx), iadd(get(ia), get(F))), get(gxC));
    });
  });
  return f;
}

/**
 * One backward pass: dz = a (dS[i] DG - mdy - xhat mdyx) for both halves, scattered into dA (self rows:
 * columns [0, C); neighbour rows: columns [C, 2C), row stride strideA) and, per distinct bond row
 * u = bidx[e], summed into dB [U, C] (edges in order; the caller transposes it for dW_bond = (dB^T u_rows)^T).
 * dA and dB must be zeroed. U is not used (kept for the signature).
 */
function bwd(): Func {
  const f = new Func('bwd', Array(17).fill('i32'));
  const [dS, X, DG, bidx, nbr, dA, strideA, dB, N, M, F, , scale, offv, a, mdy, mdyx] = f.params;
  const i = f.local('i32'), m = f.local('i32'), k = f.local('i32'), C = f.local('i32'), e = f.local('i32'), j = f.local('i32');
  const p = f.local('i32'), fb = f.local('i32'), pn = f.local('i32'), pt = f.local('i32'), bu = f.local('i32');
  const g = f.local('v128');
  const half = [0, 1].map(() => ({
    a: f.local('v128'), my: f.local('v128'), mx: f.local('v128'), sc: f.local('v128'), of: f.local('v128'), acc: f.local('v128'), dz: f.local('v128'),
  }));
  f.set(C, ishl(get(F), i32(1)));
  f.set(fb, ishl(get(F), i32(2)));
  const vec = (base: Local, idx: Expr): Expr => f4.load(at(get(base), idx));
  f.forRange(i, i32(0), get(N), 1, () => {
    f.forRange(k, i32(0), get(F), 4, () => {
      f.set(g, vec(dS, iadd(imul(get(i), get(F)), get(k))));
      half.forEach((h, hi) => {
        const c = hi === 0 ? get(k) : iadd(get(k), get(F));
        f.set(h.a, vec(a, c));
        f.set(h.my, vec(mdy, c));
        f.set(h.mx, vec(mdyx, c));
        f.set(h.sc, vec(scale, c));
        f.set(h.of, vec(offv, c));
        f.set(h.acc, f4.zero());
      });
      f.forRange(m, i32(0), get(M), 1, () => {
        f.set(e, iadd(imul(get(i), get(M)), get(m)));
        f.set(j, iload(at(get(nbr), get(e))));
        f.set(bu, iload(at(get(bidx), get(e))));
        f.set(p, ishl(iadd(imul(get(e), get(C)), get(k)), i32(2)));
        half.forEach((h, hi) => {
          const pp = hi === 0 ? get(p) : iadd(get(p), get(fb));
          const xh = f4.add(f4.mul(f4.load(iadd(get(X), pp)), get(h.sc)), get(h.of));
          const dy = f4.mul(get(g), f4.load(iadd(get(DG), pp)));
          f.set(h.dz, f4.mul(get(h.a), f4.sub(f4.sub(dy, get(h.my)), f4.mul(xh, get(h.mx)))));
          f.set(h.acc, f4.add(get(h.acc), get(h.dz)));
          const c = hi === 0 ? get(k) : iadd(get(k), get(F));
          f.set(pn, at(get(dA), iadd(iadd(imul(get(j), get(strideA)), get(C)), c)));
          f.store4(get(pn), f4.add(f4.load(get(pn)), get(h.dz)));
          // dB[bidx[e], c .. c + 3] += dz (one row per distinct bond: a vector add, where the transposed [C, U]
          // layout took four scalar adds on four cache lines)
          f.set(pt, at(get(dB), iadd(imul(get(bu), get(C)), c)));
          f.store4(get(pt), f4.add(f4.load(get(pt)), get(h.dz)));
        });
      });
      half.forEach((h, hi) => {
        const c = hi === 0 ? get(k) : iadd(get(k), get(F));
        f.store4(at(get(dA), iadd(imul(get(i), get(strideA)), c)), get(h.acc));
      });
    });
  });
  return f;
}

function infer(): Func {
  const f = new Func('infer', Array(11).fill('i32'));
  const [aS, aN, strideA, B, bidx, nbr, bias, S, N, M, F] = f.params;
  const t = temps(f);
  const i = f.local('i32'), m = f.local('i32'), k = f.local('i32'), C = f.local('i32'), e = f.local('i32'), j = f.local('i32');
  const pb = f.local('i32'), pn = f.local('i32');
  const asF = f.local('v128'), asC = f.local('v128'), yf = f.local('v128'), yc = f.local('v128'), acc = f.local('v128'), sig = f.local('v128');
  f.set(C, ishl(get(F), i32(1)));
  f.forRange(i, i32(0), get(N), 1, () => {
    f.forRange(k, i32(0), get(F), 4, () => {
      const rowA = iadd(imul(get(i), get(strideA)), get(k));
      f.set(asF, f4.add(f4.load(at(get(aS), rowA)), f4.load(at(get(bias), get(k)))));
      f.set(asC, f4.add(f4.load(at(get(aS), iadd(rowA, get(F)))), f4.load(at(get(bias), iadd(get(k), get(F))))));
      f.set(acc, f4.zero());
      f.forRange(m, i32(0), get(M), 1, () => {
        f.set(e, iadd(imul(get(i), get(M)), get(m)));
        f.set(j, iload(at(get(nbr), get(e))));
        f.set(pb, at(get(B), iadd(imul(iload(at(get(bidx), get(e))), get(C)), get(k))));
        f.set(pn, at(get(aN), iadd(imul(get(j), get(strideA)), get(k))));
        const fOff = ishl(get(F), i32(2));
        f.set(yf, f4.add(f4.add(get(asF), f4.load(get(pn))), f4.load(get(pb))));
        f.set(yc, f4.add(f4.add(get(asC), f4.load(iadd(get(pn), fOff))), f4.load(iadd(get(pb), fOff))));
        f.set(sig, sigmoidInto(t, yf));
        f.set(t.e, expNeg(t, f4.abs(get(yc))));
        f.set(acc, f4.add(get(acc), f4.mul(get(sig), softplusFromE(t, yc))));
      });
      f.store4(at(get(S), iadd(imul(get(i), get(F)), get(k))), get(acc));
    });
  });
  return f;
}

/**
 * Sparse bond projection P[u, :] = bias + sum over the nonzero centres k of u of G[u, k] W[k, :]
 * (span[2u] = first nonzero centre, span[2u+1] = their count); `lanes` f32x4 accumulators per column
 * block, C % (4 lanes) == 0.
 */
function bondProject(name: string, lanes: number): Func {
  const f = new Func(name, Array(8).fill('i32'));
  const [Gp, span, W, bias, P, U, Gd, C] = f.params;
  const u = f.local('i32'), c = f.local('i32'), k = f.local('i32'), k0 = f.local('i32'), k1 = f.local('i32');
  const gRow = f.local('i32'), wp = f.local('i32'), rowBytes = f.local('i32'), pRow = f.local('i32');
  const g = f.local('v128');
  const acc = Array.from({ length: lanes }, () => f.local('v128'));
  f.set(rowBytes, ishl(get(C), i32(2)));
  f.forRange(u, i32(0), get(U), 1, () => {
    f.set(k0, iload(at(get(span), ishl(get(u), i32(1)))));
    f.set(k1, iadd(get(k0), iload(at(get(span), iadd(ishl(get(u), i32(1)), i32(1))))));
    f.set(gRow, at(get(Gp), imul(get(u), get(Gd))));
    f.set(pRow, at(get(P), imul(get(u), get(C))));
    f.forRange(c, i32(0), get(C), 4 * lanes, () => {
      acc.forEach((a, l) => f.set(a, f4.load(at(get(bias), iadd(get(c), i32(4 * l))))));
      f.set(wp, at(get(W), iadd(imul(get(k0), get(C)), get(c))));
      f.forRange(k, get(k0), get(k1), 1, () => {
        f.set(g, f4.splat(fload(at(get(gRow), get(k)))));
        acc.forEach((a, l) => f.set(a, f4.add(get(a), f4.mul(get(g), f4.load(l === 0 ? get(wp) : iadd(get(wp), i32(16 * l)))))));
        f.set(wp, iadd(get(wp), get(rowBytes)));
      });
      acc.forEach((a, l) => f.store4(at(get(pRow), iadd(get(c), i32(4 * l))), get(a)));
    });
  });
  return f;
}

/**
 * Gradient of the sparse bond projection: dW [Gdim, C] = sum over rows u (in order) of G[u, k] dB[u, :] for the
 * nonzero span of each row (as bondProject). Zeroes dW first. C % 4 == 0. Each dW element is summed over u in
 * ascending order with a float32 multiply and add per term: XNNPACK's matmul (dB^T G)^T adds the same products in
 * the same order (the skipped terms are zeros), so the result is bit-identical to it.
 */
function bondGrad(): Func {
  const f = new Func('bondGrad', Array(7).fill('i32'));
  const [Gp, span, dB, dW, U, Gd, C] = f.params;
  const u = f.local('i32'), k = f.local('i32'), k1 = f.local('i32'), cb = f.local('i32');
  const gRow = f.local('i32'), dRow = f.local('i32'), wRow = f.local('i32'), rowBytes = f.local('i32');
  const g = f.local('v128');
  f.set(rowBytes, ishl(get(C), i32(2)));
  f.forRange(cb, i32(0), imul(get(Gd), get(rowBytes)), 16, () => f.store4(iadd(get(dW), get(cb)), f4.zero()));
  f.forRange(u, i32(0), get(U), 1, () => {
    f.set(gRow, at(get(Gp), imul(get(u), get(Gd))));
    f.set(dRow, iadd(get(dB), imul(get(u), get(rowBytes))));
    f.set(k, iload(at(get(span), ishl(get(u), i32(1)))));
    f.set(k1, iadd(get(k), iload(at(get(span), iadd(ishl(get(u), i32(1)), i32(1))))));
    f.forRange(k, get(k), get(k1), 1, () => {
      f.set(g, f4.splat(fload(at(get(gRow), get(k)))));
      f.set(wRow, iadd(get(dW), imul(get(k), get(rowBytes))));
      f.forRange(cb, i32(0), get(rowBytes), 16, () => {
        const dst = iadd(get(wRow), get(cb));
        f.store4(dst, f4.add(f4.load(dst), f4.mul(get(g), f4.load(iadd(get(dRow), get(cb))))));
      });
    });
  });
  return f;
}

/**
 * Grouped inference convolution (see model/grouped-batch.ts): for each row i and its edge groups g,
 *   S[i] = sum_g w[g] sigmoid(yf) softplus(yc),  y = aS[i] + aN[nbr[g]] + P[bond[g]]   (P holds the bias)
 *   out[i] = softplus(v[i] + (S[i] scale + shift))          (batch norm 2 folded, residual, activation)
 * aS / aN: the two column halves of A = v [W_self | W_nbr] (row stride strideA); P [U, 2F]; v, out [K, F].
 * Loop order: groups outer, channels inner, S accumulated in place in out[i] (each group's indices are read
 * once; the sum over g runs in the same order for every channel). F % 4 == 0.
 */
function inferGrouped(): Func {
  const f = new Func('inferGrouped', Array(14).fill('i32'));
  const [aS, aN, strideA, P, start, nbr, bond, wgt, v, sc2, sh2, out, K, F] = f.params;
  const t = temps(f);
  const i = f.local('i32'), g = f.local('i32'), g1 = f.local('i32'), kb = f.local('i32'), fb = f.local('i32');
  const pa = f.local('i32'), pb = f.local('i32'), pn = f.local('i32'), po = f.local('i32'), pv = f.local('i32');
  const rowBytesA = f.local('i32'), rowBytesP = f.local('i32');
  const yf = f.local('v128'), yc = f.local('v128'), sig = f.local('v128'), w = f.local('v128'), x = f.local('v128');
  f.set(fb, ishl(get(F), i32(2)));
  f.set(rowBytesA, ishl(get(strideA), i32(2)));
  f.set(rowBytesP, ishl(get(F), i32(3)));
  f.forRange(i, i32(0), get(K), 1, () => {
    f.set(po, iadd(get(out), imul(get(i), get(fb))));
    f.set(pa, iadd(get(aS), imul(get(i), get(rowBytesA))));
    f.forRange(kb, i32(0), get(fb), 16, () => f.store4(iadd(get(po), get(kb)), f4.zero()));
    f.set(g1, iload(at(get(start), iadd(get(i), i32(1)))));
    f.forRange(g, iload(at(get(start), get(i))), get(g1), 1, () => {
      f.set(pb, iadd(get(P), imul(iload(at(get(bond), get(g))), get(rowBytesP))));
      f.set(pn, iadd(get(aN), imul(iload(at(get(nbr), get(g))), get(rowBytesA))));
      f.set(w, f4.splat(fload(at(get(wgt), get(g)))));
      f.forRange(kb, i32(0), get(fb), 16, () => {
        f.set(yf, f4.add(f4.add(f4.load(iadd(get(pa), get(kb))), f4.load(iadd(get(pn), get(kb)))), f4.load(iadd(get(pb), get(kb)))));
        const kc = iadd(get(kb), get(fb));
        f.set(yc, f4.add(f4.add(f4.load(iadd(get(pa), kc)), f4.load(iadd(get(pn), kc))), f4.load(iadd(get(pb), kc))));
        f.set(sig, sigmoidSigned(t, yf));
        const dst = iadd(get(po), get(kb));
        f.store4(dst, f4.add(f4.load(dst), f4.mul(get(w), f4.mul(get(sig), softplusFast(t, yc)))));
      });
    });
    f.set(pv, iadd(get(v), imul(get(i), get(fb))));
    f.forRange(kb, i32(0), get(fb), 16, () => {
      const dst = iadd(get(po), get(kb));
      f.set(x, f4.add(f4.load(iadd(get(pv), get(kb))), f4.add(f4.mul(f4.load(dst), f4.load(iadd(get(sc2), get(kb)))), f4.load(iadd(get(sh2), get(kb))))));
      f.store4(dst, softplusFast(t, x));
    });
  });
  return f;
}

/**
 * Column sums of a row-major [R, C] float32 matrix into out [C] (C % 4 == 0): rows added in order, from 0, one
 * float32 sum per column, the order of tfjs wasm's Sum and Mean kernels (which transpose to [C, R] first).
 */
function colSum(): Func {
  const f = new Func('colSum', ['i32', 'i32', 'i32', 'i32']);
  const [X, out, R, C] = f.params;
  const r = f.local('i32'), cb = f.local('i32'), row = f.local('i32'), rowBytes = f.local('i32');
  f.set(rowBytes, ishl(get(C), i32(2)));
  f.forRange(cb, i32(0), get(rowBytes), 16, () => f.store4(iadd(get(out), get(cb)), f4.zero()));
  f.forRange(r, i32(0), get(R), 1, () => {
    f.set(row, iadd(get(X), imul(get(r), get(rowBytes))));
    f.forRange(cb, i32(0), get(rowBytes), 16, () => {
      const dst = iadd(get(out), get(cb));
      f.store4(dst, f4.add(f4.load(dst), f4.load(iadd(get(row), get(cb)))));
    });
  });
  return f;
}

/**
 * One Adam(W) update of n floats (n % 4 == 0) into po, mo, vo (compute/adam-kernel.ts has the formula); the float32
 * constants are parameters. Every operation is one IEEE float32 operation per lane (wasm SIMD has no fused
 * multiply-add), in the order of the tfjs ops, so the results are those of the op-by-op update.
 */
function adam(): Func {
  const f = new Func('adam', [...Array(8).fill('i32'), ...Array(8).fill('f32')] as ('i32' | 'f32')[]);
  const [p, m, v, g, po, mo, vo, n, ...consts] = f.params;
  const [b1, nb1, b2, nb2, isb, eps, ss, decay] = consts.map((c) => {
    const l = f.local('v128');
    f.set(l, f4.splat(get(c)));
    return l;
  });
  const q = f.local('i32'), gi = f.local('v128'), m1 = f.local('v128'), v1 = f.local('v128');
  f.forRange(q, i32(0), get(n), 4, () => {
    f.set(gi, f4.load(at(get(g), get(q))));
    f.set(m1, f4.add(f4.mul(f4.load(at(get(m), get(q))), get(b1)), f4.mul(get(gi), get(nb1))));
    f.set(v1, f4.add(f4.mul(f4.load(at(get(v), get(q))), get(b2)), f4.mul(f4.mul(get(gi), get(gi)), get(nb2))));
    f.store4(at(get(mo), get(q)), get(m1));
    f.store4(at(get(vo), get(q)), get(v1));
    const denom = f4.add(f4.mul(f4.sqrt(get(v1)), get(isb)), get(eps));
    const base = f4.mul(f4.load(at(get(p), get(q))), get(decay)); // decay 1: p exactly
    f.store4(at(get(po), get(q)), f4.sub(base, f4.mul(f4.div(get(m1), denom), get(ss))));
  });
  return f;
}

/** Test hook: elementwise sigmoid and softplus of n floats (n % 4 == 0). */
function activations(): Func {
  const f = new Func('activations', ['i32', 'i32', 'i32', 'i32']);
  const [x, sigOut, spOut, n] = f.params;
  const t = temps(f);
  const q = f.local('i32'), y = f.local('v128');
  f.forRange(q, i32(0), get(n), 4, () => {
    f.set(y, f4.load(at(get(x), get(q))));
    f.store4(at(get(sigOut), get(q)), sigmoidInto(t, y));
    f.store4(at(get(spOut), get(q)), softplusFromE(t, y));
  });
  return f;
}

/** Elementwise softplus of n floats (n % 4 == 0), in place allowed. */
function softplus(): Func {
  const f = new Func('softplus', ['i32', 'i32', 'i32']);
  const [x, y, n] = f.params;
  const t = temps(f);
  const q = f.local('i32'), v = f.local('v128');
  f.forRange(q, i32(0), get(n), 4, () => {
    f.set(v, f4.load(at(get(x), get(q))));
    f.set(t.e, expNeg(t, f4.abs(get(v))));
    f.store4(at(get(y), get(q)), softplusFromE(t, v));
  });
  return f;
}

export interface SimdEdgeKernels {
  fwd1(aS: number, aN: number, strideA: number, B: number, bidx: number, nbr: number, X: number, N: number, M: number, C: number, shift: number, s1: number, s2: number): void;
  fwd2(X: number, S: number, DG: number, Gs: number, Gx: number, N: number, M: number, F: number, scale: number, off: number, gamma: number, beta: number): void;
  bwd(dS: number, X: number, DG: number, bidx: number, nbr: number, dA: number, strideA: number, dB: number, N: number, M: number, F: number, U: number, scale: number, off: number, a: number, mdy: number, mdyx: number): void;
  infer(aS: number, aN: number, strideA: number, B: number, bidx: number, nbr: number, bias: number, S: number, N: number, M: number, F: number): void;
  activations(x: number, sig: number, sp: number, n: number): void;
  softplus(x: number, y: number, n: number): void;
  /** adam(p, m, v, g, pOut, mOut, vOut, n, b1, nb1, b2, nb2, invSqrtBc2, eps, stepSize, decay), n % 4 == 0 */
  adam(p: number, m: number, v: number, g: number, po: number, mo: number, vo: number, n: number,
    b1: number, nb1: number, b2: number, nb2: number, invSqrtBc2: number, eps: number, stepSize: number, decay: number): void;
  /** colSum(X, out, R, C): out[c] = sum over rows of X [R, C], C % 4 == 0 */
  colSum(X: number, out: number, R: number, C: number): void;
  /** bondProject(G, span, W, bias, P, U, Gdim, C), C % 8 == 0 */
  bondProject8(G: number, span: number, W: number, bias: number, P: number, U: number, Gdim: number, C: number): void;
  /** bondGrad(G, span, dB, dW, U, Gdim, C): dW [Gdim, C] = G^T dB over the nonzero spans, C % 4 == 0 */
  bondGrad(G: number, span: number, dB: number, dW: number, U: number, Gdim: number, C: number): void;
  /** the same with C % 16 == 0 */
  bondProject16(G: number, span: number, W: number, bias: number, P: number, U: number, Gdim: number, C: number): void;
  inferGrouped(
    aS: number, aN: number, strideA: number, P: number, start: number, nbr: number, bond: number, wgt: number,
    v: number, scale: number, shift: number, out: number, K: number, F: number,
  ): void;
}

let moduleBytes: Uint8Array | undefined;

/** The kernel module binary (built once). */
export function simdModuleBytes(): Uint8Array {
  moduleBytes ??= buildModule([
    fwd1(), fwd2(), bwd(), infer(), activations(), softplus(), bondProject('bondProject8', 2), bondProject('bondProject16', 4), inferGrouped(), colSum(), bondGrad(), adam(),
  ]);
  return moduleBytes;
}

/** The parts of the WebAssembly JS API used here (the project's TS lib settings do not declare it). */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (desc: { initial: number; maximum?: number }) => WasmMemoryLike;
}
export const WasmJs = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Instantiates the kernels on `memory` (synchronously; the module is small). Throws without SIMD support. */
export function instantiateSimdKernels(memory: WasmMemoryLike): SimdEdgeKernels {
  const mod = new WasmJs.Module(simdModuleBytes());
  const inst = new WasmJs.Instance(mod, { env: { memory } });
  return inst.exports as unknown as SimdEdgeKernels;
}
