/**
 * xDeepFM (docs/method.md#xdeepfm): `logit = linear + CIN + DNN`.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Cin } from "../layers/cin.ts";
import { Dense } from "../layers/dense.ts";
import { FirstOrder } from "../layers/first_order.ts";
import { Mlp } from "../layers/mlp.ts";
import { widths } from "../config.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, ParamStore } from "../param.ts";
import type { Floats, ResolvedBaseConfig } from "../types.ts";

/**
 * xDeepFM's own options.
 *
 * @example
 * ```ts
 * import type { XDeepFmOptions } from "./xdeepfm.ts";
 * const o: XDeepFmOptions = { cinLayers: [32, 32] };
 * ```
 */
export interface XDeepFmOptions {
  /**
   * Feature maps of each CIN layer.
   * @default [16, 16, 16]
   */
  cinLayers?: number[];
}

/**
 * A resolved xDeepFM configuration.
 *
 * @example
 * ```ts
 * import type { XDeepFmConfig } from "./xdeepfm.ts";
 * const depthOf = (c: XDeepFmConfig) => c.cinLayers.length;
 * ```
 */
export type XDeepFmConfig = ResolvedBaseConfig & Required<XDeepFmOptions>;

/**
 * Linear: DeepFM's first order (`w_item[i] + Σ_k w_attr[a_k] + dens·w_d`). CIN (`Cin`) over the
 * d-wide fields of `[q; h̄]` only (knowledge excluded, as DeepFM's FM term), then a Linear from the
 * pooled maps to one value. DNN: an MLP on `x0` (knowledge included), then a Linear to one value.
 *
 * Tensor names: the input layer's, `linear.item|attr|dense`, `cin.{k}.weight|bias`,
 * `cin_fc.*`, `deep.{i}.*`, `deep_fc.*`.
 *
 * @example
 * ```ts
 * import { XDeepFm, xDeepFmBackbone } from "./xdeepfm.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = xDeepFmBackbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new XDeepFm(config);
 * console.log(model.cin.outDim); // 48
 * ```
 */
export class XDeepFm implements CtrModel {
  readonly name = "xdeepfm" as const;
  readonly config: XDeepFmConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly linear: FirstOrder;
  readonly cin: Cin;
  readonly cinFc: Dense;
  readonly deep: Mlp;
  readonly deepFc: Dense;
  #logits: Floats;
  #batch: BatchView | null = null;

  /** `config` must be resolved (`xDeepFmBackbone.resolve`). */
  constructor(config: XDeepFmConfig) {
    this.config = config;
    const store = (this.store = new ParamStore({ seed: config.seed, dtype: config.dtype }));
    const input = this.input = new InputLayer(store, config, { historySteps: false });
    const d = config.embedDim;
    this.linear = new FirstOrder(store, "linear", input, config);
    this.cin = new Cin(store, "cin", {
      fields: (input.qDim + input.hDim) / d,
      dim: d,
      stride: input.x0Dim,
      layers: config.cinLayers,
    });
    this.cinFc = new Dense(store, "cin_fc", { inDim: this.cin.outDim, outDim: 1 });
    this.deep = new Mlp(store, "deep", { inDim: input.x0Dim, widths: config.mlp });
    this.deepFc = new Dense(store, "deep_fc", { inDim: this.deep.outDim, outDim: 1 });
    this.#logits = store.alloc(0);
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size;
    this.#batch = batch;
    this.input.forward(batch, true);
    const x0 = this.input.x0;
    const dnn = this.deepFc.forward(this.deep.forward(x0, n), n);
    const cin = this.cinFc.forward(this.cin.forward(x0, n), n);
    const first = this.linear.forward(batch);
    const logits = this.#logits = ensure(this.store, this.#logits, n);
    for (let b = 0; b < n; b++) logits[b] = first[b] + cin[b] + dnn[b];
    return logits;
  }

  backward(dLogits: Floats, n: number): void {
    const inp = this.input;
    inp.beginBackward(n);
    const dx0 = this.deep.backward(this.deepFc.backward(dLogits, n), n);
    this.cin.backward(this.cinFc.backward(dLogits, n), n, dx0);
    this.linear.backward(dLogits, this.#batch!);
    inp.addX0Grad(dx0, n);
    inp.backward(n);
  }
}

/**
 * xDeepFM's registry entry: CIN layers of 16, 16 and 16 maps by default.
 *
 * @example
 * ```ts
 * import { xDeepFmBackbone } from "./xdeepfm.ts";
 * console.log(xDeepFmBackbone.defaults.cinLayers); // [16, 16, 16]
 * ```
 */
export const xDeepFmBackbone: Backbone<XDeepFmOptions> = {
  defaults: Object.freeze({ cinLayers: Object.freeze([16, 16, 16]) as number[] }),
  resolve(config, shared) {
    return {
      ...shared,
      cinLayers: widths(config.cinLayers ?? this.defaults.cinLayers, "cinLayers"),
    };
  },
  create: (config) => new XDeepFm(config),
};
