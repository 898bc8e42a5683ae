/**
 * Symmetry operations in the "x,y,z" notation of CIF files ('-x+1/2, y, z-1/4', '1/2+x,1/2-y,z',
 * 'x-y,x,z+1/6', '+x,+y,+z', 'X,Y,Z', 'x+0.5,y,z', magnetic 'x,y,z,+1', ...).
 *
 * An operation is stored as 12 numbers: the 3x3 rotation part row-major, then the translation:
 * x' = r0 x + r1 y + r2 z + t0, etc. (fractional coordinates).
 */
import { ReadProblem } from './errors';

/** 12 numbers; a plain array (small typed arrays are allocated off-heap by V8, which is slower here). */
export type SymOp = number[];

export const IDENTITY: readonly number[] = Object.freeze([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);

export function isIdentity(op: readonly number[]): boolean {
  for (let i = 0; i < 12; i++) if (Math.abs(op[i] - IDENTITY[i]) > 1e-12) return false;
  return true;
}

/**
 * Parse one operation. `allowTimeReversal`: accept a fourth component '+1'/'-1' (magnetic CIF).
 * Throws ReadProblem('syntax') with the given line on malformed input.
 */
export function parseSymOp(text: string, line: number | undefined, allowTimeReversal = false): SymOp {
  const op: SymOp = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const n = text.length;
  let i = 0;
  let comp = 0; // component index 0..2 (3 = time reversal)
  let termCount = 0;
  const fail = (why: string): never => {
    throw new ReadProblem('syntax', `cannot read symmetry operation '${text}': ${why}`, line);
  };
  while (i <= n) {
    // skip spaces
    let c = i < n ? text.charCodeAt(i) : 44;
    while (c === 32 || c === 9) {
      i++;
      c = i < n ? text.charCodeAt(i) : 44;
    }
    if (c === 44 /* , */ || i >= n) {
      if (termCount === 0) fail(`component ${comp + 1} is empty`);
      comp++;
      termCount = 0;
      i++;
      if (i > n) break;
      if (comp === 3) {
        if (i >= n) break;
        if (!allowTimeReversal) fail('more than three components');
        // magnetic time reversal: +1 / -1 / 1 ; ignored
        const rest = text.slice(i).trim();
        if (rest !== '+1' && rest !== '-1' && rest !== '1') fail('the fourth component is not +1 or -1');
        break;
      }
      continue;
    }
    if (comp >= 3) fail('more than three components');
    // one term: [sign] [number[/number]] [*] [variable]
    let sign = 1;
    if (c === 43 || c === 45) {
      if (c === 45) sign = -1;
      i++;
      c = i < n ? text.charCodeAt(i) : 44;
      while (c === 32 || c === 9) {
        i++;
        c = i < n ? text.charCodeAt(i) : 44;
      }
    }
    let coef = NaN;
    if ((c >= 48 && c <= 57) || c === 46) {
      const s = i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 48 && d <= 57) || d === 46) i++;
        else break;
      }
      coef = Number(text.slice(s, i));
      if (!Number.isFinite(coef)) fail('bad number');
      c = i < n ? text.charCodeAt(i) : 44;
      if (c === 47 /* / */) {
        i++;
        const s2 = i;
        while (i < n) {
          const d = text.charCodeAt(i);
          if ((d >= 48 && d <= 57) || d === 46) i++;
          else break;
        }
        const den = Number(text.slice(s2, i));
        if (!(den > 0)) fail('bad fraction');
        coef /= den;
        c = i < n ? text.charCodeAt(i) : 44;
      }
      while (c === 32 || c === 9) {
        i++;
        c = i < n ? text.charCodeAt(i) : 44;
      }
      if (c === 42 /* * */) {
        i++;
        c = i < n ? text.charCodeAt(i) : 44;
        while (c === 32 || c === 9) {
          i++;
          c = i < n ? text.charCodeAt(i) : 44;
        }
      }
    }
    const lc = c >= 65 && c <= 90 ? c + 32 : c;
    if (lc === 120 || lc === 121 || lc === 122) {
      // x y z
      const v = lc - 120;
      i++;
      op[comp * 3 + v] += sign * (Number.isNaN(coef) ? 1 : coef);
    } else {
      if (Number.isNaN(coef)) fail(`unexpected character '${String.fromCharCode(c)}'`);
      op[9 + comp] += sign * coef;
    }
    termCount++;
  }
  if (comp < 3) fail(`${comp} components instead of 3`);
  // rotation part must be invertible with |det| = 1
  const d =
    op[0] * (op[4] * op[8] - op[5] * op[7]) - op[1] * (op[3] * op[8] - op[5] * op[6]) + op[2] * (op[3] * op[7] - op[4] * op[6]);
  if (Math.abs(Math.abs(d) - 1) > 1e-6) fail(`its rotation part has determinant ${d}, not +-1`);
  return op;
}

/** op2 after op1: x -> op2(op1(x)). */
export function composeOps(op2: readonly number[], op1: readonly number[]): SymOp {
  const r: SymOp = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      r[i * 3 + j] = op2[i * 3] * op1[j] + op2[i * 3 + 1] * op1[3 + j] + op2[i * 3 + 2] * op1[6 + j];
    }
    r[9 + i] = op2[i * 3] * op1[9] + op2[i * 3 + 1] * op1[10] + op2[i * 3 + 2] * op1[11] + op2[9 + i];
  }
  return r;
}

/** Remove operations equal to an earlier one (translations compared modulo 1). */
export function uniqueOps(ops: readonly (readonly number[])[]): (readonly number[])[] {
  const out: (readonly number[])[] = [];
  outer: for (const op of ops) {
    for (const o of out) {
      let same = true;
      for (let k = 0; k < 9 && same; k++) if (Math.abs(o[k] - op[k]) > 1e-9) same = false;
      for (let k = 9; k < 12 && same; k++) {
        const dt = o[k] - op[k];
        if (Math.abs(dt - Math.round(dt)) > 1e-6) same = false;
      }
      if (same) continue outer;
    }
    out.push(op);
  }
  return out;
}
