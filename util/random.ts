/**
 * Seeded randomness shared by every part: one small PRNG (mulberry32), so a seed means the same
 * stream everywhere. {@linkcode SeededRandom} wraps it with normal draws and shuffling for the
 * backbone's initialisation and epochs.
 *
 * @module
 */

/**
 * mulberry32: a fast 32-bit seeded PRNG returning uniforms in [0, 1). Equal seeds give equal
 * streams in every process.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "./random.ts";
 * const rand = mulberry32(7);
 * console.assert(rand() === mulberry32(7)());
 * ```
 */
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

/**
 * FNV-1a over a string, mixed with a seed: a stable 32-bit seed per key.
 *
 * @example
 * ```ts
 * import { hashSeed } from "./random.ts";
 * console.assert(hashSeed(0, "a") === hashSeed(0, "a"));
 * ```
 */
export function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Seeded pseudo-random numbers over {@linkcode mulberry32}, with normal draws (Box–Muller) and
 * Fisher–Yates shuffling. Every random choice of the backbone (initialisation, shuffling) goes
 * through one of these, so a seed fixes a run.
 *
 * @example
 * ```ts
 * import { SeededRandom } from "./random.ts";
 * const rng = new SeededRandom(1234);
 * const u = rng.uniform(); // in [0, 1)
 * const z = rng.normal(); // standard normal
 * ```
 */
export class SeededRandom {
  readonly #uniform: () => number;
  #spare = 0;
  #hasSpare = false;

  /**
   * A generator seeded with `seed`.
   *
   * @param seed any integer; equal seeds give equal streams.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // Mix the seed so that nearby seeds start far apart.
    this.#uniform = mulberry32((Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0);
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    // Exact: a mulberry32 uniform is a 32-bit integer divided by 2^32.
    return this.#uniform() * 4294967296;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.#uniform();
  }

  /** Standard normal (Box–Muller, pairs cached). */
  normal(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    this.#hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
