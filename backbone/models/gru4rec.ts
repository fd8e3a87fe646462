/**
 * GRU4Rec as the reference adapts it to CTR (docs/method.md#gru4rec): a GRU over the history,
 * `hist = mean_τ [h_τ; g_τ]`, `item = [q; MHA(q)]`, `logit = FinalMLP([hist; item; dens])`.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Dense } from "../layers/dense.ts";
import { GruSequence } from "../layers/gru.ts";
import { MlpHead } from "../layers/head.ts";
import { positiveInt } from "../config.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, ParamStore } from "../param.ts";
import type { Floats, ResolvedBaseConfig } from "../types.ts";

/**
 * GRU4Rec's own options.
 *
 * @example
 * ```ts
 * import type { Gru4RecOptions } from "./gru4rec.ts";
 * const o: Gru4RecOptions = { gruHidden: 32 };
 * ```
 */
export interface Gru4RecOptions {
  /**
   * State width of the history GRU.
   * @default 64
   */
  gruHidden?: number;
}

/**
 * A resolved GRU4Rec configuration.
 *
 * @example
 * ```ts
 * import type { Gru4RecConfig } from "./gru4rec.ts";
 * const stateWidth = (c: Gru4RecConfig) => c.gruHidden;
 * ```
 */
export type Gru4RecConfig = ResolvedBaseConfig & Required<Gru4RecOptions>;

/**
 * The history GRU (`GruSequence`, masked: padded steps keep the state) gives g_τ; the history
 * feature is the mean over all T steps of `[h_τ; g_τ]`. The item feature is `[q; MHA(q)]`, with
 * the attention taken per sample: over a sequence of one, softmax weighs its single key by 1 for
 * every head, so the attention is its value projection followed by its output projection and
 * the query and key projections (and the head count) drop out. The reference's batch-mixing
 * attention (docs/method.md#gru4rec) is not offered.
 *
 * Tensor names: the input layer's, `history_gru.weight_ih|weight_hh|bias_ih|bias_hh`,
 * `item_attention.value.*` and `item_attention.out.*` `[|q|, |q|]`, `final_mlp.{i}.*`,
 * `final_fc.*`.
 *
 * @example
 * ```ts
 * import { Gru4Rec, gru4RecBackbone } from "./gru4rec.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = gru4RecBackbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new Gru4Rec(config);
 * console.assert(model.head.mlp.inDim === 24 + 64 + 2 * 16); // |h| + 64 + 2|q|
 * ```
 */
export class Gru4Rec implements CtrModel {
  /** The registry name. */
  readonly name = "gru4rec" as const;
  /** The resolved configuration. */
  readonly config: Gru4RecConfig;
  /** Every tensor of the model. */
  readonly store: ParamStore;
  /** Embeddings and the knowledge adaptor. */
  readonly input: InputLayer;
  /** The GRU over the history steps. */
  readonly gru: GruSequence;
  /** The attention's value projection of q. */
  readonly itemValue: Dense;
  /** The attention's output projection. */
  readonly itemOut: Dense;
  /** Final MLP and logit. */
  readonly head: MlpHead;
  #mlpIn: Floats;
  #dOut: Floats;
  #dStates: Floats;

  /** `config` must be resolved (`gru4RecBackbone.resolve`). */
  constructor(config: Gru4RecConfig) {
    this.config = config;
    const store = this.store = new ParamStore({ seed: config.seed, dtype: config.dtype });
    const input = this.input = new InputLayer(store, config);
    const { qDim, hDim, densDim } = input;
    this.gru = new GruSequence(store, "history_gru", {
      inDim: hDim,
      hiddenDim: config.gruHidden,
      steps: config.historyLength,
    });
    this.itemValue = new Dense(store, "item_attention.value", { inDim: qDim, outDim: qDim });
    this.itemOut = new Dense(store, "item_attention.out", { inDim: qDim, outDim: qDim });
    const inDim = hDim + config.gruHidden + 2 * qDim + densDim;
    this.head = new MlpHead(store, { inDim, widths: config.mlp });
    this.#mlpIn = this.#dOut = this.#dStates = store.alloc(0);
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size, inp = this.input, T = this.config.historyLength;
    inp.forward(batch, false);
    const { qDim, hDim, densDim } = inp, H = this.config.gruHidden;
    const states = this.gru.forward(inp.hist, inp.histMask, n);
    const att = this.itemOut.forward(this.itemValue.forward(inp.q, n), n);
    const W = this.head.mlp.inDim;
    const x = this.#mlpIn = ensure(this.store, this.#mlpIn, n * W);
    const q = inp.q, mean = inp.histMean, dens = inp.dens, invT = 1 / T;
    for (let b = 0; b < n; b++) {
      const o = b * W;
      x.set(mean.subarray(b * hDim, (b + 1) * hDim), o);
      x.fill(0, o + hDim, o + hDim + H);
      for (let t = 0; t < T; t++) {
        const so = (b * T + t) * H;
        for (let j = 0; j < H; j++) x[o + hDim + j] += states[so + j];
      }
      for (let j = 0; j < H; j++) x[o + hDim + j] *= invT;
      x.set(q.subarray(b * qDim, (b + 1) * qDim), o + hDim + H);
      x.set(att.subarray(b * qDim, (b + 1) * qDim), o + hDim + H + qDim);
      x.set(dens.subarray(b * densDim, (b + 1) * densDim), o + hDim + H + 2 * qDim);
    }
    return this.head.forward(x, n);
  }

  backward(dLogits: Floats, n: number): void {
    const inp = this.input, T = this.config.historyLength, H = this.config.gruHidden;
    const { qDim, hDim, densDim } = inp, W = this.head.mlp.inDim, store = this.store;
    inp.beginBackward(n);
    const dx = this.head.backward(dLogits, n); // rows of [dh̄; dḡ; dq; dMHA; dDens]
    const dOut = this.#dOut = ensure(store, this.#dOut, n * qDim);
    const dStates = this.#dStates = ensure(store, this.#dStates, n * T * H);
    const dq = inp.dq, dm = inp.dHistMean, dDens = inp.dDens, invT = 1 / T;
    for (let b = 0; b < n; b++) {
      const o = b * W;
      for (let j = 0; j < hDim; j++) dm[b * hDim + j] += dx[o + j];
      for (let t = 0; t < T; t++) {
        const so = (b * T + t) * H;
        for (let j = 0; j < H; j++) dStates[so + j] = dx[o + hDim + j] * invT;
      }
      for (let j = 0; j < qDim; j++) {
        dq[b * qDim + j] += dx[o + hDim + H + j];
        dOut[b * qDim + j] = dx[o + hDim + H + qDim + j];
      }
      for (let j = 0; j < densDim; j++) dDens[b * densDim + j] += dx[o + hDim + H + 2 * qDim + j];
    }
    this.itemValue.backward(this.itemOut.backward(dOut, n), n, { into: dq, accumulate: true });
    const dHist = this.gru.backward(dStates, null, n), dh = inp.dHist;
    for (let i = 0; i < n * T * hDim; i++) dh[i] += dHist[i];
    inp.backward(n);
  }
}

/**
 * GRU4Rec's registry entry: a history GRU of 64 by default (the reference's hidden size).
 *
 * @example
 * ```ts
 * import { gru4RecBackbone } from "./gru4rec.ts";
 * console.log(gru4RecBackbone.defaults.gruHidden); // 64
 * ```
 */
export const gru4RecBackbone: Backbone<Gru4RecOptions> = {
  defaults: Object.freeze({ gruHidden: 64 }),
  resolve(config, shared) {
    return {
      ...shared,
      gruHidden: positiveInt(config.gruHidden ?? this.defaults.gruHidden, "gruHidden"),
    };
  },
  create: (config) => new Gru4Rec(config),
};
