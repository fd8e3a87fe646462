/**
 * The first-order (logistic-regression) term of the FM-family backbones.
 *
 * @module
 */
import type { BatchView, InputLayer } from "../input_layer.ts";
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/**
 * `w_item[i] + Σ_k w_attr[a_k] + dens·w_d`: one weight per item and attribute value (xavier-normal)
 * and, with knowledge, one per adaptor output (uniform on (0, 1)), as DeepFM's first order. Tensor
 * names: `{name}.item` `[items, 1]`, `{name}.attr` `[attributes, 1]`, `{name}.dense` `[densDim, 1]`
 * (with knowledge only).
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { InputLayer } from "../input_layer.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * import { FirstOrder } from "./first_order.ts";
 * const config = resolveSharedConfig({
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 4,
 * });
 * const store = new ParamStore({ seed: 1 });
 * const input = new InputLayer(store, config, { historySteps: false });
 * const linear = new FirstOrder(store, "linear", input, config);
 * console.log(linear.item.shape); // [10, 1]
 * ```
 */
export class FirstOrder {
  readonly item: Param;
  readonly attr: Param;
  readonly dense: Param | null;
  readonly #input: InputLayer;
  readonly #attrFields: number;
  readonly #store: ParamStore;
  #out: Floats;

  constructor(
    store: ParamStore,
    name: string,
    input: InputLayer,
    sizes: { items: number; attributes: number; attrFields: number },
  ) {
    this.#store = store;
    this.#input = input;
    this.#attrFields = sizes.attrFields;
    this.item = store.add(`${name}.item`, [sizes.items, 1], { kind: "xavierNormal" }, {
      sparse: true,
    });
    this.attr = store.add(`${name}.attr`, [sizes.attributes, 1], { kind: "xavierNormal" }, {
      sparse: true,
    });
    this.dense = input.densDim > 0
      ? store.add(`${name}.dense`, [input.densDim, 1], { kind: "uniform", low: 0, high: 1 })
      : null;
    this.#out = store.alloc(0);
  }

  /** The term for each sample of `batch` (own buffer); the input layer's forward must have run. */
  forward(batch: BatchView): Floats {
    const n = batch.size, A = this.#attrFields, dd = this.#input.densDim, dens = this.#input.dens;
    const out = this.#out = ensure(this.#store, this.#out, n);
    const { split } = batch.inputs;
    const wItem = this.item.value, wAttr = this.attr.value, wDense = this.dense?.value;
    for (let b = 0; b < n; b++) {
      const s = batch.index[batch.start + b];
      let first = wItem[split.item[s]];
      for (let f = 0; f < A; f++) first += wAttr[split.attrs[s * A + f]];
      if (wDense) { for (let j = 0; j < dd; j++) first += dens[b * dd + j] * wDense[j]; }
      out[b] = first;
    }
    return out;
  }

  /** Accumulates its gradients and adds `dLogits·w_d` into the input layer's `dDens`. */
  backward(dLogits: Floats, batch: BatchView): void {
    const n = batch.size, A = this.#attrFields, inp = this.#input, dd = inp.densDim;
    const { split } = batch.inputs;
    const item = this.item, attr = this.attr, dense = this.dense;
    for (let b = 0; b < n; b++) {
      const g = dLogits[b], s = batch.index[batch.start + b];
      const it = split.item[s];
      item.grad[it] += g;
      item.markRow(it);
      for (let f = 0; f < A; f++) {
        const a = split.attrs[s * A + f];
        attr.grad[a] += g;
        attr.markRow(a);
      }
      if (dense) {
        for (let j = 0; j < dd; j++) {
          dense.grad[j] += g * inp.dens[b * dd + j];
          inp.dDens[b * dd + j] += g * dense.value[j];
        }
      }
    }
  }
}
