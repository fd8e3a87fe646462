/**
 * FiGNN's attentional readout from the final field states to one logit (docs/method.md#fignn).
 *
 * @module
 */
import { ensure, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { Dense } from "./dense.ts";

/**
 * `logit = Σ_j σ(W·flatten(h))_j · (wᵀh_j)` over `F` d-wide field states `h` (`[n, F·d]`,
 * sample-major): each field's own score `wᵀh_j`, weighted by a gate that sees every field.
 * Both maps are bias-free. Tensor names: `{name}.score.weight` `[1, d]`, `{name}.gate.weight`
 * `[F, F·d]`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { AttentionalReadout } from "./attentional_readout.ts";
 * const store = new ParamStore({ seed: 1 });
 * const readout = new AttentionalReadout(store, "readout", { fields: 3, dim: 4 });
 * const logits = readout.forward(new Float32Array(2 * 12).fill(0.5), 2); // 2 logits
 * ```
 */
export class AttentionalReadout {
  readonly fields: number;
  readonly dim: number;
  readonly score: Dense;
  readonly gate: Dense;
  readonly #store: ParamStore;
  /** σ of the gate's output, `[n, F]`. */
  #weights: Floats;
  #logits: Floats;
  #dScore: Floats;
  #dGate: Floats;
  #dh: Floats;

  constructor(store: ParamStore, name: string, options: { fields: number; dim: number }) {
    const F = this.fields = options.fields, d = this.dim = options.dim;
    this.#store = store;
    this.score = new Dense(store, `${name}.score`, { inDim: d, outDim: 1, bias: false });
    this.gate = new Dense(store, `${name}.gate`, { inDim: F * d, outDim: F, bias: false });
    this.#weights =
      this.#logits =
      this.#dScore =
      this.#dGate =
      this.#dh =
        store.alloc(0);
  }

  /** One logit per row (own buffer). Keeps `h` by reference until `backward`. */
  forward(h: Floats, n: number): Floats {
    const F = this.fields, store = this.#store;
    const scores = this.score.forward(h, n * F);
    const gate = this.gate.forward(h, n);
    const weights = this.#weights = ensure(store, this.#weights, n * F);
    const logits = this.#logits = ensure(store, this.#logits, n);
    for (let b = 0; b < n; b++) {
      let s = 0;
      for (let j = 0; j < F; j++) {
        const w = weights[b * F + j] = 1 / (1 + Math.exp(-gate[b * F + j]));
        s += w * scores[b * F + j];
      }
      logits[b] = s;
    }
    return logits;
  }

  /** Accumulates both weights' gradients from `dLogits` and returns dL/dh `[n, F·d]` (own buffer). */
  backward(dLogits: Floats, n: number): Floats {
    const F = this.fields, d = this.dim, store = this.#store;
    const scores = this.score.out, weights = this.#weights;
    const dScore = this.#dScore = ensure(store, this.#dScore, n * F);
    const dGate = this.#dGate = ensure(store, this.#dGate, n * F);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < F; j++) {
        const i = b * F + j, w = weights[i];
        dScore[i] = dLogits[b] * w;
        dGate[i] = dLogits[b] * scores[i] * w * (1 - w);
      }
    }
    const dh = this.#dh = ensure(store, this.#dh, n * F * d);
    this.score.backward(dScore, n * F, { into: dh });
    this.gate.backward(dGate, n, { into: dh, accumulate: true });
    return dh;
  }
}
