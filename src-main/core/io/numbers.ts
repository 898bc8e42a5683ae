/**
 * Fast number parsing for structure files: one pass over char codes, no regular expressions.
 *
 * Accepts `[+-]digits[.digits][(e|E|d|D)[+-]digits]` with an optional trailing standard uncertainty
 * in parentheses (`5.4310(2)`, `0.25(1)`, `90.`, `.428`, `1e-3`). Everything else (including the CIF
 * placeholders `?` and `.`) gives NaN.
 */

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(Number(`1e${i}`));

export function parseNumber(s: string): number {
  return parseNumberRange(s, 0, s.length);
}

/** Parse `s.slice(start, end)` without allocating it. */
export function parseNumberRange(s: string, start: number, end: number): number {
  let i = start;
  if (i >= end) return NaN;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 45 /* - */) {
    neg = true;
    i++;
  } else if (c === 43 /* + */) {
    i++;
  }
  let mant = 0;
  let digits = 0; // significant digits accumulated in mant
  let intDigits = 0;
  let fracDigits = 0;
  let scale = 0; // power of ten to apply to mant
  let exact = true;
  while (i < end) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (digits < 15) {
      mant = mant * 10 + (c - 48);
      if (mant !== 0) digits++;
    } else {
      scale++;
      exact = false;
    }
    intDigits++;
    i++;
  }
  if (i < end && s.charCodeAt(i) === 46 /* . */) {
    i++;
    while (i < end) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (digits < 15) {
        mant = mant * 10 + (c - 48);
        if (mant !== 0) digits++;
        scale--;
      } else {
        exact = false;
      }
      fracDigits++;
      i++;
    }
  }
  if (intDigits + fracDigits === 0) return NaN;
  let numEnd = i;
  if (i < end) {
    c = s.charCodeAt(i);
    if (c === 101 || c === 69 || c === 100 || c === 68 /* e E d D */) {
      i++;
      let eneg = false;
      if (i < end) {
        c = s.charCodeAt(i);
        if (c === 45) {
          eneg = true;
          i++;
        } else if (c === 43) {
          i++;
        }
      }
      let e = 0;
      let edigits = 0;
      while (i < end) {
        c = s.charCodeAt(i);
        if (c < 48 || c > 57) break;
        if (e < 100000) e = e * 10 + (c - 48);
        edigits++;
        i++;
      }
      if (edigits === 0) return NaN;
      scale += eneg ? -e : e;
      numEnd = i;
    }
  }
  if (i < end) {
    // optional standard uncertainty "(digits)" and nothing after it
    if (s.charCodeAt(i) !== 40 /* ( */) return NaN;
    i++;
    let sud = 0;
    while (i < end) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      sud++;
      i++;
    }
    if (sud === 0 || i >= end || s.charCodeAt(i) !== 41 /* ) */ || i + 1 !== end) return NaN;
  }
  let v: number;
  if (exact && scale >= -22 && scale <= 22) {
    // Clinger's fast path: both operands exact doubles, one correctly rounded operation.
    v = scale < 0 ? mant / POW10[-scale] : mant * POW10[scale];
  } else {
    v = Number(s.slice(start, numEnd).replace(/[dD]/, 'e'));
    return v;
  }
  return neg ? -v : v;
}

/** Integer in `s` (optionally signed), or NaN. */
export function parseIntStrict(s: string): number {
  const n = s.length;
  if (n === 0) return NaN;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i = 1;
    if (n === 1) return NaN;
  }
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/** True for the CIF "unknown" / "inapplicable" placeholders. */
export function isCifNull(s: string): boolean {
  return s.length === 1 && (s === '?' || s === '.');
}
