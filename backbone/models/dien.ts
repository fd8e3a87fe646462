/**
 * DIEN (docs/method.md#dien): an interest-extractor GRU over the history, interest evolution
 * against the target item, `logit = FinalMLP([interest; q; dens])`.
 *
 * @module
 */
import { type BatchView, InputLayer } from "../input_layer.ts";
import { DinAttention } from "../layers/din_attention.ts";
import { GruSequence } from "../layers/gru.ts";
import { MlpHead } from "../layers/head.ts";
import { InterestAuxLoss } from "../layers/interest_aux_loss.ts";
import type { Backbone, CtrModel } from "../model.ts";
import { ensure, ParamStore } from "../param.ts";
import type { Floats, ForwardMode, ResolvedBaseConfig } from "../types.ts";
import { dinBackbone, type DinOptions } from "./din.ts";

/**
 * How DIEN evolves the extracted interests s_τ into one interest vector, with DIN attention
 * scores a_τ of the target on them (the reference's `dien_gru`):
 * - `gru`: a second GRU over s_τ, then DIN attention pooling of its states;
 * - `aigru`: a second GRU over a_τ·s_τ, its last state;
 * - `agru`: an AGRU over s_τ driven by a_τ, its last state;
 * - `augru`: an AUGRU over s_τ driven by a_τ, its last state.
 *
 * @example
 * ```ts
 * import type { InterestEvolution } from "./dien.ts";
 * const evolution: InterestEvolution = "augru";
 * ```
 */
export type InterestEvolution = "gru" | "aigru" | "agru" | "augru";

const EVOLUTIONS: readonly InterestEvolution[] = ["gru", "aigru", "agru", "augru"];

/**
 * DIEN's own options: DIN's attention options, the evolution, and the auxiliary loss's weight.
 *
 * @example
 * ```ts
 * import type { DienOptions } from "./dien.ts";
 * const o: DienOptions = { interestEvolution: "aigru", attentionMlp: [32, 16], auxLossWeight: 1 };
 * ```
 */
export interface DienOptions extends DinOptions {
  /**
   * How the interests evolve (the reference trainer's default; its released script uses `aigru`).
   * @default "gru"
   */
  interestEvolution?: InterestEvolution;
  /**
   * Weight of the auxiliary loss (next-step prediction from the interest states, see
   * {@linkcode InterestAuxLoss}) added to the BCE in training; 0 (the authors' setting) leaves it
   * out. A weight above 0 needs `historyLength` ≥ 2.
   * @default 0
   */
  auxLossWeight?: number;
}

/**
 * A resolved DIEN configuration.
 *
 * @example
 * ```ts
 * import type { DienConfig } from "./dien.ts";
 * const evolutionOf = (c: DienConfig) => c.interestEvolution;
 * ```
 */
export type DienConfig = ResolvedBaseConfig & Required<DienOptions>;

/**
 * Extractor: a GRU from the history steps (width |h|) to states s_τ of width |q| (masked: a padded
 * step keeps the state). Evolution: see {@link InterestEvolution}; the attention is DIN's
 * (Dice, masked, not normalised), and the evolution GRU keeps width |q|.
 *
 * With `auxLossWeight` > 0, a `train` forward also computes the auxiliary loss on s_τ and
 * `backward` adds its gradient times the weight, so the training loss is BCE + weight · aux; the
 * loss the trainer reports is the BCE only ({@linkcode Dien.auxiliaryLoss} holds the other term).
 * Negatives are drawn within the batch, so data-parallel training draws them within each shard;
 * each shard averages over its own pairs and weighs its term by its share of the step's batch, so
 * the summed gradient weighs the term once, as the BCE.
 *
 * Tensor names: the input layer's, `extractor.weight_ih|weight_hh|bias_ih|bias_hh`,
 * `evolution.*` (the same four), `attention.{i}.*`, `attention.dice{i}.alpha` and its running
 * statistics, `final_mlp.{i}.*`, `final_fc.*`.
 *
 * @example
 * ```ts
 * import { Dien, dienBackbone } from "./dien.ts";
 * import { resolveSharedConfig } from "../config.ts";
 * const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
 * const shared = resolveSharedConfig({ ...sizes, embedDim: 8 });
 * const model = new Dien(dienBackbone.resolve({ ...sizes, interestEvolution: "augru" }, shared));
 * console.log(model.evolution.cell.variant); // "augru"
 * ```
 */
export class Dien implements CtrModel {
  /** The registry name. */
  readonly name = "dien" as const;
  /** The resolved configuration. */
  readonly config: DienConfig;
  /** Every tensor of the model. */
  readonly store: ParamStore;
  /** Embeddings and the knowledge adaptor. */
  readonly input: InputLayer;
  /** The interest extractor GRU. */
  readonly extractor: GruSequence;
  /** The interest evolution GRU (plain, AGRU or AUGRU). */
  readonly evolution: GruSequence;
  /** DIN attention of the target on the interests. */
  readonly attention: DinAttention;
  /** Final MLP and logit. */
  readonly head: MlpHead;
  /** The auxiliary loss on the interest states (used when `auxLossWeight` > 0). */
  readonly aux: InterestAuxLoss;
  #mlpIn: Floats;
  #evolutionIn: Floats;
  #du: Floats;
  #dInterests: Floats;
  #dScores: Floats;
  /** The attention scores of the last forward (not with `gru` evolution). */
  #scores: Floats;

  /** `config` must be resolved (`dienBackbone.resolve`). */
  constructor(config: DienConfig) {
    this.config = config;
    const store = this.store = new ParamStore({ seed: config.seed, dtype: config.dtype });
    const input = this.input = new InputLayer(store, config);
    const { qDim, hDim, densDim } = input, T = config.historyLength, e = config.interestEvolution;
    this.extractor = new GruSequence(store, "extractor", {
      inDim: hDim,
      hiddenDim: qDim,
      steps: T,
    });
    this.evolution = new GruSequence(store, "evolution", {
      inDim: qDim,
      hiddenDim: qDim,
      steps: T,
      variant: e === "agru" || e === "augru" ? e : "gru",
    });
    this.attention = new DinAttention(store, "attention", {
      dim: qDim,
      steps: T,
      widths: config.attentionMlp,
      diceMomentum: config.diceMomentum,
    });
    this.head = new MlpHead(store, { inDim: 2 * qDim + densDim, widths: config.mlp });
    this.aux = new InterestAuxLoss(store, { dim: qDim, stepDim: hDim, steps: T });
    const z = store.alloc(0);
    this.#mlpIn =
      this.#evolutionIn =
      this.#du =
      this.#dInterests =
      this.#dScores =
      this.#scores =
        z;
  }

  /**
   * The auxiliary loss (unweighted) of the last `train` forward; 0 after any other forward, when
   * `auxLossWeight` is 0 (it is not computed then) or when the batch has no pair.
   */
  get auxiliaryLoss(): number {
    return this.aux.value;
  }

  forward(batch: BatchView, mode: ForwardMode): Floats {
    const n = batch.size, inp = this.input, T = this.config.historyLength;
    inp.forward(batch, false);
    const { qDim, densDim } = inp, q = inp.q, mask = inp.histMask;
    const s = this.extractor.forward(inp.hist, mask, n);
    if (mode === "train" && this.config.auxLossWeight > 0) {
      this.aux.forward(s, inp.hist, mask, batch);
    } else this.aux.skip();
    let interest: Floats;
    switch (this.config.interestEvolution) {
      case "gru": {
        const states = this.evolution.forward(s, mask, n);
        interest = this.attention.forward(q, states, mask, n, mode);
        break;
      }
      case "aigru": {
        const a = this.#scores = this.attention.scores(q, s, mask, n, mode);
        const x = this.#evolutionIn = ensure(this.store, this.#evolutionIn, n * T * qDim);
        for (let r = 0; r < n * T; r++) {
          for (let j = 0; j < qDim; j++) x[r * qDim + j] = a[r] * s[r * qDim + j];
        }
        this.evolution.forward(x, mask, n);
        interest = this.evolution.last;
        break;
      }
      default: {
        const a = this.#scores = this.attention.scores(q, s, mask, n, mode);
        this.evolution.forward(s, mask, n, a);
        interest = this.evolution.last;
      }
    }
    const W = 2 * qDim + densDim;
    const x = this.#mlpIn = ensure(this.store, this.#mlpIn, n * W);
    for (let b = 0; b < n; b++) {
      x.set(interest.subarray(b * qDim, (b + 1) * qDim), b * W);
      x.set(q.subarray(b * qDim, (b + 1) * qDim), b * W + qDim);
      x.set(inp.dens.subarray(b * densDim, (b + 1) * densDim), b * W + 2 * qDim);
    }
    return this.head.forward(x, n);
  }

  backward(dLogits: Floats, n: number, share = 1): void {
    const inp = this.input, T = this.config.historyLength, store = this.store;
    const { qDim, hDim, densDim } = inp, W = 2 * qDim + densDim;
    inp.beginBackward(n);
    const dx = this.head.backward(dLogits, n); // rows of [dInterest; dq; dDens]
    const du = this.#du = ensure(store, this.#du, n * qDim);
    const dq = inp.dq, dDens = inp.dDens;
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < qDim; j++) {
        du[b * qDim + j] = dx[b * W + j];
        dq[b * qDim + j] += dx[b * W + qDim + j];
      }
      for (let j = 0; j < densDim; j++) dDens[b * densDim + j] += dx[b * W + 2 * qDim + j];
    }
    const dS = this.#interestsBackward(du, n);
    // dS is rewritten by every backward, so the auxiliary gradient is added in place.
    this.aux.backward(this.config.auxLossWeight * share, dS, inp.dHist, n);
    const dHist = this.extractor.backward(dS, null, n), dh = inp.dHist;
    for (let i = 0; i < n * T * hDim; i++) dh[i] += dHist[i];
    inp.backward(n);
  }

  /** From dL/dinterest to dL/ds (a buffer of this model or of the evolution GRU), adding dq. */
  #interestsBackward(du: Floats, n: number): Floats {
    const T = this.config.historyLength, D = this.input.qDim, rows = n * T, store = this.store;
    const dq = this.input.dq, dS = this.#dInterests = ensure(store, this.#dInterests, rows * D);
    const e = this.config.interestEvolution;
    if (e === "gru") return this.evolution.backward(this.attention.backward(du, dq, n), null, n);
    const dIn = this.evolution.backward(null, du, n);
    let dA = this.evolution.dAttention;
    if (e === "aigru") {
      // x_τ = a_τ·s_τ
      const s = this.extractor.states, a = this.#scores;
      dA = this.#dScores = ensure(store, this.#dScores, rows);
      for (let r = 0; r < rows; r++) {
        let g = 0;
        for (let j = 0; j < D; j++) {
          g += dIn[r * D + j] * s[r * D + j];
          dS[r * D + j] = a[r] * dIn[r * D + j];
        }
        dA[r] = g;
      }
    } else dS.set(dIn.subarray(0, rows * D));
    const dKeys = this.attention.scoresBackward(dA, dq, n);
    for (let i = 0; i < rows * D; i++) dS[i] += dKeys[i];
    return dS;
  }
}

/**
 * DIEN's registry entry: DIN's attention defaults, `gru` evolution and no auxiliary loss by default.
 *
 * @example
 * ```ts
 * import { dienBackbone } from "./dien.ts";
 * console.log(dienBackbone.defaults.interestEvolution); // "gru"
 * ```
 */
export const dienBackbone: Backbone<DienOptions> = {
  defaults: Object.freeze({
    ...dinBackbone.defaults,
    interestEvolution: "gru" as const,
    auxLossWeight: 0,
  }),
  resolve(config, shared) {
    const e = config.interestEvolution ?? this.defaults.interestEvolution;
    if (!EVOLUTIONS.includes(e)) {
      throw new RangeError(
        `model config: interestEvolution must be one of ${EVOLUTIONS.join(", ")}, got ${
          JSON.stringify(e)
        }`,
      );
    }
    const w = config.auxLossWeight ?? this.defaults.auxLossWeight;
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      throw new RangeError(`model config: auxLossWeight must be a non-negative number, got ${w}`);
    }
    if (w > 0 && shared.historyLength < 2) {
      throw new RangeError(
        `model config: auxLossWeight ${w} needs historyLength of at least 2 (the loss predicts ` +
          `step τ + 1 from step τ), got ${shared.historyLength}`,
      );
    }
    return { ...dinBackbone.resolve(config, shared), interestEvolution: e, auxLossWeight: w };
  },
  create: (config) => new Dien(config),
};
