// Seeded deterministic pseudo-random numbers (mulberry32): the demo and the tests replay the
// same parameters for the same seed, on any machine and any Node version.

export interface Prng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(values: readonly T[]): T;
  /** Fisher–Yates shuffle, in place; returns the array. */
  shuffle<T>(values: T[]): T[];
}

/** mulberry32: 32-bit state, period 2^32, good enough for workload parameters. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createPrng(seed: number): Prng {
  const next = mulberry32(seed);
  const int = (min: number, max: number): number => {
    if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`bad range [${min}, ${max}]`);
    const lo = Math.ceil(Math.min(min, max));
    const hi = Math.floor(Math.max(min, max));
    return lo + Math.floor(next() * (hi - lo + 1));
  };
  return {
    next,
    int,
    pick<T>(values: readonly T[]): T {
      if (values.length === 0) throw new RangeError('pick from an empty list');
      return values[int(0, values.length - 1)] as T;
    },
    shuffle<T>(values: T[]): T[] {
      for (let i = values.length - 1; i > 0; i--) {
        const j = int(0, i);
        const tmp = values[i] as T;
        values[i] = values[j] as T;
        values[j] = tmp;
      }
      return values;
    },
  };
}
