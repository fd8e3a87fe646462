/**
 * AutoInt (METHOD.md §7.3): self-attention layers over the fields of x0, then
 * `logit = Linear(flatten(X_L))`, no DNN.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Dense } from "../layers/dense.ts";
import { SelfAttention } from "../layers/self_attention.ts";
import type { CtrModel } from "../model.ts";
import { ParamStore } from "../param.ts";
import type { Floats, ModelConfig } from "../types.ts";

/**
 * Tensor names: the input layer's, `attention.{l}.query|key|value|residual.weight`,
 * `attention_out.weight|bias` `[1, F·heads·size]`.
 *
 * @example
 * ```ts
 * import { AutoInt } from "./autoint.ts";
 * import { resolveConfig } from "../model.ts";
 * const model = new AutoInt(resolveConfig("autoint", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 8, mlp: [16, 8], seed: 1,
 * }));
 * ```
 */
export class AutoInt implements CtrModel {
  readonly name = "autoint" as const;
  readonly config: ModelConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly layers: SelfAttention[];
  readonly out: Dense;

  /** `config` must be resolved (`resolveConfig`). */
  constructor(config: ModelConfig) {
    this.config = config;
    const store = (this.store = new ParamStore({ seed: config.seed, dtype: config.dtype }));
    this.input = new InputLayer(store, config, { historySteps: false });
    const F = this.input.fields, heads = config.attentionHeads ?? 1;
    const size = config.attentionSize ?? 64;
    this.layers = [];
    let inDim = config.embedDim;
    for (let l = 0; l < (config.attentionLayers ?? 3); l++) {
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
