/**
 * The attention graph FiGNN builds over its fields (docs/method.md#fignn).
 *
 * @module
 */
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/** LeakyReLU's slope below zero (torch's default 0.01, as the reference). */
const NEGATIVE_SLOPE = 0.01;

/**
 * A weighted directed graph over `F` d-wide fields (the first `F·d` values of each input row,
 * `stride` apart): edge scores `α_jk = LeakyReLU_0.01(w_srcᵀe_j + w_dstᵀe_k)` (one bias-free
 * Linear over `[e_j; e_k]`), no self-loops, each row softmax-normalised over the other fields, so
 * `A[j, ·]` sums to 1 and `A[j, j] = 0`. Tensor name: `{name}.weight` `[1, 2d]` (source half
 * first).
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { FieldGraph } from "./field_graph.ts";
 * const store = new ParamStore({ seed: 1 });
 * const graph = new FieldGraph(store, "graph", { fields: 3, dim: 4, stride: 12 });
 * const adjacency = graph.forward(new Float32Array(2 * 12).fill(0.5), 2); // 2 × 3 × 3
 * console.log(adjacency[0]); // 0 (no self-loop)
 * ```
 */
export class FieldGraph {
  readonly fields: number;
  readonly dim: number;
  readonly stride: number;
  readonly weight: Param;
  readonly #store: ParamStore;
  #x: Floats;
  /** Pre-activation scores `[n, F, F]`. */
  #scores: Floats;
  /** The adjacency `[n, F, F]`. */
  #adjacency: Floats;
  /** Per sample and field: Σ of the score gradients of its out-edges and of its in-edges. */
  #dSrc: Floats;
  #dDst: Floats;

  constructor(
    store: ParamStore,
    name: string,
    options: { fields: number; dim: number; stride: number },
  ) {
    if (options.fields < 2) {
      throw new RangeError(`FieldGraph: a graph without self-loops needs 2 fields or more`);
    }
    this.#store = store;
    this.fields = options.fields;
    this.dim = options.dim;
    this.stride = options.stride;
    this.weight = store.add(`${name}.weight`, [1, 2 * options.dim], { kind: "xavierNormal" });
    this.#x =
      this.#scores =
      this.#adjacency =
      this.#dSrc =
      this.#dDst =
        store.alloc(0);
  }

  /** The adjacency `[n, F, F]` (own buffer). Keeps `x` by reference until `backward`. */
  forward(x: Floats, n: number): Floats {
    const F = this.fields, d = this.dim, S = this.stride, w = this.weight.value;
    this.#x = x;
    const s = this.#scores = ensure(this.#store, this.#scores, n * F * F);
    const a = this.#adjacency = ensure(this.#store, this.#adjacency, n * F * F);
    const src = new Float64Array(F), dst = new Float64Array(F);
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        let u = 0, v = 0;
        for (let i = 0; i < d; i++) {
          const e = x[b * S + f * d + i];
          u += w[i] * e;
          v += w[d + i] * e;
        }
        src[f] = u;
        dst[f] = v;
      }
      for (let j = 0; j < F; j++) {
        const row = (b * F + j) * F;
        let max = -Infinity;
        for (let k = 0; k < F; k++) {
          const t = src[j] + dst[k];
          s[row + k] = t;
          if (k !== j) max = Math.max(max, t > 0 ? t : NEGATIVE_SLOPE * t);
        }
        let sum = 0;
        for (let k = 0; k < F; k++) {
          const t = s[row + k];
          const e = k === j ? 0 : Math.exp((t > 0 ? t : NEGATIVE_SLOPE * t) - max);
          a[row + k] = e;
          sum += e;
        }
        for (let k = 0; k < F; k++) a[row + k] /= sum;
      }
    }
    return a;
  }

  /** Accumulates the weight gradient from `dA` (`[n, F, F]`) and adds the input gradient into `dx`. */
  backward(dA: Floats, n: number, dx: Floats): void {
    const F = this.fields, d = this.dim, S = this.stride, x = this.#x;
    const w = this.weight.value, dw = this.weight.grad, s = this.#scores, a = this.#adjacency;
    const dSrc = this.#dSrc = ensure(this.#store, this.#dSrc, F);
    const dDst = this.#dDst = ensure(this.#store, this.#dDst, F);
    for (let b = 0; b < n; b++) {
      dSrc.fill(0, 0, F);
      dDst.fill(0, 0, F);
      for (let j = 0; j < F; j++) {
        const row = (b * F + j) * F;
        let dot = 0;
        for (let k = 0; k < F; k++) dot += a[row + k] * dA[row + k];
        for (let k = 0; k < F; k++) {
          if (k === j) continue;
          // Softmax, then LeakyReLU; the score is u_j + v_k, so its gradient reaches both ends.
          const g = a[row + k] * (dA[row + k] - dot) * (s[row + k] > 0 ? 1 : NEGATIVE_SLOPE);
          dSrc[j] += g;
          dDst[k] += g;
        }
      }
      for (let f = 0; f < F; f++) {
        for (let i = 0; i < d; i++) {
          const at = b * S + f * d + i, e = x[at];
          dw[i] += dSrc[f] * e;
          dw[d + i] += dDst[f] * e;
          dx[at] += dSrc[f] * w[i] + dDst[f] * w[d + i];
        }
      }
    }
  }
}
