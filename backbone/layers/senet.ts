/**
 * Squeeze-excitation field re-weighting of FiBiNET (docs/method.md#fibinet).
 *
 * @module
 */
import { ensure, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { Dense } from "./dense.ts";

/**
 * SENET over a field matrix of `F` d-wide fields (rows of `F·d` values): squeeze
 * `z_f = mean_j e_f[j]`, excitation `a = ReLU(W₂·ReLU(W₁z))` (bias-free, `W₁` `[R, F]` with
 * `R = max(1, ⌊F / reductionRatio⌋)`, so a ratio below 1 widens), re-weight `v_f = a_f·e_f`, as
 * the authors' SqueezeExtractionLayer. Tensor names: `{name}.squeeze.weight` `[R, F]`,
 * `{name}.excite.weight` `[F, R]`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Senet } from "./senet.ts";
 * const store = new ParamStore({ seed: 1 });
 * const senet = new Senet(store, "senet", { fields: 6, dim: 4, reductionRatio: 0.5 });
 * const v = senet.forward(new Float32Array(2 * 24).fill(0.5), 2); // 2 rows of 24
 * ```
 */
export class Senet {
  readonly fields: number;
  readonly dim: number;
  readonly squeeze: Dense;
  readonly excite: Dense;
  readonly #store: ParamStore;
  #x: Floats;
  #z: Floats;
  #v: Floats;
  #dA: Floats;

  constructor(
    store: ParamStore,
    name: string,
    options: { fields: number; dim: number; reductionRatio: number },
  ) {
    this.#store = store;
    const F = this.fields = options.fields;
    this.dim = options.dim;
    const R = Math.max(1, Math.floor(F / options.reductionRatio));
    this.squeeze = new Dense(store, `${name}.squeeze`, { inDim: F, outDim: R, bias: false });
    this.excite = new Dense(store, `${name}.excite`, { inDim: R, outDim: F, bias: false });
    this.#x =
      this.#z =
      this.#v =
      this.#dA =
        store.alloc(0);
  }

  /** The re-weighted fields `[n, F·d]` (own buffer). Keeps `x` by reference until `backward`. */
  forward(x: Floats, n: number): Floats {
    const F = this.fields, d = this.dim, S = F * d;
    this.#x = x;
    const z = this.#z = ensure(this.#store, this.#z, n * F);
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += x[b * S + f * d + j];
        z[b * F + f] = s / d;
      }
    }
    const a = this.excite.forward(this.squeeze.forward(z, n, true), n, true);
    const v = this.#v = ensure(this.#store, this.#v, n * F * d);
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        const w = a[b * F + f];
        for (let j = 0; j < d; j++) v[(b * F + f) * d + j] = w * x[b * S + f * d + j];
      }
    }
    return v;
  }

  /** Accumulates parameter gradients from `dv` (`[n, F·d]`) and adds the input gradient into `dx`. */
  backward(dv: Floats, n: number, dx: Floats): void {
    const F = this.fields, d = this.dim, S = F * d, x = this.#x;
    const a = this.excite.out;
    const dA = this.#dA = ensure(this.#store, this.#dA, n * F);
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        let g = 0;
        const w = a[b * F + f];
        for (let j = 0; j < d; j++) {
          const i = b * S + f * d + j, gv = dv[(b * F + f) * d + j];
          g += gv * x[i];
          dx[i] += gv * w;
        }
        dA[b * F + f] = g;
      }
    }
    const dHidden = this.excite.backward(dA, n, { relu: true });
    const dz = this.squeeze.backward(dHidden, n, { relu: true });
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        const g = dz[b * F + f] / d;
        for (let j = 0; j < d; j++) dx[b * S + f * d + j] += g;
      }
    }
  }
}
