/**
 * The bilinear interaction of FiBiNET (docs/method.md#fibinet).
 *
 * @module
 */
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/**
 * How the bilinear interaction can share its `W`: one for every pair (`"all"`, the authors'
 * default `field_all`), one per left field (`"each"`) or one per pair (`"interaction"`).
 *
 * @example
 * ```ts
 * import { BILINEAR_TYPES } from "./bilinear.ts";
 * console.log(BILINEAR_TYPES.includes("all")); // true
 * ```
 */
export const BILINEAR_TYPES = ["all", "each", "interaction"] as const;

/**
 * One of {@link BILINEAR_TYPES}.
 *
 * @example
 * ```ts
 * import type { BilinearType } from "./bilinear.ts";
 * const shared: BilinearType = "all";
 * ```
 */
export type BilinearType = typeof BILINEAR_TYPES[number];

/**
 * The tensor name of each pair's `W`, pairs `(i, j)`, `i < j`, in lexicographic order:
 * `{name}.weight` for `"all"`, `{name}.{i}.weight` for `"each"` and `{name}.{p}.weight` for
 * `"interaction"`. The last field is never on the left, so `"each"` has `F − 1` weights (the
 * authors' code allocates an `F`-th it never uses).
 *
 * @example
 * ```ts
 * import { bilinearWeightNames } from "./bilinear.ts";
 * console.log(bilinearWeightNames("bilinear", "each", 3)); // bilinear.0.weight twice, bilinear.1.weight
 * ```
 */
export function bilinearWeightNames(name: string, type: BilinearType, fields: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < fields; i++) {
    for (let j = i + 1; j < fields; j++) {
      if (type === "all") names.push(`${name}.weight`);
      else if (type === "each") names.push(`${name}.${i}.weight`);
      else names.push(`${name}.${names.length}.weight`);
    }
  }
  return names;
}

/**
 * Bilinear interaction over a field matrix of `F` d-wide fields (rows of `F·d` values): for every
 * pair `p = (i, j)`, `i < j`, `p_ij = (W_p·v_i) ⊙ v_j` with bias-free `W_p` `[d, d]` (torch Linear
 * layout) shared as `type` says ({@link bilinearWeightNames}). The output is `[n, P·d]` with
 * `P = F(F−1)/2`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Bilinear } from "./bilinear.ts";
 * const store = new ParamStore({ seed: 1 });
 * const bilinear = new Bilinear(store, "bilinear", { fields: 3, dim: 4, type: "all" });
 * const p = bilinear.forward(new Float32Array(2 * 12).fill(0.5), 2); // 2 rows of 3·4
 * ```
 */
export class Bilinear {
  readonly fields: number;
  readonly dim: number;
  /** Number of field pairs P. */
  readonly pairs: number;
  /** The distinct weights, in order of first use. */
  readonly weights: Param[] = [];
  /** Each pair's weight. */
  readonly #pairWeight: Param[];
  readonly #store: ParamStore;
  #x: Floats;
  /** `W_p·v_i` per row and pair, `[n, P·d]`. */
  #t: Floats;
  #y: Floats;

  constructor(
    store: ParamStore,
    name: string,
    options: { fields: number; dim: number; type: BilinearType },
  ) {
    this.#store = store;
    this.fields = options.fields;
    this.dim = options.dim;
    const byName = new Map<string, Param>();
    this.#pairWeight = bilinearWeightNames(name, options.type, options.fields).map((tensor) => {
      let w = byName.get(tensor);
      if (!w) {
        w = store.add(tensor, [options.dim, options.dim], { kind: "xavierNormal" });
        byName.set(tensor, w);
        this.weights.push(w);
      }
      return w;
    });
    this.pairs = this.#pairWeight.length;
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
    const d = this.dim, S = this.fields * d, P = this.pairs;
    this.#x = x;
    const t = this.#t = ensure(this.#store, this.#t, n * P * d);
    const y = this.#y = ensure(this.#store, this.#y, n * P * d);
    this.#eachPair((p, i, j) => {
      const w = this.#pairWeight[p].value;
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
    const d = this.dim, S = this.fields * d, P = this.pairs, x = this.#x, t = this.#t;
    this.#eachPair((p, i, j) => {
      const { value: w, grad: dw } = this.#pairWeight[p];
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
