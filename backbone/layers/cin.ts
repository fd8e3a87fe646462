/**
 * The compressed interaction network of xDeepFM (docs/method.md#xdeepfm).
 *
 * @module
 */
import { ensure, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { Dense } from "./dense.ts";

/**
 * CIN over `F` d-wide fields `X⁰` (the first `F·d` values of each input row, `stride` apart):
 * `X^k[h, j] = b_k[h] + Σ_{i, m} W_k[h, i·F + m] · X^{k−1}[i, j] · X⁰[m, j]`, no activation, every
 * feature map kept (no split in halves), as FuxiCTR's CompressedInteractionNet; the output is the
 * sum over `j` of every map of every layer, `[n, Σ_k H_k]`.
 *
 * Each layer is a `Dense` over `n·d` rows of the outer products `X^{k−1}[:, j] ⊗ X⁰[:, j]`
 * (the 1×1 convolution), so maps are held position-major, `[n, d, H_k]`. Tensor names:
 * `{name}.{k}.weight` `[H_k, H_{k−1}·F]`, `{name}.{k}.bias` `[H_k]`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { Cin } from "./cin.ts";
 * const store = new ParamStore({ seed: 1 });
 * const cin = new Cin(store, "cin", { fields: 3, dim: 4, stride: 12, layers: [5, 5] });
 * const pooled = cin.forward(new Float32Array(2 * 12).fill(0.5), 2); // 2 rows of 10
 * ```
 */
export class Cin {
  readonly fields: number;
  readonly dim: number;
  readonly stride: number;
  /** Output width Σ_k H_k. */
  readonly outDim: number;
  readonly layers: Dense[] = [];
  readonly #store: ParamStore;
  /** X⁰ position-major, `[n, d, F]`. */
  #x0: Floats;
  /** Per layer: the outer products fed to its Dense, `[n·d, H_{k−1}·F]`. */
  #z: Floats[];
  #pooled: Floats;
  #dx0: Floats;
  #dMap: Floats[];

  constructor(
    store: ParamStore,
    name: string,
    options: { fields: number; dim: number; stride: number; layers: number[] },
  ) {
    this.#store = store;
    this.fields = options.fields;
    this.dim = options.dim;
    this.stride = options.stride;
    let prev = options.fields;
    options.layers.forEach((h, k) => {
      this.layers.push(
        new Dense(store, `${name}.${k}`, { inDim: prev * options.fields, outDim: h }),
      );
      prev = h;
    });
    this.outDim = options.layers.reduce((s, h) => s + h, 0);
    this.#x0 = this.#pooled = this.#dx0 = store.alloc(0);
    this.#z = this.layers.map(() => store.alloc(0));
    this.#dMap = this.layers.map(() => store.alloc(0));
  }

  /** Pooled maps `[n, Σ H_k]` (own buffer). Keeps `x` by reference until `backward`. */
  forward(x: Floats, n: number): Floats {
    const F = this.fields, d = this.dim, S = this.stride, store = this.#store;
    const x0 = this.#x0 = ensure(store, this.#x0, n * d * F);
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        for (let j = 0; j < d; j++) x0[(b * d + j) * F + f] = x[b * S + f * d + j];
      }
    }
    const pooled = this.#pooled = ensure(store, this.#pooled, n * this.outDim);
    pooled.fill(0, 0, n * this.outDim);
    let prev = x0, H = F, offset = 0;
    this.layers.forEach((layer, k) => {
      const z = this.#z[k] = ensure(store, this.#z[k], n * d * H * F);
      for (let r = 0; r < n * d; r++) {
        for (let i = 0; i < H; i++) {
          const v = prev[r * H + i], o = (r * H + i) * F;
          for (let m = 0; m < F; m++) z[o + m] = v * x0[r * F + m];
        }
      }
      const map = layer.forward(z, n * d), Hk = layer.outDim;
      for (let b = 0; b < n; b++) {
        for (let j = 0; j < d; j++) {
          const src = (b * d + j) * Hk, dst = b * this.outDim + offset;
          for (let h = 0; h < Hk; h++) pooled[dst + h] += map[src + h];
        }
      }
      prev = map;
      H = Hk;
      offset += Hk;
    });
    return pooled;
  }

  /** Accumulates parameter gradients from `dPooled` and adds the input gradient into `dx`. */
  backward(dPooled: Floats, n: number, dx: Floats): void {
    const F = this.fields, d = this.dim, S = this.stride, store = this.#store, x0 = this.#x0;
    const dx0 = this.#dx0 = ensure(store, this.#dx0, n * d * F);
    dx0.fill(0, 0, n * d * F);
    let offset = this.outDim, carried: Floats | null = null;
    for (let k = this.layers.length - 1; k >= 0; k--) {
      const layer = this.layers[k], Hk = layer.outDim;
      offset -= Hk;
      // dL/dX^k: the pooling's broadcast plus what layer k + 1 passed down (`carried`, the same
      // buffer, read before each element is overwritten).
      const dMap = this.#dMap[k] = ensure(store, this.#dMap[k], n * d * Hk);
      for (let r = 0; r < n * d; r++) {
        const b = Math.floor(r / d), src = b * this.outDim + offset;
        for (let h = 0; h < Hk; h++) {
          dMap[r * Hk + h] = dPooled[src + h] + (carried === null ? 0 : carried[r * Hk + h]);
        }
      }
      const dz = layer.backward(dMap, n * d);
      const H = k === 0 ? F : this.layers[k - 1].outDim;
      const prev = k === 0 ? x0 : this.layers[k - 1].out;
      // dPrev is X^{k−1}'s gradient; for k = 0 that is X⁰'s, added to dx0 below.
      const dPrev = k === 0
        ? dx0
        : (this.#dMap[k - 1] = ensure(store, this.#dMap[k - 1], n * d * H));
      for (let r = 0; r < n * d; r++) {
        for (let i = 0; i < H; i++) {
          const v = prev[r * H + i], o = (r * H + i) * F;
          let g = 0;
          for (let m = 0; m < F; m++) {
            g += dz[o + m] * x0[r * F + m];
            dx0[r * F + m] += dz[o + m] * v;
          }
          if (k === 0) dx0[r * F + i] += g;
          else dPrev[r * H + i] = g;
        }
      }
      carried = k === 0 ? null : dPrev;
    }
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) {
        for (let j = 0; j < d; j++) dx[b * S + f * d + j] += dx0[(b * d + j) * F + f];
      }
    }
  }
}
