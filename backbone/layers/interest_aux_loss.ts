/**
 * DIEN's auxiliary loss (docs/method.md#dien): each interest state s_τ scores the next history
 * step's item side above another sample's, in the inner-product form.
 *
 * @module
 */
import type { BatchView } from "../input_layer.ts";
import { ensure, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/** −log σ(x), without overflow. */
function softplusNeg(x: number): number {
  return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * For every sample b and position τ where steps τ and τ + 1 are real, the positive e⁺ is the item
 * side (`[item; attributes]`, the first `dim` entries) of step τ + 1 and the negative e⁻ the same
 * step of sample (b + 1) mod n; the pair is skipped when that step is padding or holds the same
 * item. The loss is the mean over the pairs of −log σ(⟨s_τ, e⁺⟩) − log(1 − σ(⟨s_τ, e⁻⟩)), 0
 * without pairs. It has no tensors of its own.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { InterestAuxLoss } from "./interest_aux_loss.ts";
 * import type { BatchView } from "../input_layer.ts";
 * const aux = new InterestAuxLoss(new ParamStore({ seed: 1 }), { dim: 2, stepDim: 3, steps: 2 });
 * const histItem = new Int32Array([1, 2, 3, 4]); // two samples, two steps each
 * const batch = { inputs: { split: { histItem } }, index: new Int32Array([0, 1]), start: 0, size: 2 };
 * const states = new Float64Array(8).fill(0.5), hist = new Float64Array(12).fill(1);
 * const mask = new Float64Array(4).fill(1);
 * const loss = aux.forward(states, hist, mask, batch as unknown as BatchView);
 * // 2 pairs, each with ⟨s, e⁺⟩ = ⟨s, e⁻⟩ = 1: −log σ(1) − log(1 − σ(1)) = 2·ln(1 + e) − 1
 * console.assert(aux.pairs === 2 && Math.abs(loss - (2 * Math.log(1 + Math.E) - 1)) < 1e-12);
 * const dStates = new Float64Array(8), dHist = new Float64Array(12);
 * aux.backward(1, dStates, dHist, 2);
 * ```
 */
export class InterestAuxLoss {
  /** Width of s_τ and of a step's item side, |q|. */
  readonly dim: number;
  /** Width of a history step, |h|. */
  readonly stepDim: number;
  /** History length T. */
  readonly steps: number;
  /** The loss of the last forward (0 after `skip`). */
  value = 0;
  /** The number of pairs of the last forward (0 after `skip`). */
  pairs = 0;
  readonly #store: ParamStore;
  /** Per row b·T + τ: the negative's sample, −1 without a pair. */
  #negative: Int32Array = new Int32Array(0);
  /** Per row: σ(⟨s_τ, e⁺⟩) − 1 and σ(⟨s_τ, e⁻⟩), the derivatives of a pair's loss. */
  #dPositive: Floats;
  #dNegative: Floats;
  #states: Floats;
  #hist: Floats;

  /** `dim` = |q|, `stepDim` = |h|, `steps` = T (at least 2 for any pair). */
  constructor(store: ParamStore, options: { dim: number; stepDim: number; steps: number }) {
    this.#store = store;
    this.dim = options.dim;
    this.stepDim = options.stepDim;
    this.steps = options.steps;
    this.#dPositive =
      this.#dNegative =
      this.#states =
      this.#hist =
        store.alloc(0);
  }

  /**
   * The loss of `states` (`n × T × dim`) against the history steps `hist` (`n × T × stepDim`) with
   * their `mask`; item ids come from `batch`. Keeps `states` and `hist` by reference.
   */
  forward(states: Floats, hist: Floats, mask: Floats, batch: BatchView): number {
    const n = batch.size, T = this.steps, D = this.dim, H = this.stepDim, store = this.#store;
    const histItem = batch.inputs.split.histItem;
    if (this.#negative.length < n * T) this.#negative = new Int32Array(n * T);
    const negative = this.#negative;
    const dPos = this.#dPositive = ensure(store, this.#dPositive, n * T);
    const dNeg = this.#dNegative = ensure(store, this.#dNegative, n * T);
    this.#states = states;
    this.#hist = hist;
    let loss = 0, pairs = 0;
    for (let b = 0; b < n; b++) {
      const c = (b + 1) % n, s = batch.index[batch.start + b], sc = batch.index[batch.start + c];
      negative[b * T + T - 1] = -1;
      for (let t = 0; t + 1 < T; t++) {
        const r = b * T + t, next = r + 1, other = c * T + t + 1;
        if (
          mask[r] === 0 || mask[next] === 0 || mask[other] === 0 ||
          histItem[s * T + t + 1] === histItem[sc * T + t + 1]
        ) {
          negative[r] = -1;
          continue;
        }
        let x = 0, y = 0;
        for (let j = 0; j < D; j++) {
          x += states[r * D + j] * hist[next * H + j];
          y += states[r * D + j] * hist[other * H + j];
        }
        loss += softplusNeg(x) + softplusNeg(-y);
        dPos[r] = sigmoid(x) - 1;
        dNeg[r] = sigmoid(y);
        negative[r] = c;
        pairs++;
      }
    }
    this.pairs = pairs;
    return this.value = pairs === 0 ? 0 : loss / pairs;
  }

  /** Records a forward without the loss: value 0, no pairs, so backward adds nothing. */
  skip(): void {
    this.value = 0;
    this.pairs = 0;
  }

  /**
   * Adds `weight` times the last forward's loss gradient into `dStates` (w.r.t. s_τ) and `dHist`
   * (w.r.t. the steps' item sides), both laid out as in forward.
   */
  backward(weight: number, dStates: Floats, dHist: Floats, n: number): void {
    if (this.pairs === 0) return;
    const T = this.steps, D = this.dim, H = this.stepDim, scale = weight / this.pairs;
    const states = this.#states, hist = this.#hist, negative = this.#negative;
    const dPos = this.#dPositive, dNeg = this.#dNegative;
    for (let r = 0; r < n * T; r++) {
      const c = negative[r];
      if (c < 0) continue;
      const t = r % T, next = r + 1, other = c * T + t + 1;
      const gp = scale * dPos[r], gn = scale * dNeg[r];
      for (let j = 0; j < D; j++) {
        const sj = states[r * D + j];
        dStates[r * D + j] += gp * hist[next * H + j] + gn * hist[other * H + j];
        dHist[next * H + j] += gp * sj;
        dHist[other * H + j] += gn * sj;
      }
    }
  }
}
