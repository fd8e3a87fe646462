/**
 * Seeded randomness shared by every part: one small PRNG, so a seed means the same stream
 * everywhere.
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
