/**
 * DeepFM (docs/method.md#deepfm): `logit = first order + FM second order + DNN`.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Dense } from "../layers/dense.ts";
import { Mlp } from "../layers/mlp.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, type Param, ParamStore } from "../param.ts";
import type { Floats, ResolvedBaseConfig } from "../types.ts";

/**
 * First order `w_item[i] + Σ_k w_attr[a_k] + dens·w_d` (w_d initialised U(0, 1)); second order
 * `½ Σ_dim[(Σ_f v_f)² − Σ_f v_f²]` over the d-wide fields of `[q; h̄]` only (knowledge
 * excluded); DNN = MLP on x0 then Linear → 1.
 *
 * Tensor names: the input layer's, `fm.first.item` `[items, 1]`, `fm.first.attr`
 * `[attributes, 1]`, `fm.first.dense` `[densDim, 1]` (with knowledge only), `deep.{i}.*`,
 * `deep_fc.*`.
 *
 * @example
 * ```ts
 * import { DeepFm } from "./deepfm.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const model = new DeepFm(resolveSharedConfig({
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 8, mlp: [16, 8], seed: 1,
 * }));
 * ```
 */
export class DeepFm implements CtrModel {
  readonly name = "deepfm" as const;
  readonly config: ResolvedBaseConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly firstItem: Param;
  readonly firstAttr: Param;
  readonly firstDense: Param | null;
  readonly deep: Mlp;
  readonly deepFc: Dense;
  #logits: Floats;
  #batch: BatchView | null = null;

  /** `config` must be resolved (`resolveSharedConfig`: DeepFM has no options of its own). */
  constructor(config: ResolvedBaseConfig) {
    this.config = config;
    const store = (this.store = new ParamStore({ seed: config.seed, dtype: config.dtype }));
    this.input = new InputLayer(store, config, { historySteps: false });
    this.firstItem = store.add("fm.first.item", [config.items, 1], { kind: "xavierNormal" }, {
      sparse: true,
    });
    this.firstAttr = store.add("fm.first.attr", [config.attributes, 1], { kind: "xavierNormal" }, {
      sparse: true,
    });
    this.firstDense = this.input.densDim > 0
      ? store.add("fm.first.dense", [this.input.densDim, 1], { kind: "uniform", low: 0, high: 1 })
      : null;
    this.deep = new Mlp(store, "deep", { inDim: this.input.x0Dim, widths: config.mlp });
    this.deepFc = new Dense(store, "deep_fc", { inDim: this.deep.outDim, outDim: 1 });
    this.#logits = store.alloc(0);
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size, inp = this.input, A = this.config.attrFields, d = this.config.embedDim;
    this.#batch = batch;
    inp.forward(batch, true);
    const X = inp.x0Dim, F0 = (inp.qDim + inp.hDim) / d, dd = inp.densDim;
    const dnn = this.deepFc.forward(this.deep.forward(inp.x0, n), n);
    this.#logits = ensure(this.store, this.#logits, n);
    const logits = this.#logits, x0 = inp.x0, dens = inp.dens;
    const { split } = batch.inputs;
    const wItem = this.firstItem.value, wAttr = this.firstAttr.value;
    const wDense = this.firstDense?.value;
    for (let b = 0; b < n; b++) {
      const s = batch.index[batch.start + b];
      let first = wItem[split.item[s]];
      for (let f = 0; f < A; f++) first += wAttr[split.attrs[s * A + f]];
      if (wDense) { for (let j = 0; j < dd; j++) first += dens[b * dd + j] * wDense[j]; }
      let second = 0;
      const o = b * X;
      for (let j = 0; j < d; j++) {
        let sum = 0, sumSq = 0;
        for (let f = 0; f < F0; f++) {
          const v = x0[o + f * d + j];
          sum += v;
          sumSq += v * v;
        }
        second += sum * sum - sumSq;
      }
      logits[b] = first + 0.5 * second + dnn[b];
    }
    return logits;
  }

  backward(dLogits: Floats, n: number): void {
    const inp = this.input, A = this.config.attrFields, d = this.config.embedDim;
    const batch = this.#batch!;
    const X = inp.x0Dim, F0 = (inp.qDim + inp.hDim) / d, dd = inp.densDim;
    inp.beginBackward(n);
    const dx0 = this.deep.backward(this.deepFc.backward(dLogits, n), n);
    const x0 = inp.x0, dens = inp.dens, dDens = inp.dDens;
    const { split } = batch.inputs;
    const firstItem = this.firstItem, firstAttr = this.firstAttr, firstDense = this.firstDense;
    for (let b = 0; b < n; b++) {
      const g = dLogits[b], s = batch.index[batch.start + b];
      const it = split.item[s];
      firstItem.grad[it] += g;
      firstItem.markRow(it);
      for (let f = 0; f < A; f++) {
        const a = split.attrs[s * A + f];
        firstAttr.grad[a] += g;
        firstAttr.markRow(a);
      }
      if (firstDense) {
        for (let j = 0; j < dd; j++) {
          firstDense.grad[j] += g * dens[b * dd + j];
          dDens[b * dd + j] += g * firstDense.value[j];
        }
      }
      const o = b * X;
      for (let j = 0; j < d; j++) {
        let sum = 0;
        for (let f = 0; f < F0; f++) sum += x0[o + f * d + j];
        for (let f = 0; f < F0; f++) dx0[o + f * d + j] += g * (sum - x0[o + f * d + j]);
      }
    }
    inp.addX0Grad(dx0, n);
    inp.backward(n);
  }
}

/**
 * DeepFM's registry entry: no options of its own.
 *
 * @example
 * ```ts
 * import { deepFmBackbone } from "./deepfm.ts";
 * console.log(Object.keys(deepFmBackbone.defaults).length); // 0
 * ```
 */
export const deepFmBackbone: Backbone = {
  defaults: Object.freeze({}),
  resolve: (_config, shared) => shared,
  create: (config) => new DeepFm(config),
};
