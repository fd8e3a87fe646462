/**
 * FiBiNET (docs/method.md#fibinet): SENET field re-weighting, one bilinear interaction applied to
 * the fields and to their re-weighted copy, then the final MLP; the authors' design, without a
 * first-order term.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { Bilinear, BILINEAR_TYPES } from "../layers/bilinear.ts";
import { MlpHead } from "../layers/head.ts";
import { Senet } from "../layers/senet.ts";
import { knowledgeAsFields, positiveNumber } from "../config.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, ParamStore } from "../param.ts";
import type { Floats, ResolvedBaseConfig } from "../types.ts";

/**
 * FiBiNET's own options.
 *
 * @example
 * ```ts
 * import type { FiBiNetOptions } from "./fibinet.ts";
 * const o: FiBiNetOptions = { reductionRatio: 2, bilinearType: "interaction" };
 * ```
 */
export interface FiBiNetOptions {
  /**
   * SENET reduction ratio: the excitation's hidden width is `max(1, ⌊fields / ratio⌋)`, so the
   * authors' 0.5 doubles the field count.
   * @default 0.5
   */
  reductionRatio?: number;
  /**
   * How the bilinear interaction shares its `W` (`BilinearType` in `backbone/layers/bilinear.ts`):
   * one for all pairs (the authors' `field_all`), one per left field, or one per pair.
   * @default "all"
   */
  bilinearType?: "all" | "each" | "interaction";
}

/**
 * A resolved FiBiNET configuration.
 *
 * @example
 * ```ts
 * import type { FiBiNetConfig } from "./fibinet.ts";
 * const ratioOf = (c: FiBiNetConfig) => c.reductionRatio;
 * ```
 */
export type FiBiNetConfig = ResolvedBaseConfig & Required<FiBiNetOptions>;

/**
 * The fields `E` are x0 reshaped into d-wide fields (knowledge included, as AutoInt's). SENET
 * (`Senet`) re-weights them into `V`; one bilinear layer (`Bilinear`, its weights shared by both
 * uses, as the authors' code) gives `p` from `E` and `q` from `V`, run as one batch of `2n` rows;
 * `logit = final_fc(final_mlp([p; q]))`.
 *
 * Tensor names: the input layer's, `senet.squeeze|excite.weight`, `bilinear.weight` (or
 * `bilinear.{k}.weight`), `final_mlp.{i}.*`, `final_fc.*`.
 *
 * @example
 * ```ts
 * import { FiBiNet, fiBiNetBackbone } from "./fibinet.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const config = fiBiNetBackbone.resolve(sizes, resolveSharedConfig({ ...sizes, embedDim: 8 }));
 * const model = new FiBiNet(config);
 * console.log(model.bilinear.pairs); // 10 (5 fields)
 * ```
 */
export class FiBiNet implements CtrModel {
  readonly name = "fibinet" as const;
  readonly config: FiBiNetConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  readonly senet: Senet;
  readonly bilinear: Bilinear;
  readonly head: MlpHead;
  /** `[E; V]`: the `n` rows of x0, then the `n` rows of SENET's output. */
  #ev: Floats;
  /** MLP input `[p; q]`, `n × 2·P·d`. */
  #h: Floats;
  #dy: Floats;
  #dev: Floats;

  /** `config` must be resolved (`fiBiNetBackbone.resolve`). */
  constructor(config: FiBiNetConfig) {
    this.config = config;
    const store = (this.store = new ParamStore({ seed: config.seed, dtype: config.dtype }));
    const input = this.input = new InputLayer(store, config, { historySteps: false });
    const fields = input.fields, dim = config.embedDim;
    this.senet = new Senet(store, "senet", {
      fields,
      dim,
      reductionRatio: config.reductionRatio,
    });
    this.bilinear = new Bilinear(store, "bilinear", { fields, dim, type: config.bilinearType });
    const inDim = 2 * this.bilinear.pairs * dim;
    this.head = new MlpHead(store, { inDim, widths: config.mlp });
    this.#ev =
      this.#h =
      this.#dy =
      this.#dev =
        store.alloc(0);
  }

  /** No layer here keeps batch statistics, so every `ForwardMode` computes the same. */
  forward(batch: BatchView): Floats {
    const n = batch.size, inp = this.input, X = inp.x0Dim, store = this.store;
    const PD = this.bilinear.pairs * this.config.embedDim;
    inp.forward(batch, true);
    const ev = this.#ev = ensure(store, this.#ev, 2 * n * X);
    ev.set(inp.x0.subarray(0, n * X));
    ev.set(this.senet.forward(inp.x0, n).subarray(0, n * X), n * X);
    const y = this.bilinear.forward(ev, 2 * n);
    const h = this.#h = ensure(store, this.#h, n * 2 * PD);
    for (let b = 0; b < n; b++) {
      h.set(y.subarray(b * PD, b * PD + PD), 2 * b * PD);
      h.set(y.subarray((n + b) * PD, (n + b) * PD + PD), (2 * b + 1) * PD);
    }
    return this.head.forward(h, n);
  }

  backward(dLogits: Floats, n: number): void {
    const inp = this.input, store = this.store, X = inp.x0Dim;
    const PD = this.bilinear.pairs * this.config.embedDim;
    inp.beginBackward(n);
    const dh = this.head.backward(dLogits, n);
    const dy = this.#dy = ensure(store, this.#dy, 2 * n * PD);
    for (let b = 0; b < n; b++) {
      dy.set(dh.subarray(2 * b * PD, (2 * b + 1) * PD), b * PD);
      dy.set(dh.subarray((2 * b + 1) * PD, (2 * b + 2) * PD), (n + b) * PD);
    }
    const dev = this.#dev = ensure(store, this.#dev, 2 * n * X);
    dev.fill(0, 0, 2 * n * X);
    this.bilinear.backward(dy, 2 * n, dev);
    // dE: the bilinear's on the first n rows, plus SENET's from dV (the last n rows).
    const dx0 = dev.subarray(0, n * X);
    this.senet.backward(dev.subarray(n * X, 2 * n * X), n, dx0);
    inp.addX0Grad(dx0, n);
    inp.backward(n);
  }
}

/**
 * FiBiNET's registry entry: SENET reduction ratio 0.5 and the shared-`W` bilinear type by
 * default, the authors'. Knowledge joins x0 as fields, so `knowledge.expertArch` must end in
 * `embedDim`.
 *
 * @example
 * ```ts
 * import { fiBiNetBackbone } from "./fibinet.ts";
 * console.log(fiBiNetBackbone.defaults.reductionRatio); // 0.5
 * ```
 */
export const fiBiNetBackbone: Backbone<FiBiNetOptions> = {
  // 2: the authors' design and defaults (was FuxiCTR's).
  version: 2,
  defaults: Object.freeze({ reductionRatio: 0.5, bilinearType: "all" as const }),
  resolve(config, shared) {
    const d = this.defaults, type = config.bilinearType ?? d.bilinearType;
    if (!(BILINEAR_TYPES as readonly string[]).includes(type)) {
      throw new RangeError(
        `model config: bilinearType must be one of ${BILINEAR_TYPES.join(", ")}, got ${type}`,
      );
    }
    const out = {
      ...shared,
      reductionRatio: positiveNumber(config.reductionRatio ?? d.reductionRatio, "reductionRatio"),
      bilinearType: type,
    };
    knowledgeAsFields(out, "fibinet");
    return out;
  },
  create: (config) => new FiBiNet(config),
};
