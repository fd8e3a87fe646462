/**
 * The shared input layer of every backbone (docs/method.md#input-layer): embedding lookups for the
 * target item and the history, the history mean, and the knowledge adaptor.
 *
 * @module
 */
import { HybridExpertAdaptor, type KnowledgeAdaptor, MlpAdaptor } from "./layers/hea.ts";
import { ensure, type Param, type ParamStore } from "./param.ts";
import type { CtrInputs, Floats, ResolvedBaseConfig } from "./types.ts";

/**
 * A batch: `size` sample rows `index[start .. start+size)` of `inputs`.
 *
 * @example
 * ```ts
 * import type { BatchView } from "./input_layer.ts";
 * import type { CtrInputs } from "./types.ts";
 * function firstBatch(inputs: CtrInputs, order: Int32Array): BatchView {
 *   return { inputs, index: order, start: 0, size: Math.min(256, order.length) };
 * }
 * ```
 */
export interface BatchView {
  /** The samples the batch is drawn from. */
  inputs: CtrInputs;
  /** Sample rows in batch order (e.g. a shuffled permutation of all rows). */
  index: Int32Array;
  /** Offset of the batch in `index`. */
  start: number;
  /** Number of samples in the batch. */
  size: number;
}

/**
 * Builds, per sample: `q = [E_item(i); E_attr(a_1..A)]`, the history steps
 * `h_τ = [E_item; E_attr(1..A); E_rating]`, `h̄ = mean_τ h_τ` (over all T steps, as the reference),
 * `dens = adaptor(user knowledge, item knowledge)`, and `x0 = [q; h̄; dens]`. Models that only use
 * h̄ pass `{ historySteps: false }`: the steps are then summed straight from the tables and `hist`,
 * `histMask` and `dHist` stay empty, which saves writing and re-reading T rows per sample.
 *
 * Tensor names: `embedding.item` `[items, d]`, `embedding.attr` `[attributes, d]`,
 * `embedding.rating` `[ratingValues, d]`, adaptor tensors under `adaptor.`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "./param.ts";
 * import { InputLayer } from "./input_layer.ts";
 * import { resolveSharedConfig } from "./config.ts";
 * const store = new ParamStore({ seed: 1 });
 * const layer = new InputLayer(store, resolveSharedConfig({
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 2, ratingValues: 6,
 *   embedDim: 4, mlp: [8], seed: 1,
 * }));
 * console.log(layer.x0Dim); // (1+1)·4 + (2+1)·4 = 20
 * ```
 */
export class InputLayer {
  /** Embedding width d. */
  readonly d: number;
  /** Attribute fields per item, A. */
  readonly attrFields: number;
  /** History window T. */
  readonly historyLength: number;
  /** Width of q: (1 + A)·d. */
  readonly qDim: number;
  /** Width of a history step: (2 + A)·d. */
  readonly hDim: number;
  /** Width of dens (0 without knowledge). */
  readonly densDim: number;
  /** Width of x0 = qDim + hDim + densDim. */
  readonly x0Dim: number;
  /** Knowledge vectors are zero-padded to this width (max of user and item widths). */
  readonly knowledgeDim: number;
  /** Item embedding table `embedding.item`. */
  readonly item: Param;
  /** Attribute embedding table `embedding.attr`. */
  readonly attr: Param;
  /** Rating embedding table `embedding.rating`. */
  readonly rating: Param;
  /** The knowledge adaptor; `null` without knowledge. */
  readonly adaptor: KnowledgeAdaptor | null;
  /** Whether `hist`, `histMask` and `dHist` are kept (DIN's attention reads the steps). */
  readonly historySteps: boolean;
  /** Outputs, first `n·width` valid. */
  q: Floats;
  /** History steps h_τ, `n·T·hDim` (empty without history steps). */
  hist: Floats;
  /** History mean h̄, `n·hDim`. */
  histMean: Floats;
  /** Adaptor output dens, `n·densDim`. */
  dens: Floats;
  /** x0 = [q; h̄; dens], `n·x0Dim`. */
  x0: Floats;
  /** Mask of history steps (1 = real item, 0 = padding), `n·T`. */
  histMask: Floats;
  /** Gradients, zeroed by `beginBackward`. */
  dq: Floats;
  /** Gradient of `hist`. */
  dHist: Floats;
  /** Gradient of `histMean`. */
  dHistMean: Floats;
  /** Gradient of `dens`. */
  dDens: Floats;
  readonly #store: ParamStore;
  #knowledge: Floats;
  /** `dHistMean / T` of one sample (without history steps). */
  #dStep: Floats;
  /** The x0 gradient (without history steps), and whether nothing was added since `beginBackward`. */
  #dX0: Floats;
  #dX0Fresh = true;
  #batch: BatchView | null = null;

  /**
   * Creates the embedding tables (and the adaptor, when `config.knowledge` is set) in `store`.
   * `options.historySteps` keeps the history steps (default `true`; DIN needs them).
   */
  constructor(
    store: ParamStore,
    config: ResolvedBaseConfig,
    options: { historySteps?: boolean } = {},
  ) {
    this.#store = store;
    this.historySteps = options.historySteps ?? true;
    const d = (this.d = config.embedDim);
    const A = (this.attrFields = config.attrFields);
    this.historyLength = config.historyLength;
    this.item = store.add("embedding.item", [config.items, d], { kind: "xavierNormal" }, {
      sparse: true,
    });
    this.attr = store.add("embedding.attr", [config.attributes, d], { kind: "xavierNormal" }, {
      sparse: true,
    });
    this.rating = store.add("embedding.rating", [config.ratingValues, d], {
      kind: "xavierNormal",
    }, { sparse: true });
    this.qDim = (1 + A) * d;
    this.hDim = (2 + A) * d;
    const k = config.knowledge;
    if (k) {
      this.knowledgeDim = Math.max(k.userDim, k.itemDim);
      this.adaptor = k.adaptor === "hea"
        ? new HybridExpertAdaptor(store, "adaptor", {
          inDim: this.knowledgeDim,
          sharedExperts: k.sharedExperts,
          specificExperts: k.specificExperts,
          expertArch: k.expertArch,
        })
        : new MlpAdaptor(store, "adaptor", { inDim: this.knowledgeDim, expertArch: k.expertArch });
      this.densDim = 2 * this.adaptor.outDim;
    } else {
      this.knowledgeDim = 0;
      this.adaptor = null;
      this.densDim = 0;
    }
    this.x0Dim = this.qDim + this.hDim + this.densDim;
    const z = store.alloc(0);
    this.q =
      this.hist =
      this.histMean =
      this.dens =
      this.x0 =
      this.histMask =
        z;
    this.dq =
      this.dHist =
      this.dHistMean =
      this.dDens =
      this.#knowledge =
      this.#dX0 =
        z;
    this.#dStep = store.alloc(this.hDim);
  }

  /** Number of d-wide fields in x0 (7 for ML-1M with knowledge, 5 without). */
  get fields(): number {
    return this.x0Dim / this.d;
  }

  /**
   * Looks up one batch. With history steps (DIN), q, the steps and their mean are kept and `x0`
   * is only assembled when `needX0`; without, `x0` is built straight from the tables.
   */
  forward(batch: BatchView, needX0: boolean): void {
    const n = batch.size, d = this.d, A = this.attrFields, qDim = this.qDim, store = this.#store;
    this.#batch = batch;
    if (!this.historySteps) {
      this.#x0Forward(batch);
      this.#finishForward(batch, false);
      return;
    }
    this.q = ensure(store, this.q, n * qDim);
    this.histMean = ensure(store, this.histMean, n * this.hDim);
    const { split } = batch.inputs;
    const itemE = this.item.value, attrE = this.attr.value, q = this.q;
    for (let b = 0; b < n; b++) {
      const s = batch.index[batch.start + b];
      copyRow(itemE, split.item[s] * d, q, b * qDim, d);
      for (let f = 0; f < A; f++) {
        copyRow(attrE, split.attrs[s * A + f] * d, q, b * qDim + (1 + f) * d, d);
      }
    }
    this.#stepsForward(batch);
    this.#finishForward(batch, needX0);
  }

  /** The history steps with their mask, and their mean. */
  #stepsForward(batch: BatchView): void {
    const n = batch.size, d = this.d, A = this.attrFields, T = this.historyLength;
    const hDim = this.hDim, store = this.#store;
    this.hist = ensure(store, this.hist, n * T * hDim);
    this.histMask = ensure(store, this.histMask, n * T);
    const { split } = batch.inputs;
    const itemE = this.item.value, attrE = this.attr.value, ratingE = this.rating.value;
    const hist = this.hist, mean = this.histMean, mask = this.histMask;
    const invT = 1 / T;
    for (let b = 0; b < n; b++) {
      const s = batch.index[batch.start + b];
      const mo = b * hDim;
      mean.fill(0, mo, mo + hDim);
      for (let t = 0; t < T; t++) {
        const st = s * T + t;
        const ho = (b * T + t) * hDim;
        const it = split.histItem[st];
        mask[b * T + t] = it === 0 ? 0 : 1;
        copyRow(itemE, it * d, hist, ho, d);
        for (let f = 0; f < A; f++) {
          copyRow(attrE, split.histAttrs[st * A + f] * d, hist, ho + (1 + f) * d, d);
        }
        copyRow(ratingE, split.histRating[st] * d, hist, ho + (1 + A) * d, d);
        for (let j = 0; j < hDim; j++) mean[mo + j] += hist[ho + j];
      }
      for (let j = 0; j < hDim; j++) mean[mo + j] *= invT;
    }
  }

  /**
   * x0 without history steps: q and the history mean (the sums of `#stepsForward`, in the same
   * order) written straight into x0 from the tables.
   */
  #x0Forward(batch: BatchView): void {
    const n = batch.size, d = this.d, A = this.attrFields, T = this.historyLength;
    const qDim = this.qDim, hDim = this.hDim, X = this.x0Dim;
    const { split } = batch.inputs;
    this.x0 = ensure(this.#store, this.x0, n * X);
    const x0 = this.x0, itemE = this.item.value, attrE = this.attr.value;
    const ratingE = this.rating.value;
    const invT = 1 / T;
    for (let b = 0; b < n; b++) {
      const s = batch.index[batch.start + b], o = b * X, mo = o + qDim;
      copyRow(itemE, split.item[s] * d, x0, o, d);
      for (let f = 0; f < A; f++) {
        copyRow(attrE, split.attrs[s * A + f] * d, x0, o + (1 + f) * d, d);
      }
      x0.fill(0, mo, mo + hDim);
      for (let t = 0; t < T; t++) {
        const st = s * T + t;
        addTo(itemE, split.histItem[st] * d, x0, mo, d);
        for (let f = 0; f < A; f++) {
          addTo(attrE, split.histAttrs[st * A + f] * d, x0, mo + (1 + f) * d, d);
        }
        addTo(ratingE, split.histRating[st] * d, x0, mo + (1 + A) * d, d);
      }
      for (let j = mo; j < mo + hDim; j++) x0[j] *= invT;
    }
  }

  /** Knowledge adaptor and x0. */
  #finishForward(batch: BatchView, needX0: boolean): void {
    const n = batch.size, qDim = this.qDim, hDim = this.hDim, store = this.#store;
    const q = this.q, mean = this.histMean;
    if (this.adaptor) {
      const D = this.knowledgeDim;
      this.#knowledge = ensure(store, this.#knowledge, 2 * n * D);
      const kx = this.#knowledge;
      kx.fill(0, 0, 2 * n * D);
      const user = batch.inputs.userKnowledge!, item = batch.inputs.itemKnowledge!;
      for (let b = 0; b < n; b++) {
        const s = batch.index[batch.start + b];
        const ru = user.row[s], ri = item.row[s];
        if (ru >= 0) copyRow(user.data, ru * user.dim, kx, b * D, user.dim);
        if (ri >= 0) copyRow(item.data, ri * item.dim, kx, (n + b) * D, item.dim);
      }
      this.dens = this.adaptor.forward(kx, n);
    }
    if (!this.historySteps && this.densDim > 0) {
      const X = this.x0Dim, dd = this.densDim, off = qDim + hDim, x0 = this.x0, dens = this.dens;
      for (let b = 0; b < n; b++) copyRow(dens, b * dd, x0, b * X + off, dd);
    } else if (needX0) {
      const X = this.x0Dim, dd = this.densDim;
      this.x0 = ensure(store, this.x0, n * X);
      const x0 = this.x0, dens = this.dens;
      for (let b = 0; b < n; b++) {
        copyRow(q, b * qDim, x0, b * X, qDim);
        copyRow(mean, b * hDim, x0, b * X + qDim, hDim);
        if (dd > 0) copyRow(dens, b * dd, x0, b * X + qDim + hDim, dd);
      }
    }
  }

  /** Zeroes the gradient buffers for a batch of `n`. */
  beginBackward(n: number): void {
    const store = this.#store, T = this.historyLength;
    this.dDens = ensure(store, this.dDens, n * this.densDim);
    this.dDens.fill(0, 0, n * this.densDim);
    if (!this.historySteps) {
      this.#dX0 = ensure(store, this.#dX0, n * this.x0Dim);
      this.#dX0Fresh = true;
      return;
    }
    this.dq = ensure(store, this.dq, n * this.qDim);
    if (this.historySteps) {
      this.dHist = ensure(store, this.dHist, n * T * this.hDim);
      this.dHist.fill(0, 0, n * T * this.hDim);
    }
    this.dHistMean = ensure(store, this.dHistMean, n * this.hDim);
    this.dq.fill(0, 0, n * this.qDim);
    this.dHistMean.fill(0, 0, n * this.hDim);
  }

  /** Adds a gradient w.r.t. x0 (`n × x0Dim`) into dq, dHistMean and dDens. */
  addX0Grad(dx0: Floats, n: number): void {
    const X = this.x0Dim, qDim = this.qDim, hDim = this.hDim, dd = this.densDim;
    const dq = this.dq, dm = this.dHistMean, dDens = this.dDens;
    if (!this.historySteps) {
      // Kept whole (the first call copies): backward scatters q's and the mean's parts from it.
      const g = this.#dX0, len = n * X;
      if (this.#dX0Fresh) g.set(dx0.subarray(0, len));
      else for (let i = 0; i < len; i++) g[i] += dx0[i];
      this.#dX0Fresh = false;
      for (let b = 0; b < n; b++) {
        const o = b * X + qDim + hDim;
        for (let j = 0; j < dd; j++) dDens[b * dd + j] += dx0[o + j];
      }
      return;
    }
    for (let b = 0; b < n; b++) {
      const o = b * X;
      for (let j = 0; j < qDim; j++) dq[b * qDim + j] += dx0[o + j];
      for (let j = 0; j < hDim; j++) dm[b * hDim + j] += dx0[o + qDim + j];
      for (let j = 0; j < dd; j++) dDens[b * dd + j] += dx0[o + qDim + hDim + j];
    }
  }

  /** Pushes the gradients (dq, dHist and dHistMean, or x0's) and dDens into the tables and the adaptor. */
  backward(n: number): void {
    const batch = this.#batch;
    if (!batch) throw new Error("InputLayer.backward called before forward");
    if (!this.historySteps) {
      this.#x0Backward(batch, n);
      if (this.adaptor) this.adaptor.backward(this.dDens, n);
      return;
    }
    const d = this.d, A = this.attrFields, T = this.historyLength;
    const qDim = this.qDim, hDim = this.hDim;
    const { split } = batch.inputs;
    const dq = this.dq, dHist = this.dHist, dm = this.dHistMean;
    const invT = 1 / T;
    const item = this.item, attr = this.attr, rating = this.rating;
    for (let b = 0; b < n; b++) {
      const s = batch.index[batch.start + b];
      addRow(dq, b * qDim, item, split.item[s], d);
      for (let f = 0; f < A; f++) {
        addRow(dq, b * qDim + (1 + f) * d, attr, split.attrs[s * A + f], d);
      }
      for (let t = 0; t < T; t++) {
        const ho = (b * T + t) * hDim;
        for (let j = 0; j < hDim; j++) dHist[ho + j] += dm[b * hDim + j] * invT;
        const st = s * T + t;
        addRow(dHist, ho, item, split.histItem[st], d);
        for (let f = 0; f < A; f++) {
          addRow(dHist, ho + (1 + f) * d, attr, split.histAttrs[st * A + f], d);
        }
        addRow(dHist, ho + (1 + A) * d, rating, split.histRating[st], d);
      }
    }
    if (this.adaptor) this.adaptor.backward(this.dDens, n);
  }

  /** Scatters the x0 gradient of models without history steps into the tables. */
  #x0Backward(batch: BatchView, n: number): void {
    const d = this.d, A = this.attrFields, T = this.historyLength, X = this.x0Dim;
    const qDim = this.qDim, hDim = this.hDim, { split } = batch.inputs;
    const g = this.#dX0, dStep = this.#dStep, invT = 1 / T;
    if (this.#dX0Fresh) g.fill(0, 0, n * X);
    const item = this.item, attr = this.attr, rating = this.rating;
    for (let b = 0; b < n; b++) {
      const s = batch.index[batch.start + b], o = b * X;
      addRow(g, o, item, split.item[s], d);
      for (let f = 0; f < A; f++) addRow(g, o + (1 + f) * d, attr, split.attrs[s * A + f], d);
      // Every step receives dh̄/T, rounded once as the `dHist` route rounds it.
      for (let j = 0; j < hDim; j++) dStep[j] = g[o + qDim + j] * invT;
      for (let t = 0; t < T; t++) {
        const st = s * T + t;
        addRow(dStep, 0, item, split.histItem[st], d);
        for (let f = 0; f < A; f++) {
          addRow(dStep, (1 + f) * d, attr, split.histAttrs[st * A + f], d);
        }
        addRow(dStep, (1 + A) * d, rating, split.histRating[st], d);
      }
    }
  }
}

function copyRow(src: ArrayLike<number>, so: number, dst: Floats, dOff: number, len: number) {
  for (let j = 0; j < len; j++) dst[dOff + j] = src[so + j];
}

function addTo(src: Floats, so: number, dst: Floats, dOff: number, len: number) {
  for (let j = 0; j < len; j++) dst[dOff + j] += src[so + j];
}

function addRow(g: Floats, go: number, table: Param, row: number, d: number) {
  const grad = table.grad, o = row * d;
  for (let j = 0; j < d; j++) grad[o + j] += g[go + j];
  table.markRow(row);
}
