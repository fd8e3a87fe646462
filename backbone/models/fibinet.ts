/**
 * FiBiNET (docs/method.md#fibinet): SENET field re-weighting and bilinear interactions, then a DNN,
 * plus a linear term.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Bilinear } from "../layers/bilinear.ts";
import { Dense } from "../layers/dense.ts";
import { FirstOrder } from "../layers/first_order.ts";
import { Mlp } from "../layers/mlp.ts";
import { Senet } from "../layers/senet.ts";
import { positiveInt } from "../config.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, ParamStore } from "../param.ts";
import type { Floats, ResolvedBaseConfig } from "../types.ts";

/**
 * FiBiNET's own options.
 *
 * @example
 * ```ts
 * import type { FiBiNetOptions } from "./fibinet.ts";
 * const o: FiBiNetOptions = { reductionRatio: 2 };
 * ```
 */
export interface FiBiNetOptions {
  /**
   * SENET reduction ratio: the excitation's hidden width is `max(1, ⌊fields / ratio⌋)`.
   * @default 3
   */
  reductionRatio?: number;
}

/**
 * A resolved FiBiNET configuration.
 *
 * @example
 * ```ts
 * import type { FiBiNetConfig } from "./fibinet.ts";
 * const ratioOf = (c: FiBiNetConfig) => c.reductionRatio;
 * ```
 */
export type FiBiNetConfig = ResolvedBaseConfig & Required<FiBiNetOptions>;

/**
 * The fields `E` are the d-wide fields of `[q; h̄]` (knowledge excluded, as DeepFM's FM term).
 * SENET (`Senet`) re-weights them into `V`; bilinear interactions of the "field-interaction"
 * type (`Bilinear`, one `W` per field pair, FuxiCTR's default) give `p` from `E` and `q` from `V`,
 * each with weights of its own. `logit = linear + Linear(MLP([p; q; dens]))`, the linear term
 * being DeepFM's first order (`w_item[i] + Σ_k w_attr[a_k] + dens·w_d`).
 *
 * Tensor names: the input layer's, `linear.item|attr|dense`, `senet.squeeze|excite.weight`,
 * `bilinear_embed.{p}.weight`, `bilinear_senet.{p}.weight` `[d, d]`, `deep.{i}.*`, `deep_fc.*`.
 *
 * @example
 * ```ts
 * import { FiBiNet, fiBiNetBackbone } from "./fibinet.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = fiBiNetBackbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new FiBiNet(config);
 * console.log(model.bilinearEmbed.pairs); // 10 (5 fields)
 * ```
 */
export class FiBiNet implements CtrModel {
  readonly name = "fibinet" as const;
  readonly config: FiBiNetConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly linear: FirstOrder;
  readonly senet: Senet;
  readonly bilinearEmbed: Bilinear;
  readonly bilinearSenet: Bilinear;
  readonly deep: Mlp;
  readonly deepFc: Dense;
  /** DNN input `[p; q; dens]`, `n × (2·P·d + densDim)`. */
  #h: Floats;
  #dp: Floats;
  #dq: Floats;
  #dv: Floats;
  #dx0: Floats;
  #logits: Floats;
  #batch: BatchView | null = null;

  /** `config` must be resolved (`fiBiNetBackbone.resolve`). */
  constructor(config: FiBiNetConfig) {
    this.config = config;
    const store = (this.store = new ParamStore({ seed: config.seed, dtype: config.dtype }));
    const input = this.input = new InputLayer(store, config, { historySteps: false });
    const d = config.embedDim, fields = (input.qDim + input.hDim) / d;
    this.linear = new FirstOrder(store, "linear", input, config);
    this.senet = new Senet(store, "senet", {
      fields,
      dim: d,
      stride: input.x0Dim,
      reductionRatio: config.reductionRatio,
    });
    this.bilinearEmbed = new Bilinear(store, "bilinear_embed", {
      fields,
      dim: d,
      stride: input.x0Dim,
    });
    this.bilinearSenet = new Bilinear(store, "bilinear_senet", {
      fields,
      dim: d,
      stride: fields * d,
    });
    const inDim = 2 * this.bilinearEmbed.pairs * d + input.densDim;
    this.deep = new Mlp(store, "deep", { inDim, widths: config.mlp });
    this.deepFc = new Dense(store, "deep_fc", { inDim: this.deep.outDim, outDim: 1 });
    this.#h =
      this.#dp =
      this.#dq =
      this.#dv =
      this.#dx0 =
      this.#logits =
        store.alloc(0);
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size, inp = this.input;
    this.#batch = batch;
    inp.forward(batch, true);
    const x0 = inp.x0, PD = this.bilinearEmbed.pairs * this.config.embedDim, dd = inp.densDim;
    const p = this.bilinearEmbed.forward(x0, n);
    const q = this.bilinearSenet.forward(this.senet.forward(x0, n), n);
    const W = this.deep.inDim;
    const h = this.#h = ensure(this.store, this.#h, n * W);
    for (let b = 0; b < n; b++) {
      h.set(p.subarray(b * PD, b * PD + PD), b * W);
      h.set(q.subarray(b * PD, b * PD + PD), b * W + PD);
      h.set(inp.dens.subarray(b * dd, b * dd + dd), b * W + 2 * PD);
    }
    const dnn = this.deepFc.forward(this.deep.forward(h, n), n);
    const first = this.linear.forward(batch);
    const logits = this.#logits = ensure(this.store, this.#logits, n);
    for (let b = 0; b < n; b++) logits[b] = first[b] + dnn[b];
    return logits;
  }

  backward(dLogits: Floats, n: number): void {
    const inp = this.input, store = this.store, X = inp.x0Dim, dd = inp.densDim;
    const PD = this.bilinearEmbed.pairs * this.config.embedDim, W = this.deep.inDim;
    inp.beginBackward(n);
    const dh = this.deep.backward(this.deepFc.backward(dLogits, n), n);
    const dp = this.#dp = ensure(store, this.#dp, n * PD);
    const dq = this.#dq = ensure(store, this.#dq, n * PD);
    const dx0 = this.#dx0 = ensure(store, this.#dx0, n * X);
    dx0.fill(0, 0, n * X);
    for (let b = 0; b < n; b++) {
      dp.set(dh.subarray(b * W, b * W + PD), b * PD);
      dq.set(dh.subarray(b * W + PD, b * W + 2 * PD), b * PD);
      for (let j = 0; j < dd; j++) dx0[b * X + X - dd + j] = dh[b * W + 2 * PD + j];
    }
    const dv = this.#dv = ensure(store, this.#dv, n * this.senet.fields * this.senet.dim);
    dv.fill(0, 0, n * this.senet.fields * this.senet.dim);
    this.bilinearSenet.backward(dq, n, dv);
    this.senet.backward(dv, n, dx0);
    this.bilinearEmbed.backward(dp, n, dx0);
    this.linear.backward(dLogits, this.#batch!);
    inp.addX0Grad(dx0, n);
    inp.backward(n);
  }
}

/**
 * FiBiNET's registry entry: SENET reduction ratio 3 by default.
 *
 * @example
 * ```ts
 * import { fiBiNetBackbone } from "./fibinet.ts";
 * console.log(fiBiNetBackbone.defaults.reductionRatio); // 3
 * ```
 */
export const fiBiNetBackbone: Backbone<FiBiNetOptions> = {
  defaults: Object.freeze({ reductionRatio: 3 }),
  resolve(config, shared) {
    const ratio = config.reductionRatio ?? this.defaults.reductionRatio;
    return { ...shared, reductionRatio: positiveInt(ratio, "reductionRatio") };
  },
  create: (config) => new FiBiNet(config),
};
