/**
 * xDeepFM (docs/method.md#xdeepfm): `logit = Linear([CIN pooled maps; DNN(x0)])`, the authors'
 * design, without a first-order term.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Cin } from "../layers/cin.ts";
import { Dense } from "../layers/dense.ts";
import { Mlp } from "../layers/mlp.ts";
import { knowledgeAsFields, widths } from "../config.ts";
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
   * Feature maps of each CIN layer (the authors' `cin_layer_units`).
   * @default [50, 50]
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
 * The fields are x0 reshaped into d-wide fields (knowledge included, as AutoInt's). CIN (`Cin`)
 * over them gives one sum-pooled value per feature map; the DNN is the final MLP on x0; one
 * Linear maps `[pooled maps; DNN output]` to the logit.
 *
 * Tensor names: the input layer's, `cin.{k}.weight|bias`, `deep.{i}.*`, `final_fc.*`.
 *
 * @example
 * ```ts
 * import { XDeepFm, xDeepFmBackbone } from "./xdeepfm.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = xDeepFmBackbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new XDeepFm(config);
 * console.log(model.cin.outDim); // 100
 * ```
 */
export class XDeepFm implements CtrModel {
  readonly name = "xdeepfm" as const;
  readonly config: XDeepFmConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly cin: Cin;
  readonly deep: Mlp;
  readonly finalFc: Dense;
  /** `[pooled maps; DNN output]`, `n × (Σ H_k + mlp.at(-1))`. */
  #h: Floats;
  #dPooled: Floats;
  #dDeep: Floats;

  /** `config` must be resolved (`xDeepFmBackbone.resolve`). */
  constructor(config: XDeepFmConfig) {
    this.config = config;
    const store = (this.store = new ParamStore({ seed: config.seed, dtype: config.dtype }));
    const input = this.input = new InputLayer(store, config, { historySteps: false });
    this.cin = new Cin(store, "cin", {
      fields: input.fields,
      dim: config.embedDim,
      layers: config.cinLayers,
    });
    this.deep = new Mlp(store, "deep", { inDim: input.x0Dim, widths: config.mlp });
    const inDim = this.cin.outDim + this.deep.outDim;
    this.finalFc = new Dense(store, "final_fc", { inDim, outDim: 1 });
    this.#h = this.#dPooled = this.#dDeep = store.alloc(0);
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size, C = this.cin.outDim, D = this.deep.outDim, W = C + D;
    this.input.forward(batch, true);
    const x0 = this.input.x0;
    const pooled = this.cin.forward(x0, n), dnn = this.deep.forward(x0, n);
    const h = this.#h = ensure(this.store, this.#h, n * W);
    for (let b = 0; b < n; b++) {
      h.set(pooled.subarray(b * C, b * C + C), b * W);
      h.set(dnn.subarray(b * D, b * D + D), b * W + C);
    }
    return this.finalFc.forward(h, n);
  }

  backward(dLogits: Floats, n: number): void {
    const C = this.cin.outDim, D = this.deep.outDim, W = C + D, store = this.store;
    this.input.beginBackward(n);
    const dh = this.finalFc.backward(dLogits, n);
    const dPooled = this.#dPooled = ensure(store, this.#dPooled, n * C);
    const dDeep = this.#dDeep = ensure(store, this.#dDeep, n * D);
    for (let b = 0; b < n; b++) {
      dPooled.set(dh.subarray(b * W, b * W + C), b * C);
      dDeep.set(dh.subarray(b * W + C, b * W + W), b * D);
    }
    const dx0 = this.deep.backward(dDeep, n);
    this.cin.backward(dPooled, n, dx0);
    this.input.addX0Grad(dx0, n);
    this.input.backward(n);
  }
}

/**
 * xDeepFM's registry entry: CIN layers of 50 and 50 maps by default, the authors'. Knowledge joins
 * x0 as fields, so `knowledge.expertArch` must end in `embedDim`.
 *
 * @example
 * ```ts
 * import { xDeepFmBackbone } from "./xdeepfm.ts";
 * console.log(xDeepFmBackbone.defaults.cinLayers); // [50, 50]
 * ```
 */
export const xDeepFmBackbone: Backbone<XDeepFmOptions> = {
  // 2: the authors' design and defaults (was FuxiCTR's).
  version: 2,
  defaults: Object.freeze({ cinLayers: Object.freeze([50, 50]) as number[] }),
  resolve(config, shared) {
    const out = {
      ...shared,
      cinLayers: widths(config.cinLayers ?? this.defaults.cinLayers, "cinLayers"),
    };
    knowledgeAsFields(out, "xdeepfm");
    return out;
  },
  create: (config) => new XDeepFm(config),
};
