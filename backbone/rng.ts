/**
 * A small seeded random generator (mulberry32) with normal draws and Fisher–Yates shuffling.
 * Every random choice of the backbone (initialisation, shuffling) goes through one of these, so a
 * seed fixes a run.
 *
 * @module
 */

/**
 * Seeded pseudo-random numbers.
 *
 * @example
 * ```ts
 * import { SeededRandom } from "./rng.ts";
 * const rng = new SeededRandom(1234);
 * const u = rng.uniform(); // in [0, 1)
 * const z = rng.normal(); // standard normal
 * ```
 */
export class SeededRandom {
  #state: number;
  #spare = 0;
  #hasSpare = false;

  /**
   * Starts the stream of `seed`.
   *
   * @param seed any integer; equal seeds give equal streams.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // Mix the seed so that nearby seeds start far apart.
    this.#state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
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
