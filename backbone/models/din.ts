/**
 * DIN (docs/method.md#din): history steps mapped by a Linear to |q|, DIN attention pooling,
 * `logit = FinalMLP([u; q; dens])`.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Dense } from "../layers/dense.ts";
import { DinAttention } from "../layers/din_attention.ts";
import { MlpHead } from "../layers/head.ts";
import { widths } from "../config.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, ParamStore } from "../param.ts";
import type { Floats, ForwardMode, ResolvedBaseConfig } from "../types.ts";

/**
 * DIN's own options.
 *
 * @example
 * ```ts
 * import type { DinOptions } from "./din.ts";
 * const o: DinOptions = { attentionMlp: [64, 32] };
 * ```
 */
export interface DinOptions {
  /**
   * Attention MLP widths.
   * @default [32, 16]
   */
  attentionMlp?: number[];
  /**
   * Momentum of Dice's running statistics, `running = (1 − m)·running + m·batch` after every
   * training batch (batch normalisation's convention and default).
   * @default 0.1
   */
  diceMomentum?: number;
}

/**
 * A resolved DIN configuration.
 *
 * @example
 * ```ts
 * import type { DinConfig } from "./din.ts";
 * const widthsOf = (c: DinConfig) => c.attentionMlp;
 * ```
 */
export type DinConfig = ResolvedBaseConfig & Required<DinOptions>;

/**
 * Deep Interest Network. Tensor names: the input layer's (`embedding.*`, `adaptor.*`),
 * `map.weight|bias` `[|q|, |h|]`, `attention.{i}.*` and `attention.dice{i}.alpha`,
 * `final_mlp.{i}.*`, `final_fc.*`; state: `attention.dice{i}.running_mean|running_var`.
 *
 * @example
 * ```ts
 * import { Din, dinBackbone } from "./din.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = dinBackbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new Din(config);
 * ```
 */
export class Din implements CtrModel {
  readonly name = "din" as const;
  readonly config: DinConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly map: Dense;
  readonly attention: DinAttention;
  readonly head: MlpHead;
  #mlpIn: Floats;
  #du: Floats;

  /** `config` must be resolved (`dinBackbone.resolve`). */
  constructor(config: DinConfig) {
    this.config = config;
    this.store = new ParamStore({ seed: config.seed, dtype: config.dtype });
    this.input = new InputLayer(this.store, config);
    const { qDim, hDim, densDim } = this.input;
    this.map = new Dense(this.store, "map", { inDim: hDim, outDim: qDim });
    this.attention = new DinAttention(this.store, "attention", {
      dim: qDim,
      steps: config.historyLength,
      widths: config.attentionMlp,
      diceMomentum: config.diceMomentum,
    });
    this.head = new MlpHead(this.store, { inDim: 2 * qDim + densDim, widths: config.mlp });
    this.#mlpIn = this.store.alloc(0);
    this.#du = this.store.alloc(0);
  }

  forward(batch: BatchView, mode: ForwardMode): Floats {
    const n = batch.size, inp = this.input, T = this.config.historyLength;
    inp.forward(batch, false);
    const { qDim, densDim } = inp;
    const keys = this.map.forward(inp.hist, n * T);
    const u = this.attention.forward(inp.q, keys, inp.histMask, n, mode);
    const W = 2 * qDim + densDim;
    this.#mlpIn = ensure(this.store, this.#mlpIn, n * W);
    const x = this.#mlpIn, q = inp.q, dens = inp.dens;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < qDim; j++) {
        x[b * W + j] = u[b * qDim + j];
        x[b * W + qDim + j] = q[b * qDim + j];
      }
      for (let j = 0; j < densDim; j++) x[b * W + 2 * qDim + j] = dens[b * densDim + j];
    }
    return this.head.forward(x, n);
  }

  backward(dLogits: Floats, n: number): void {
    const inp = this.input, T = this.config.historyLength;
    const { qDim, densDim } = inp;
    const W = 2 * qDim + densDim;
    inp.beginBackward(n);
    const dx = this.head.backward(dLogits, n); // rows of [du; dq; dDens]
    const dq = inp.dq, dDens = inp.dDens;
    this.#du = ensure(this.store, this.#du, n * qDim);
    const du = this.#du;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < qDim; j++) {
        du[b * qDim + j] = dx[b * W + j];
        dq[b * qDim + j] += dx[b * W + qDim + j];
      }
      for (let j = 0; j < densDim; j++) dDens[b * densDim + j] += dx[b * W + 2 * qDim + j];
    }
    const dKeys = this.attention.backward(du, dq, n);
    this.map.backward(dKeys, n * T, { into: inp.dHist, accumulate: true });
    inp.backward(n);
  }
}

/**
 * DIN's registry entry.
 *
 * @example
 * ```ts
 * import { dinBackbone } from "./din.ts";
 * console.log(dinBackbone.defaults.attentionMlp); // [32, 16]
 * ```
 */
export const dinBackbone: Backbone<DinOptions> = {
  defaults: Object.freeze({ attentionMlp: Object.freeze([32, 16]) as number[], diceMomentum: 0.1 }),
  resolve(config, shared) {
    const m = config.diceMomentum ?? this.defaults.diceMomentum;
    if (typeof m !== "number" || !(m > 0 && m <= 1)) {
      throw new RangeError(`model config: diceMomentum must be in (0, 1], got ${m}`);
    }
    return {
      ...shared,
      attentionMlp: widths(config.attentionMlp ?? this.defaults.attentionMlp, "attentionMlp"),
      diceMomentum: m,
    };
  },
  create: (config) => new Din(config),
};
