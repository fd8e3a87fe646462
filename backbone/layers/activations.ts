/**
 * Activations: ReLU (in place) and Dice with batch statistics (DIN, METHOD.md §7.3).
 *
 * @module
 */
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/**
 * In-place ReLU over the first `length` values.
 *
 * @example
 * ```ts
 * import { reluForward } from "./activations.ts";
 * const x = new Float32Array([-1, 2]);
 * reluForward(x, 2); // x = [0, 2]
 * ```
 */
export function reluForward(x: Floats, length: number): void {
  for (let i = 0; i < length; i++) if (x[i] < 0) x[i] = 0;
}

/**
 * In-place ReLU backward: zeroes `dy` where the ReLU output `y` is not positive.
 *
 * @example
 * ```ts
 * import { reluBackward } from "./activations.ts";
 * const dy = new Float32Array([5, 5]);
 * reluBackward(dy, new Float32Array([0, 2]), 2); // dy = [0, 5]
 * ```
 */
export function reluBackward(dy: Floats, y: Floats, length: number): void {
  for (let i = 0; i < length; i++) if (y[i] <= 0) dy[i] = 0;
}

/**
 * Dice: `p = σ((x − μ)/√(σ² + 1e-9))`, `y = p·x + α(1 − p)·x`, with μ and the unbiased σ² taken
 * per feature over the current batch, in training and evaluation alike (as the reference, whose
 * `x.var(dim=0)` is unbiased). Rows are grouped by `row % groups` before taking statistics: DIN
 * feeds `[B, T, F]` tensors flattened to `B·T` rows, and the reference reduces over B only, so
 * each history position τ has its own statistics. α is one scalar, initialised to 0.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Dice } from "./activations.ts";
 * const store = new ParamStore({ seed: 1 });
 * const dice = new Dice(store, "att.dice0", { features: 2, groups: 1 });
 * const y = dice.forward(new Float32Array([1, 2, 3, 5]), 2);
 * ```
 */
export class Dice {
  readonly features: number;
  readonly groups: number;
  readonly alpha: Param;
  out: Floats;
  dx: Floats;
  readonly #store: ParamStore;
  #x: Floats;
  #p: Floats;
  #z: Floats;
  #invStd: Floats;
  #gzSum: Floats;
  #gzzSum: Floats;

  constructor(store: ParamStore, name: string, options: { features: number; groups: number }) {
    this.#store = store;
    this.features = options.features;
    this.groups = options.groups;
    this.alpha = store.add(`${name}.alpha`, [1], { kind: "zeros" });
    this.out = store.alloc(0);
    this.dx = store.alloc(0);
    this.#x = this.out;
    this.#p = store.alloc(0);
    this.#z = store.alloc(0);
    const stats = options.features * options.groups;
    this.#invStd = store.alloc(stats);
    this.#gzSum = store.alloc(stats);
    this.#gzzSum = store.alloc(stats);
  }

  /** `rows` must be a multiple of `groups`. */
  forward(x: Floats, rows: number): Floats {
    const F = this.features, G = this.groups;
    if (rows % G !== 0) throw new RangeError(`Dice: ${rows} rows is not a multiple of ${G}`);
    const len = rows * F;
    this.out = ensure(this.#store, this.out, len);
    this.#p = ensure(this.#store, this.#p, len);
    this.#z = ensure(this.#store, this.#z, len);
    this.#x = x;
    const m = rows / G, S = G * F;
    const alpha = this.alpha.value[0];
    const out = this.out, p = this.#p, z = this.#z, invStd = this.#invStd;
    // Statistics per (group, feature) = per position in a block of S values; rows are scanned
    // contiguously, accumulating into the S-long mean / variance vectors.
    const mean = this.#gzSum, ss = this.#gzzSum;
    mean.fill(0);
    ss.fill(0);
    for (let b = 0; b < m; b++) {
      const o = b * S;
      for (let j = 0; j < S; j++) mean[j] += x[o + j];
    }
    for (let j = 0; j < S; j++) mean[j] /= m;
    for (let b = 0; b < m; b++) {
      const o = b * S;
      for (let j = 0; j < S; j++) {
        const d = x[o + j] - mean[j];
        ss[j] += d * d;
      }
    }
    for (let j = 0; j < S; j++) invStd[j] = 1 / Math.sqrt((m > 1 ? ss[j] / (m - 1) : 0) + 1e-9);
    for (let b = 0; b < m; b++) {
      const o = b * S;
      for (let j = 0; j < S; j++) {
        const i = o + j;
        const zi = (x[i] - mean[j]) * invStd[j];
        const pi = 1 / (1 + Math.exp(-zi));
        z[i] = zi;
        p[i] = pi;
        out[i] = x[i] * (pi + alpha * (1 - pi));
      }
    }
    return out;
  }

  /** Returns dL/dx (own buffer) and accumulates dL/dα. */
  backward(dy: Floats, rows: number): Floats {
    const F = this.features, G = this.groups, m = rows / G;
    const len = rows * F;
    this.dx = ensure(this.#store, this.dx, len);
    const dx = this.dx, x = this.#x, p = this.#p, z = this.#z;
    const alpha = this.alpha.value[0];
    const gzSum = this.#gzSum, gzzSum = this.#gzzSum;
    gzSum.fill(0);
    gzzSum.fill(0);
    let dAlpha = 0;
    const S = G * F;
    // gz = dL/dz is needed both for the per-feature sums and per element; recomputing it in the
    // second pass is cheaper than another buffer.
    for (let b = 0; b < m; b++) {
      const o = b * S;
      for (let j = 0; j < S; j++) {
        const i = o + j, pi = p[i], xi = x[i], g = dy[i];
        dAlpha += g * xi * (1 - pi);
        const gz = g * xi * (1 - alpha) * pi * (1 - pi);
        gzSum[j] += gz;
        gzzSum[j] += gz * z[i];
      }
    }
    const denom = m > 1 ? m - 1 : 1, invStd = this.#invStd;
    for (let b = 0; b < m; b++) {
      const o = b * S;
      for (let j = 0; j < S; j++) {
        const i = o + j, pi = p[i], xi = x[i], g = dy[i];
        const gz = g * xi * (1 - alpha) * pi * (1 - pi);
        const viaStats = invStd[j] * (gz - gzSum[j] / m - z[i] * gzzSum[j] / denom);
        dx[i] = g * (pi + alpha * (1 - pi)) + viaStats;
      }
    }
    this.alpha.grad[0] += dAlpha;
    return dx;
  }
}
