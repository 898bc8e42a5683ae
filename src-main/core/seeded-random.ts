/**
 * The seeded random generator of the core: every shuffle, split and initialisation draws from createRng(seed), so
 * a run is reproducible from its seed (data splits: metrics/split.ts; per-epoch shuffles: train/trainer.ts;
 * parameter initialisation: model/params.ts).
 */

/**
 * Seeded PRNG returning floats in [0, 1). SplitMix32-style: a Weyl sequence (golden-ratio
 * increment) passed through an integer avalanche mixer. The seed must be a safe integer;
 * bits above 32 are folded in so seeds differing only in high bits give different streams.
 */
export function createRng(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const hi = Math.floor(seed / 4294967296);
  let state = (seed >>> 0) ^ Math.imul(hi | 0, 0x85ebca6b);
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    z ^= z >>> 15;
    return (z >>> 0) / 4294967296;
  };
}

export interface MutableArrayLike<T> {
  readonly length: number;
  [index: number]: T;
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffleInPlace<A extends MutableArrayLike<unknown>>(array: A, rng: () => number): A {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}
