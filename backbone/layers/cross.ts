/**
 * DCN cross networks (docs/method.md#dcn). v1: `x_{l+1} = x0·(x_lᵀw_l) + b_l + x_l`, the published
 * formula (the authors' code loses the residual and computes `2·x0·(x_lᵀw_l) + b_l`). v2:
 * `x_{l+1} = x0 ⊙ (W_l x_l + b_l) + x_l`.
 *
 * @module
 */
import { WASM_MAX_FLOATS, wasmKernelsOn } from "../kernels.ts";
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { Dense } from "./dense.ts";
import { wasmCrossBackward, wasmCrossForward } from "../wasm/gemm.ts";

/**
 * Which cross formula.
 *
 * @example
 * ```ts
 * import type { CrossVariant } from "./cross.ts";
 * const v: CrossVariant = "v2";
 * ```
 */
export type CrossVariant = "v1" | "v2";

/**
 * A stack of cross layers over `dim`-wide rows. Tensor names: v1 `{name}.{l}.weight` `[dim, 1]`
 * (xavier-normal) and `{name}.{l}.bias` `[dim]` (zeros); v2 `{name}.{l}.weight` `[dim, dim]`,
 * `{name}.{l}.bias` `[dim]`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { CrossNet } from "./cross.ts";
 * const store = new ParamStore({ seed: 1 });
 * const cross = new CrossNet(store, "cross", { dim: 4, layers: 3, variant: "v2" });
 * const y = cross.forward(new Float32Array(8).fill(0.5), 2);
 * ```
 */
export class CrossNet {
  readonly dim: number;
  readonly variant: CrossVariant;
  /** v2 layers. */
  readonly dense: Dense[] = [];
  /** v1 kernels and biases. */
  readonly kernels: Param[] = [];
  readonly biases: Param[] = [];
  /** Gradient w.r.t. x0 (own buffer, valid after backward). */
  dx0: Floats;
  readonly #store: ParamStore;
  readonly #layers: number;
  /** xs[l] = x_{l+1}; x_0 is the caller's buffer. */
  #xs: Floats[];
  #x0: Floats;
  /** v1: s_l = x_lᵀ w_l per row. */
  #dots: Floats[];
  #g: Floats;
  #gNext: Floats;
  #dy: Floats;

  constructor(
    store: ParamStore,
    name: string,
    options: { dim: number; layers: number; variant: CrossVariant },
  ) {
    this.#store = store;
    this.dim = options.dim;
    this.variant = options.variant;
    this.#layers = options.layers;
    for (let l = 0; l < options.layers; l++) {
      if (options.variant === "v2") {
        this.dense.push(
          new Dense(store, `${name}.${l}`, { inDim: options.dim, outDim: options.dim }),
        );
      } else {
        this.kernels.push(
          store.add(`${name}.${l}.weight`, [options.dim, 1], { kind: "xavierNormal" }),
        );
        this.biases.push(store.add(`${name}.${l}.bias`, [options.dim], { kind: "zeros" }));
      }
    }
    const z = store.alloc(0);
    this.#xs = Array.from({ length: options.layers }, () => z);
    this.#dots = Array.from({ length: options.layers }, () => z);
    this.dx0 =
      this.#x0 =
      this.#g =
      this.#gNext =
      this.#dy =
        z;
  }

  /** Returns x_L (own buffer). */
  forward(x0: Floats, n: number): Floats {
    const D = this.dim, store = this.#store, len = n * D;
    this.#x0 = x0;
    if (this.#v1Wasm(x0)) {
      for (let l = 0; l < this.#layers; l++) {
        this.#xs[l] = ensure(store, this.#xs[l], len);
        this.#dots[l] = ensure(store, this.#dots[l], n);
      }
      // The kernel computes `c·x0·(x_lᵀw_l) + b_l + keep·x_l`; v1 is c = keep = 1.
      wasmCrossForward(
        x0 as Float32Array,
        this.kernels.map((p) => p.value as Float32Array),
        this.biases.map((p) => p.value as Float32Array),
        { xs: this.#xs as Float32Array[], dots: this.#dots as Float32Array[] },
        { rows: n, dim: D, c: 1, keep: 1 },
      );
      return this.#xs[this.#layers - 1];
    }
    let xl = x0;
    for (let l = 0; l < this.#layers; l++) {
      this.#xs[l] = ensure(store, this.#xs[l], len);
      const next = this.#xs[l];
      if (this.variant === "v2") {
        const y = this.dense[l].forward(xl, n);
        for (let i = 0; i < len; i++) next[i] = x0[i] * y[i] + xl[i];
      } else {
        this.#dots[l] = ensure(store, this.#dots[l], n);
        const w = this.kernels[l].value, bias = this.biases[l].value, dots = this.#dots[l];
        for (let b = 0; b < n; b++) {
          let s = 0;
          for (let j = 0; j < D; j++) s += xl[b * D + j] * w[j];
          dots[b] = s;
          for (let j = 0; j < D; j++) {
            const i = b * D + j;
            next[i] = x0[i] * s + bias[j] + xl[i];
          }
        }
      }
      xl = next;
    }
    return xl;
  }

  /** Backward from dL/dx_L; the result (dL/dx0 through every path) is in `dx0`. */
  backward(dOut: Floats, n: number): Floats {
    const D = this.dim, store = this.#store, len = n * D, x0 = this.#x0;
    this.dx0 = ensure(store, this.dx0, len);
    const dx0 = this.dx0;
    if (this.#v1Wasm(x0) && dOut instanceof Float32Array) {
      wasmCrossBackward(dOut, {
        x0: x0 as Float32Array,
        xs: this.#xs as Float32Array[],
        dots: this.#dots as Float32Array[],
        w: this.kernels.map((p) => p.value as Float32Array),
      }, {
        dw: this.kernels.map((p) => p.grad as Float32Array),
        db: this.biases.map((p) => p.grad as Float32Array),
        dx0: dx0 as Float32Array,
      }, { rows: n, dim: D, c: 1, keep: 1 });
      return dx0;
    }
    this.#g = ensure(store, this.#g, len);
    this.#gNext = ensure(store, this.#gNext, len);
    this.#dy = ensure(store, this.#dy, len);
    dx0.fill(0, 0, len);
    let g = this.#g;
    g.set(dOut.subarray(0, len));
    let gPrev = this.#gNext;
    for (let l = this.#layers - 1; l >= 0; l--) {
      const xl = l === 0 ? x0 : this.#xs[l - 1];
      if (this.variant === "v2") {
        const y = this.dense[l].out, dy = this.#dy;
        for (let i = 0; i < len; i++) {
          dy[i] = g[i] * x0[i];
          dx0[i] += g[i] * y[i];
        }
        gPrev.set(g.subarray(0, len));
        this.dense[l].backward(dy, n, { into: gPrev, accumulate: true });
      } else {
        const w = this.kernels[l].value, dw = this.kernels[l].grad, db = this.biases[l].grad;
        const dots = this.#dots[l];
        for (let b = 0; b < n; b++) {
          const s = dots[b];
          let ds = 0;
          for (let j = 0; j < D; j++) {
            const i = b * D + j;
            ds += g[i] * x0[i];
            dx0[i] += s * g[i];
            db[j] += g[i];
          }
          for (let j = 0; j < D; j++) {
            const i = b * D + j;
            dw[j] += ds * xl[i];
            gPrev[i] = g[i] + ds * w[j];
          }
        }
      }
      const t = g;
      g = gPrev;
      gPrev = t;
    }
    // g now holds dL/dx_0 through the x_l chain.
    for (let i = 0; i < len; i++) dx0[i] += g[i];
    return dx0;
  }

  /**
   * Whether the v1 layers run on the WebAssembly kernel: float32 throughout (it computes as the
   * loops here do, so results are the same) and operands within `WASM_MAX_FLOATS`.
   */
  #v1Wasm(x0: Floats): boolean {
    if (this.variant === "v2" || !(x0 instanceof Float32Array) || !wasmKernelsOn()) return false;
    if ((this.#layers + 3) * x0.length > WASM_MAX_FLOATS) return false;
    const f32 = (p: Param) => p.value instanceof Float32Array && p.grad instanceof Float32Array;
    return this.kernels.every(f32) && this.biases.every(f32);
  }
}
