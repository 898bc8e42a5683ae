/**
 * A minimal WebAssembly assembler (binary encoder) for the hand-written SIMD kernels in simd-kernels.ts.
 *
 * Code is written as nested expression closures that emit stack code in evaluation order:
 *   f.set(x, f4.add(f4.load(ptr), f4.splat(f.f32(1))))
 * Only the instructions the kernels need are provided. Modules import their memory as env.memory (the
 * tfjs wasm heap), so kernels work in place on tensor storage.
 */

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';
const VT: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Emits code leaving one value on the stack. */
export type Expr = (f: Func) => void;
/** Emits code leaving nothing on the stack. */
export type Stmt = (f: Func) => void;

export interface Local {
  readonly index: number;
  readonly type: ValType;
}

function uleb(out: number[], v: number): void {
  let x = v >>> 0;
  do {
    let b = x & 0x7f;
    x >>>= 7;
    if (x !== 0) b |= 0x80;
    out.push(b);
  } while (x !== 0);
}

function sleb(out: number[], v: number): void {
  let x = v | 0;
  for (;;) {
    const b = x & 0x7f;
    x >>= 7;
    if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function f32bytes(v: number): number[] {
  return Array.from(new Uint8Array(new Float32Array([v]).buffer));
}

function f64bytes(v: number): number[] {
  return Array.from(new Uint8Array(new Float64Array([v]).buffer));
}

function str(out: number[], s: string): void {
  const b = Buffer.from(s, 'utf8');
  uleb(out, b.length);
  out.push(...b);
}

export class Func {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  readonly params: Local[];
  /** v128 constants hoisted into locals initialised at function entry (key: 16 bytes as hex). */
  private readonly consts = new Map<string, Local>();

  constructor(readonly name: string, paramTypes: ValType[], readonly resultTypes: ValType[] = []) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  local(type: ValType): Local {
    const l = { index: this.params.length + this.localTypes.length, type };
    this.localTypes.push(type);
    return l;
  }

  /** A local holding the v128 constant `bytes` (16 bytes), set once at function entry. */
  constLocal(bytes: number[]): Local {
    const key = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
    let l = this.consts.get(key);
    if (!l) {
      l = this.local('v128');
      this.consts.set(key, l);
    }
    return l;
  }

  op(...bytes: number[]): void {
    this.code.push(...bytes);
  }

  simd(opcode: number): void {
    this.code.push(0xfd);
    uleb(this.code, opcode);
  }

  memarg(align: number, offset: number): void {
    uleb(this.code, align);
    uleb(this.code, offset);
  }

  // ---- statements / control ----
  emit(...stmts: Stmt[]): void {
    for (const s of stmts) s(this);
  }

  set(l: Local, e: Expr): void {
    e(this);
    this.op(0x21);
    uleb(this.code, l.index);
  }

  /** for (v = from; v < to; v += step) body   (i32, signed compare) */
  forRange(v: Local, from: Expr, to: Expr, step: number, body: () => void): void {
    this.set(v, from);
    this.op(0x02, 0x40); // block
    this.op(0x03, 0x40); // loop
    // if !(v < to) break
    this.op(0x20);
    uleb(this.code, v.index);
    to(this);
    this.op(0x48, 0x45, 0x0d, 0x01); // i32.lt_s, i32.eqz, br_if 1
    body();
    this.op(0x20);
    uleb(this.code, v.index);
    this.op(0x41);
    sleb(this.code, step);
    this.op(0x6a, 0x21);
    uleb(this.code, v.index);
    this.op(0x0c, 0x00); // br 0 (loop)
    this.op(0x0b, 0x0b); // end loop, end block
  }

  /** Pops a v128 value and stores it at byte address `addr`. */
  store4(addr: Expr, value: Expr): void {
    addr(this);
    value(this);
    this.simd(0x0b);
    this.memarg(2, 0);
  }

  /** Stores lane `lane` of a v128 value at byte address `addr` (v128.store32_lane). */
  storeLane(addr: Expr, value: Expr, lane: number): void {
    addr(this);
    value(this);
    this.simd(0x5a);
    this.memarg(2, 0);
    this.code.push(lane);
  }

  /** f32.store of a scalar value at byte address `addr`. */
  storeF32(addr: Expr, value: Expr): void {
    addr(this);
    value(this);
    this.op(0x38);
    this.memarg(2, 0);
  }

  storeF64(addr: Expr, value: Expr): void {
    addr(this);
    value(this);
    this.op(0x39);
    this.memarg(3, 0);
  }

  encodeBody(): number[] {
    const body: number[] = [];
    // locals: run-length groups
    const groups: Array<[number, ValType]> = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(body, groups.length);
    for (const [n, t] of groups) {
      uleb(body, n);
      body.push(VT[t]);
    }
    for (const [key, l] of this.consts) {
      body.push(0xfd);
      uleb(body, 0x0c);
      for (let k = 0; k < 16; k++) body.push(parseInt(key.slice(2 * k, 2 * k + 2), 16));
      body.push(0x21);
      uleb(body, l.index);
    }
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(out, body.length);
    out.push(...body);
    return out;
  }

  typeKey(): string {
    return `${this.params.map((p) => p.type).join(',')}->${this.resultTypes.join(',')}`;
  }
}

// ---- expressions ----
export const get = (l: Local): Expr => (f) => {
  f.op(0x20);
  uleb(f.code, l.index);
};
export const tee = (l: Local, e: Expr): Expr => (f) => {
  e(f);
  f.op(0x22);
  uleb(f.code, l.index);
};
export const i32 = (v: number): Expr => (f) => {
  f.op(0x41);
  sleb(f.code, v);
};
export const f32c = (v: number): Expr => (f) => {
  f.op(0x43, ...f32bytes(v));
};
export const f64c = (v: number): Expr => (f) => {
  f.op(0x44, ...f64bytes(v));
};
const bin = (opcode: number) => (a: Expr, b: Expr): Expr => (f) => {
  a(f);
  b(f);
  f.op(opcode);
};
export const iadd = bin(0x6a);
/** f32 scalar add */
export const fadd = bin(0x92);
export const isub = bin(0x6b);
export const imul = bin(0x6c);
export const ishl = bin(0x74);
/** i32 load at byte address. */
export const iload = (addr: Expr): Expr => (f) => {
  addr(f);
  f.op(0x28);
  f.memarg(2, 0);
};
export const fload = (addr: Expr): Expr => (f) => {
  addr(f);
  f.op(0x2a);
  f.memarg(2, 0);
};
export const dload = (addr: Expr): Expr => (f) => {
  addr(f);
  f.op(0x2b);
  f.memarg(3, 0);
};

const simdBin = (opcode: number) => (a: Expr, b: Expr): Expr => (f) => {
  a(f);
  b(f);
  f.simd(opcode);
};
const simdUn = (opcode: number) => (a: Expr): Expr => (f) => {
  a(f);
  f.simd(opcode);
};

/** f32x4 operations (v128 values). */
export const f4 = {
  load: (addr: Expr): Expr => (f) => {
    addr(f);
    f.simd(0x00);
    f.memarg(2, 0);
  },
  splat: simdUn(0x13),
  /** splat of a constant (hoisted into a local) */
  c: (v: number): Expr => (f) => {
    const b = f32bytes(v);
    get(f.constLocal([...b, ...b, ...b, ...b]))(f);
  },
  zero: (): Expr => (f) => {
    get(f.constLocal(new Array<number>(16).fill(0)))(f);
  },
  add: simdBin(0xe4),
  sub: simdBin(0xe5),
  mul: simdBin(0xe6),
  div: simdBin(0xe7),
  min: simdBin(0xe8),
  max: simdBin(0xe9),
  /** pseudo-minimum b < a ? b : a (one minps on x64; f4.min also orders NaN and -0, in several instructions) */
  pmin: simdBin(0xea),
  /** pseudo-maximum a < b ? b : a */
  pmax: simdBin(0xeb),
  abs: simdUn(0xe0),
  neg: simdUn(0xe1),
  sqrt: simdUn(0xe3),
  ge: simdBin(0x46),
  lt: simdBin(0x43),
  /** bitselect(a, b, mask): lanes of a where mask bits are 1, else b */
  select: (a: Expr, b: Expr, mask: Expr): Expr => (f) => {
    a(f);
    b(f);
    mask(f);
    f.simd(0x52);
  },
  truncI: simdUn(0xf8),
  fromI: simdUn(0xfa),
  extract: (a: Expr, lane: number): Expr => (f) => {
    a(f);
    f.simd(0x1f);
    f.code.push(lane);
  },
  /** lanes 2,3 moved to 0,1 (for promoting the high half) */
  high: (a: Expr): Expr => (f) => {
    a(f);
    a(f);
    f.simd(0x0d);
    f.code.push(8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
  },
};

/** i32x4 operations. */
export const i4 = {
  c: (v: number): Expr => (f) => {
    const b = Array.from(new Uint8Array(new Int32Array([v]).buffer));
    get(f.constLocal([...b, ...b, ...b, ...b]))(f);
  },
  add: simdBin(0xae),
  sub: simdBin(0xb1),
  /** the bits of an f32x4 value as i32x4 (no instruction: v128 is untyped) */
  bits: (a: Expr): Expr => a,
  shl: (a: Expr, n: number): Expr => (f) => {
    a(f);
    f.op(0x41);
    sleb(f.code, n);
    f.simd(0xab);
  },
};

/** f64x2 operations. */
export const d2 = {
  load: f4.load,
  add: simdBin(0xf0),
  mul: simdBin(0xf2),
  promoteLow: simdUn(0x5f),
};

/** Builds a module importing env.memory and exporting the given functions. */
export function buildModule(funcs: Func[]): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, content: number[]): void => {
    out.push(id);
    uleb(out, content.length);
    out.push(...content);
  };
  const typeKeys: string[] = [];
  const typeIdx = funcs.map((fn) => {
    const k = fn.typeKey();
    let i = typeKeys.indexOf(k);
    if (i < 0) {
      typeKeys.push(k);
      i = typeKeys.length - 1;
    }
    return i;
  });
  const types: number[] = [];
  uleb(types, typeKeys.length);
  for (const k of typeKeys) {
    const [p, r] = k.split('->');
    const ps = p ? (p.split(',') as ValType[]) : [];
    const rs = r ? (r.split(',') as ValType[]) : [];
    types.push(0x60);
    uleb(types, ps.length);
    ps.forEach((t) => types.push(VT[t]));
    uleb(types, rs.length);
    rs.forEach((t) => types.push(VT[t]));
  }
  section(1, types);
  const imports: number[] = [];
  uleb(imports, 1);
  str(imports, 'env');
  str(imports, 'memory');
  imports.push(0x02, 0x00); // memory, limits flag 0 (min only)
  uleb(imports, 0);
  section(2, imports);
  const fsec: number[] = [];
  uleb(fsec, funcs.length);
  typeIdx.forEach((i) => uleb(fsec, i));
  section(3, fsec);
  const exp: number[] = [];
  uleb(exp, funcs.length);
  funcs.forEach((fn, i) => {
    str(exp, fn.name);
    exp.push(0x00);
    uleb(exp, i);
  });
  section(7, exp);
  const code: number[] = [];
  uleb(code, funcs.length);
  for (const fn of funcs) code.push(...fn.encodeBody());
  section(10, code);
  return Uint8Array.from(out);
}
