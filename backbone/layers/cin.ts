/**
 * The compressed interaction network of xDeepFM (docs/method.md#xdeepfm).
 *
 * @module
 */
import { ensure, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { Dense } from "./dense.ts";

/**
 * CIN over a field matrix `X⁰` of `F` d-wide fields (rows of `F·d` values):
 * `X^k[h, j] = b_k[h] + Σ_{f, i} W_k[h, f·H_{k−1} + i] · X⁰[f, j] · X^{k−1}[i, j]`, no activation,
 * every feature map kept (no split in halves), as the authors' CIN; the output is the sum over `j`
 * of every map of every layer, `[n, Σ_k H_k]`.
 *
 * Each layer is a `Dense` over `n·d` rows of the outer products `X⁰[:, j] ⊗ X^{k−1}[:, j]` (the
 * width-1 convolution, with its bias), so maps are held position-major, `[n, d, H_k]`. Tensor
 * names: `{name}.{k}.weight` `[H_k, F·H_{k−1}]` (the convolution's `[out, in]`, `H_{−1} = F`),
 * `{name}.{k}.bias` `[H_k]`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Cin } from "./cin.ts";
 * const store = new ParamStore({ seed: 1 });
 * const cin = new Cin(store, "cin", { fields: 3, dim: 4, layers: [5, 5] });
 * const pooled = cin.forward(new Float32Array(2 * 12).fill(0.5), 2); // 2 rows of 10
 * ```
 */
export class Cin {
  readonly fields: number;
  readonly dim: number;
  /** Output width Σ_k H_k. */
  readonly outDim: number;
  readonly layers: Dense[] = [];
  readonly #store: ParamStore;
  /** X⁰ position-major, `[n, d, F]`. */
  #x0: Floats;
  /** Per layer: the outer products fed to its Dense, `[n·d, F·H_{k−1}]`. */
  #z: Floats[];
  #pooled: Floats;
  #dx0: Floats;
  /** Per layer: dL/dX^k, `[n·d, H_k]`. */
  #dMap: Floats[];

  constructor(
    store: ParamStore,
    name: string,
    options: { fields: number; dim: number; layers: number[] },
  ) {
    this.#store = store;
    this.fields = options.fields;
    this.dim = options.dim;
    let prev = options.fields;
    options.layers.forEach((h, k) => {
      this.layers.push(
        new Dense(store, `${name}.${k}`, { inDim: options.fields * prev, outDim: h }),
      );
      prev = h;
    });
    this.outDim = options.layers.reduce((s, h) => s + h, 0);
    this.#x0 = this.#pooled = this.#dx0 = store.alloc(0);
    this.#z = this.layers.map(() => store.alloc(0));
    this.#dMap = this.layers.map(() => store.alloc(0));
  }

  /** Pooled maps `[n, Σ H_k]` (own buffer) of the field matrix `x` `[n, F·d]`. */
  forward(x: Floats, n: number): Floats {
    const F = this.fields, d = this.dim, store = this.#store;
    const x0 = this.#x0 = ensure(store, this.#x0, n * d * F);
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        for (let j = 0; j < d; j++) x0[(b * d + j) * F + f] = x[(b * F + f) * d + j];
      }
    }
    const pooled = this.#pooled = ensure(store, this.#pooled, n * this.outDim);
    pooled.fill(0, 0, n * this.outDim);
    let prev = x0, H = F, offset = 0;
    this.layers.forEach((layer, k) => {
      const z = this.#z[k] = ensure(store, this.#z[k], n * d * F * H);
      for (let r = 0; r < n * d; r++) {
        for (let f = 0; f < F; f++) {
          const u = x0[r * F + f], o = (r * F + f) * H;
          for (let i = 0; i < H; i++) z[o + i] = u * prev[r * H + i];
        }
      }
      const map = layer.forward(z, n * d), Hk = layer.outDim;
      for (let r = 0; r < n * d; r++) {
        const dst = Math.floor(r / d) * this.outDim + offset;
        for (let h = 0; h < Hk; h++) pooled[dst + h] += map[r * Hk + h];
      }
      prev = map;
      H = Hk;
      offset += Hk;
    });
    return pooled;
  }

  /** Accumulates parameter gradients from `dPooled` and adds the input gradient into `dx`. */
  backward(dPooled: Floats, n: number, dx: Floats): void {
    const F = this.fields, d = this.dim, store = this.#store, x0 = this.#x0, L = this.layers.length;
    const dx0 = this.#dx0 = ensure(store, this.#dx0, n * d * F);
    dx0.fill(0, 0, n * d * F);
    const top = n * d * this.layers[L - 1].outDim;
    this.#dMap[L - 1] = ensure(store, this.#dMap[L - 1], top).fill(0, 0, top);
    let offset = this.outDim;
    for (let k = L - 1; k >= 0; k--) {
      const layer = this.layers[k], Hk = layer.outDim;
      offset -= Hk;
      // dL/dX^k: what layer k + 1 passed down (already in dMap) plus the pooling's broadcast.
      const dMap = this.#dMap[k];
      for (let r = 0; r < n * d; r++) {
        const src = Math.floor(r / d) * this.outDim + offset;
        for (let h = 0; h < Hk; h++) dMap[r * Hk + h] += dPooled[src + h];
      }
      const dz = layer.backward(dMap, n * d);
      const H = k === 0 ? F : this.layers[k - 1].outDim;
      const prev = k === 0 ? x0 : this.layers[k - 1].out;
      // X^{k−1}'s gradient; for k = 0 X^{k−1} is X⁰, so both factors' gradients land in dx0.
      let dPrev = dx0;
      if (k > 0) {
        dPrev = this.#dMap[k - 1] = ensure(store, this.#dMap[k - 1], n * d * H);
        dPrev.fill(0, 0, n * d * H);
      }
      for (let r = 0; r < n * d; r++) {
        for (let f = 0; f < F; f++) {
          const u = x0[r * F + f], o = (r * F + f) * H;
          let g = 0;
          for (let i = 0; i < H; i++) {
            g += dz[o + i] * prev[r * H + i];
            dPrev[r * H + i] += dz[o + i] * u;
          }
          dx0[r * F + f] += g;
        }
      }
    }
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        for (let j = 0; j < d; j++) dx[(b * F + f) * d + j] += dx0[(b * d + j) * F + f];
      }
    }
  }
}
