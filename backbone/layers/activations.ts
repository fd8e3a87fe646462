/**
 * Activations: ReLU (in place) and Dice with batch and running statistics (DIN,
 * docs/method.md#dice).
 *
 * @module
 */
import { ensure, type Param, type ParamStore, type StateTensor } from "../param.ts";
import type { Floats, ForwardMode } from "../types.ts";

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
 * Options of {@link Dice}.
 *
 * @example
 * ```ts
 * import type { DiceOptions } from "./activations.ts";
 * const options: DiceOptions = { features: 32, groups: 5, momentum: 0.1 };
 * ```
 */
export interface DiceOptions {
  /** Features per row. */
  features: number;
  /** Rows are grouped by `row % groups`; each group has its own statistics. */
  groups: number;
  /**
   * Momentum of the running statistics: after each training batch,
   * `running = (1 − momentum)·running + momentum·batch` (batch normalisation's convention).
   * @default 0.1
   */
  momentum?: number;
}

/**
 * Dice: `p = σ((x − μ)/√(σ² + 1e-9))`, `y = p·x + α(1 − p)·x`, α one scalar initialised to 0.
 *
 * In training (`train` mode) μ and the unbiased σ² are taken per feature over the current batch,
 * as the reference does (its `x.var(dim=0)` is unbiased), and folded into running statistics with
 * `momentum` the way batch normalisation keeps them (mean starts at 0, variance at 1; a batch of
 * one row has no variance and leaves them as they are). `infer` mode normalises with the running
 * statistics, so a sample's output depends on that sample alone; `reference-eval` uses the
 * batch's statistics without updating them, as the reference evaluates (parity runs only).
 *
 * Rows are grouped by `row % groups` before taking statistics: DIN feeds `[B, T, F]` tensors
 * flattened to `B·T` rows, and the reference reduces over B only, so each history position τ has
 * its own statistics. Tensor names: `{name}.alpha` `[1]` (trained), `{name}.running_mean` and
 * `{name}.running_var` `[groups, features]` (state).
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Dice } from "./activations.ts";
 * const store = new ParamStore({ seed: 1 });
 * const dice = new Dice(store, "att.dice0", { features: 2, groups: 1 });
 * dice.forward(new Float32Array([1, 2, 3, 5]), 2, "train"); // updates the running statistics
 * const y = dice.forward(new Float32Array([1, 2]), 1, "infer");
 * ```
 */
export class Dice {
  readonly features: number;
  readonly groups: number;
  readonly momentum: number;
  readonly alpha: Param;
  /** Running mean per (group, feature). */
  readonly runningMean: StateTensor;
  /** Running unbiased variance per (group, feature). */
  readonly runningVar: StateTensor;
  out: Floats;
  dx: Floats;
  readonly #store: ParamStore;
  #x: Floats;
  #p: Floats;
  #z: Floats;
  #invStd: Floats;
  #gzSum: Floats;
  #gzzSum: Floats;
  /** Whether the last forward was a training one (what `backward` needs). */
  #trained = false;

  constructor(store: ParamStore, name: string, options: DiceOptions) {
    this.#store = store;
    this.features = options.features;
    this.groups = options.groups;
    this.momentum = options.momentum ?? 0.1;
    if (!(this.momentum > 0 && this.momentum <= 1)) {
      throw new RangeError(`${name}: Dice momentum must be in (0, 1], got ${this.momentum}`);
    }
    this.alpha = store.add(`${name}.alpha`, [1], { kind: "zeros" });
    const shape = [options.groups, options.features];
    this.runningMean = store.addState(`${name}.running_mean`, shape, 0);
    this.runningVar = store.addState(`${name}.running_var`, shape, 1);
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
  forward(x: Floats, rows: number, mode: ForwardMode): Floats {
    const F = this.features, G = this.groups;
    if (rows % G !== 0) throw new RangeError(`Dice: ${rows} rows is not a multiple of ${G}`);
    const len = rows * F;
    this.out = ensure(this.#store, this.out, len);
    this.#p = ensure(this.#store, this.#p, len);
    this.#z = ensure(this.#store, this.#z, len);
    this.#x = x;
    this.#trained = mode === "train";
    const m = rows / G, S = G * F;
    const mean = mode === "infer" ? this.runningMean.value : this.#batchStatistics(x, m, mode);
    const invStd = this.#invStd;
    if (mode === "infer") {
      const v = this.runningVar.value;
      for (let j = 0; j < S; j++) invStd[j] = 1 / Math.sqrt(v[j] + 1e-9);
    }
    const alpha = this.alpha.value[0];
    const out = this.out, p = this.#p, z = this.#z;
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

  /**
   * Mean and inverse standard deviation of the batch per (group, feature), over `m` blocks of
   * S values; in `train` mode also folds them into the running statistics. Returns the mean.
   */
  #batchStatistics(x: Floats, m: number, mode: ForwardMode): Floats {
    const S = this.groups * this.features, invStd = this.#invStd;
    // The backward's sum buffers are free during forward: they hold the mean and squared sums.
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
    if (mode === "train" && m > 1) {
      const k = this.momentum, rm = this.runningMean.value, rv = this.runningVar.value;
      for (let j = 0; j < S; j++) {
        rm[j] = (1 - k) * rm[j] + k * mean[j];
        rv[j] = (1 - k) * rv[j] + k * (ss[j] / (m - 1));
      }
    }
    return mean;
  }

  /** Returns dL/dx (own buffer) and accumulates dL/dα. Needs a `train` forward. */
  backward(dy: Floats, rows: number): Floats {
    if (!this.#trained) {
      throw new Error("Dice.backward needs a forward in train mode (batch statistics)");
    }
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
