/**
 * DCN (v1) and DCNv2 (docs/method.md#dcn): a cross network and a deep MLP on x0, then
 * `logit = FinalMLP([deep; cross])`.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { CrossNet } from "../layers/cross.ts";
import { MlpHead } from "../layers/head.ts";
import { Mlp } from "../layers/mlp.ts";
import { positiveInt } from "../config.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, ParamStore } from "../param.ts";
import type { Floats, ResolvedBaseConfig } from "../types.ts";

/**
 * The cross network's options (DCN and DCNv2).
 *
 * @example
 * ```ts
 * import type { DcnOptions } from "./dcn.ts";
 * const o: DcnOptions = { crossLayers: 2 };
 * ```
 */
export interface DcnOptions {
  /**
   * Cross layers.
   * @default 3
   */
  crossLayers?: number;
}

/**
 * A resolved DCN or DCNv2 configuration.
 *
 * @example
 * ```ts
 * import type { DcnConfig } from "./dcn.ts";
 * const layersOf = (c: DcnConfig) => c.crossLayers;
 * ```
 */
export type DcnConfig = ResolvedBaseConfig & { crossLayers: number };

/**
 * Deep & Cross Network. Tensor names: the input layer's, `deep.{i}.*`, `cross.{l}.weight|bias`,
 * `final_mlp.{i}.*`, `final_fc.*`.
 *
 * @example
 * ```ts
 * import { Dcn, dcnv2Backbone } from "./dcn.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = dcnv2Backbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new Dcn("dcnv2", config);
 * ```
 */
export class Dcn implements CtrModel {
  readonly name: "dcn" | "dcnv2";
  readonly config: DcnConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly deep: Mlp;
  readonly cross: CrossNet;
  readonly head: MlpHead;
  #headIn: Floats;
  #dDeep: Floats;
  #dCross: Floats;

  /** `config` must be resolved (`dcnBackbone.resolve` or `dcnv2Backbone.resolve`). */
  constructor(name: "dcn" | "dcnv2", config: DcnConfig) {
    this.name = name;
    this.config = config;
    this.store = new ParamStore({ seed: config.seed, dtype: config.dtype });
    this.input = new InputLayer(this.store, config, { historySteps: false });
    const X = this.input.x0Dim;
    this.deep = new Mlp(this.store, "deep", { inDim: X, widths: config.mlp });
    this.cross = new CrossNet(this.store, "cross", {
      dim: X,
      layers: config.crossLayers,
      variant: name === "dcnv2" ? "v2" : "v1",
    });
    this.head = new MlpHead(this.store, { inDim: this.deep.outDim + X, widths: config.mlp });
    const z = this.store.alloc(0);
    this.#headIn = this.#dDeep = this.#dCross = z;
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size, inp = this.input;
    inp.forward(batch, true);
    const X = inp.x0Dim, P = this.deep.outDim, W = P + X;
    const deep = this.deep.forward(inp.x0, n);
    const cross = this.cross.forward(inp.x0, n);
    this.#headIn = ensure(this.store, this.#headIn, n * W);
    const h = this.#headIn;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < P; j++) h[b * W + j] = deep[b * P + j];
      for (let j = 0; j < X; j++) h[b * W + P + j] = cross[b * X + j];
    }
    return this.head.forward(h, n);
  }

  backward(dLogits: Floats, n: number): void {
    const inp = this.input, X = inp.x0Dim, P = this.deep.outDim, W = P + X;
    inp.beginBackward(n);
    const dh = this.head.backward(dLogits, n);
    this.#dDeep = ensure(this.store, this.#dDeep, n * P);
    this.#dCross = ensure(this.store, this.#dCross, n * X);
    const dDeep = this.#dDeep, dCross = this.#dCross;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < P; j++) dDeep[b * P + j] = dh[b * W + j];
      for (let j = 0; j < X; j++) dCross[b * X + j] = dh[b * W + P + j];
    }
    const dx0 = this.cross.backward(dCross, n);
    this.deep.backward(dDeep, n, { into: dx0, accumulate: true });
    inp.addX0Grad(dx0, n);
    inp.backward(n);
  }
}

/**
 * DCN (v1)'s registry entry.
 *
 * @example
 * ```ts
 * import { dcnBackbone } from "./dcn.ts";
 * console.log(dcnBackbone.defaults.crossLayers); // 3
 * ```
 */
export const dcnBackbone: Backbone<DcnOptions> = {
  defaults: Object.freeze({ crossLayers: 3 }),
  resolve(config, shared) {
    return {
      ...shared,
      crossLayers: positiveInt(config.crossLayers ?? this.defaults.crossLayers, "crossLayers"),
    };
  },
  create: (config) => new Dcn("dcn", config),
};

/**
 * DCNv2's registry entry.
 *
 * @example
 * ```ts
 * import { dcnv2Backbone } from "./dcn.ts";
 * console.log(dcnv2Backbone.defaults.crossLayers); // 3
 * ```
 */
export const dcnv2Backbone: Backbone<DcnOptions> = {
  defaults: Object.freeze({ crossLayers: 3 }),
  resolve(config, shared) {
    return {
      ...shared,
      crossLayers: positiveInt(config.crossLayers ?? this.defaults.crossLayers, "crossLayers"),
    };
  },
  create: (config) => new Dcn("dcnv2", config),
};
