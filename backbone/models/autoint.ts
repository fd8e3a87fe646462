/**
 * AutoInt (docs/method.md#autoint): self-attention layers over the fields of x0, then
 * `logit = Linear(flatten(X_L))`, no DNN.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Dense } from "../layers/dense.ts";
import { SelfAttention } from "../layers/self_attention.ts";
import { knowledgeAsFields, positiveInt } from "../config.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ParamStore } from "../param.ts";
import type { Floats, ResolvedBaseConfig } from "../types.ts";

/**
 * AutoInt's own options.
 *
 * @example
 * ```ts
 * import type { AutoIntOptions } from "./autoint.ts";
 * const o: AutoIntOptions = { attentionHeads: 2, attentionSize: 32 };
 * ```
 */
export interface AutoIntOptions {
  /**
   * Self-attention layers.
   * @default 3
   */
  attentionLayers?: number;
  /**
   * Heads per layer.
   * @default 1
   */
  attentionHeads?: number;
  /**
   * Attention size per head.
   * @default 64
   */
  attentionSize?: number;
}

/**
 * A resolved AutoInt configuration.
 *
 * @example
 * ```ts
 * import type { AutoIntConfig } from "./autoint.ts";
 * const headsOf = (c: AutoIntConfig) => c.attentionHeads;
 * ```
 */
export type AutoIntConfig = ResolvedBaseConfig & Required<AutoIntOptions>;

/**
 * Tensor names: the input layer's, `attention.{l}.query|key|value|residual.weight`,
 * `attention_out.weight|bias` `[1, F·heads·size]`.
 *
 * @example
 * ```ts
 * import { AutoInt, autoIntBackbone } from "./autoint.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = autoIntBackbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new AutoInt(config);
 * ```
 */
export class AutoInt implements CtrModel {
  readonly name = "autoint" as const;
  readonly config: AutoIntConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly layers: SelfAttention[];
  readonly out: Dense;

  /** `config` must be resolved (`autoIntBackbone.resolve`). */
  constructor(config: AutoIntConfig) {
    this.config = config;
    const store = (this.store = new ParamStore({ seed: config.seed, dtype: config.dtype }));
    this.input = new InputLayer(store, config, { historySteps: false });
    const F = this.input.fields, heads = config.attentionHeads;
    const size = config.attentionSize;
    this.layers = [];
    let inDim = config.embedDim;
    for (let l = 0; l < config.attentionLayers; l++) {
      this.layers.push(
        new SelfAttention(store, `attention.${l}`, { inDim, heads, headDim: size, fields: F }),
      );
      inDim = heads * size;
    }
    this.out = new Dense(store, "attention_out", { inDim: F * inDim, outDim: 1 });
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size;
    this.input.forward(batch, true);
    let h = this.input.x0;
    for (const layer of this.layers) h = layer.forward(h, n);
    return this.out.forward(h, n);
  }

  backward(dLogits: Floats, n: number): void {
    this.input.beginBackward(n);
    let g = this.out.backward(dLogits, n);
    for (let l = this.layers.length - 1; l >= 0; l--) g = this.layers[l].backward(g, n);
    this.input.addX0Grad(g, n);
    this.input.backward(n);
  }
}

/**
 * AutoInt's registry entry. Knowledge joins x0 as fields, so `knowledge.expertArch` must end in
 * `embedDim`.
 *
 * @example
 * ```ts
 * import { autoIntBackbone } from "./autoint.ts";
 * console.log(autoIntBackbone.defaults.attentionSize); // 64
 * ```
 */
export const autoIntBackbone: Backbone<AutoIntOptions> = {
  defaults: Object.freeze({ attentionLayers: 3, attentionHeads: 1, attentionSize: 64 }),
  resolve(config, shared) {
    const d = this.defaults;
    const out = {
      ...shared,
      attentionLayers: positiveInt(config.attentionLayers ?? d.attentionLayers, "attentionLayers"),
      attentionHeads: positiveInt(config.attentionHeads ?? d.attentionHeads, "attentionHeads"),
      attentionSize: positiveInt(config.attentionSize ?? d.attentionSize, "attentionSize"),
    };
    knowledgeAsFields(out, "autoint");
    return out;
  },
  create: (config) => new AutoInt(config),
};
