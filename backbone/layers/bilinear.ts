/**
 * The bilinear interaction of FiBiNET (docs/method.md#fibinet), field-interaction type.
 *
 * @module
 */
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/**
 * Bilinear interaction of the "field-interaction" type (FuxiCTR's default `bilinear_type`): one
 * bias-free `W_p` `[d, d]` per field pair `p = (i, j)`, `i < j` in lexicographic order, and
 * `p_ij = (W_p·v_i) ⊙ v_j`. Reads `F` d-wide fields (the first `F·d` values of each input row,
 * `stride` apart); the output is `[n, P·d]` with `P = F(F−1)/2`. Tensor names:
 * `{name}.{p}.weight` `[d, d]` (torch Linear layout).
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Bilinear } from "./bilinear.ts";
 * const store = new ParamStore({ seed: 1 });
 * const bilinear = new Bilinear(store, "bilinear", { fields: 3, dim: 4, stride: 12 });
 * const p = bilinear.forward(new Float32Array(2 * 12).fill(0.5), 2); // 2 rows of 3·4
 * ```
 */
export class Bilinear {
  readonly fields: number;
  readonly dim: number;
  readonly stride: number;
  /** Number of field pairs P. */
  readonly pairs: number;
  readonly weights: Param[] = [];
  readonly #store: ParamStore;
  #x: Floats;
  /** `W_p·v_i` per row and pair, `[n, P·d]`. */
  #t: Floats;
  #y: Floats;

  constructor(
    store: ParamStore,
    name: string,
    options: { fields: number; dim: number; stride: number },
  ) {
    this.#store = store;
    this.fields = options.fields;
    this.dim = options.dim;
    this.stride = options.stride;
    this.pairs = options.fields * (options.fields - 1) / 2;
    for (let p = 0; p < this.pairs; p++) {
      const w = store.add(`${name}.${p}.weight`, [options.dim, options.dim], {
        kind: "xavierNormal",
      });
      this.weights.push(w);
    }
    this.#x = this.#t = this.#y = store.alloc(0);
  }

  /** Calls `visit(p, i, j)` for every pair in output order. */
  #eachPair(visit: (p: number, i: number, j: number) => void): void {
    let p = 0;
    for (let i = 0; i < this.fields; i++) {
      for (let j = i + 1; j < this.fields; j++) visit(p++, i, j);
    }
  }

  /** The pair interactions `[n, P·d]` (own buffer). Keeps `x` by reference until `backward`. */
  forward(x: Floats, n: number): Floats {
    const d = this.dim, S = this.stride, P = this.pairs;
    this.#x = x;
    const t = this.#t = ensure(this.#store, this.#t, n * P * d);
    const y = this.#y = ensure(this.#store, this.#y, n * P * d);
    this.#eachPair((p, i, j) => {
      const w = this.weights[p].value;
      for (let b = 0; b < n; b++) {
        const vi = b * S + i * d, vj = b * S + j * d, o = (b * P + p) * d;
        for (let k = 0; k < d; k++) {
          let s = 0;
          for (let l = 0; l < d; l++) s += w[k * d + l] * x[vi + l];
          t[o + k] = s;
          y[o + k] = s * x[vj + k];
        }
      }
    });
    return y;
  }

  /** Accumulates parameter gradients from `dy` (`[n, P·d]`) and adds the input gradient into `dx`. */
  backward(dy: Floats, n: number, dx: Floats): void {
    const d = this.dim, S = this.stride, P = this.pairs, x = this.#x, t = this.#t;
    this.#eachPair((p, i, j) => {
      const { value: w, grad: dw } = this.weights[p];
      for (let b = 0; b < n; b++) {
        const vi = b * S + i * d, vj = b * S + j * d, o = (b * P + p) * d;
        for (let k = 0; k < d; k++) {
          const g = dy[o + k], dt = g * x[vj + k];
          dx[vj + k] += g * t[o + k];
          if (dt === 0) continue;
          for (let l = 0; l < d; l++) {
            dw[k * d + l] += dt * x[vi + l];
            dx[vi + l] += dt * w[k * d + l];
          }
        }
      }
    });
  }
}
