/**
 * A toy backbone written the way a new one is added: one file holding the model, its own option
 * with its default, and its registry entry. `registry_test.ts` registers it (the one other place a
 * new backbone touches) and trains it.
 *
 * @module
 */
import { positiveInt } from "../../backbone/config.ts";
import { type BatchView, InputLayer } from "../../backbone/input_layer.ts";
import { MlpHead } from "../../backbone/layers/head.ts";
import type { Backbone, CtrModel } from "../../backbone/model.ts";
import { ParamStore } from "../../backbone/param.ts";
import type { Floats, ResolvedBaseConfig } from "../../backbone/types.ts";

/** The toy's one option. */
export interface ToyOptions {
  /**
   * Width of its single hidden layer.
   * @default 6
   */
  toyHidden?: number;
}

type ToyConfig = ResolvedBaseConfig & Required<ToyOptions>;

/** `logit = MLP([toyHidden])(x0)`: x0 is the input layer's item, mean-history and knowledge. */
class Toy implements CtrModel {
  readonly name = "toy";
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly head: MlpHead;

  constructor(readonly config: ToyConfig) {
    this.store = new ParamStore({ seed: config.seed, dtype: config.dtype });
    this.input = new InputLayer(this.store, config, { historySteps: false });
    this.head = new MlpHead(this.store, { inDim: this.input.x0Dim, widths: [config.toyHidden] });
  }

  forward(batch: BatchView): Floats {
    this.input.forward(batch, true);
    return this.head.forward(this.input.x0, batch.size);
  }

  backward(dLogits: Floats, n: number): void {
    this.input.beginBackward(n);
    this.input.addX0Grad(this.head.backward(dLogits, n), n);
    this.input.backward(n);
  }
}

/** The toy's registry entry. */
export const toyBackbone: Backbone<ToyOptions> = {
  defaults: { toyHidden: 6 },
  resolve: (config, shared) => ({
    ...shared,
    toyHidden: positiveInt(config.toyHidden ?? toyBackbone.defaults.toyHidden, "toyHidden"),
  }),
  create: (config) => new Toy(config),
};
