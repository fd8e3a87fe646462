/**
 * DIN's attention unit and weighted pooling (docs/method.md#din): scores
 * `a_τ = MLP([q; h_τ; q − h_τ; q ⊙ h_τ])` with Dice after each hidden layer, masked but not
 * softmax-normalised, and `u = Σ_τ a_τ h_τ`.
 *
 * The first Linear is computed split by its input blocks, as
 * `(W_q + W_d)·q + [W_k − W_d, W_p]·[h_τ; q ⊙ h_τ] + b`: the query part once per sample instead
 * of once per step, and a product of half the width for the rest (the weights stay one
 * `[w, 4·dim]` tensor). Results differ from the concatenated product by float32 rounding only.
 *
 * @module
 */
import {
  linearBackward,
  linearBackwardInput,
  linearBackwardParams,
  linearForward,
} from "../kernels.ts";
import { ensure, type ParamStore } from "../param.ts";
import type { Floats, ForwardMode } from "../types.ts";
import { Dice } from "./activations.ts";
import { Dense } from "./dense.ts";

/**
 * Tensor names: `{name}.{i}.weight|bias` for the Linear layers (i = 0.. hidden, then the
 * output layer), `{name}.dice{i}.alpha` for the Dice scalars and `{name}.dice{i}.running_mean`,
 * `{name}.dice{i}.running_var` `[steps, width]` for their running statistics.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { DinAttention } from "./din_attention.ts";
 * const store = new ParamStore({ seed: 1 });
 * const att = new DinAttention(store, "attention", { dim: 4, steps: 2, widths: [32, 16] });
 * const q = new Float32Array(3 * 4), h = new Float32Array(3 * 2 * 4);
 * const u = att.forward(q, h, new Float32Array(6).fill(1), 3, "infer"); // 3 rows of 4
 * ```
 */
export class DinAttention {
  readonly dim: number;
  readonly steps: number;
  readonly dense: Dense[];
  readonly dice: Dice[];
  /** Pooled interest `u`, `n × dim`. */
  out: Floats;
  /** Gradient w.r.t. the history keys, `n·T × dim`. */
  dKeys: Floats;
  readonly #store: ParamStore;
  #attIn: Floats;
  #scores: Floats;
  #dScores: Floats;
  #q: Floats;
  #keys: Floats;
  #mask: Floats;
  /** First layer split by input blocks: query weights A, step weights C, their gradients. */
  #a: Floats;
  #c: Floats;
  #dA: Floats;
  #dC: Floats;
  /** `[h_τ; q ⊙ h_τ]` rows, the query part per sample, the first layer's output. */
  #stepIn: Floats;
  #queryPart: Floats;
  #first: Floats;
  #dStepIn: Floats;
  #dFirstSum: Floats;

  constructor(
    store: ParamStore,
    name: string,
    options: { dim: number; steps: number; widths: number[]; diceMomentum?: number },
  ) {
    this.#store = store;
    this.dim = options.dim;
    this.steps = options.steps;
    this.dense = [];
    this.dice = [];
    let inDim = 4 * options.dim;
    options.widths.forEach((w, i) => {
      this.dense.push(new Dense(store, `${name}.${i}`, { inDim, outDim: w }));
      this.dice.push(
        new Dice(store, `${name}.dice${i}`, {
          features: w,
          groups: options.steps,
          momentum: options.diceMomentum,
        }),
      );
      inDim = w;
    });
    this.dense.push(new Dense(store, `${name}.${options.widths.length}`, { inDim, outDim: 1 }));
    const z = store.alloc(0);
    this.out =
      this.dKeys =
      this.#attIn =
      this.#scores =
      this.#dScores =
        z;
    this.#q = this.#keys = this.#mask = z;
    const w0 = options.widths.length > 0 ? options.widths[0] : 1, D = options.dim;
    this.#a = store.alloc(w0 * D);
    this.#dA = store.alloc(w0 * D);
    this.#c = store.alloc(w0 * 2 * D);
    this.#dC = store.alloc(w0 * 2 * D);
    this.#stepIn =
      this.#queryPart =
      this.#first =
      this.#dStepIn =
      this.#dFirstSum =
        z;
  }

  /**
   * `q`: n × dim; `keys`: n·T × dim (row b·T+τ); `mask`: n·T. Returns u (n × dim). `mode` is
   * passed to the Dice layers.
   */
  forward(q: Floats, keys: Floats, mask: Floats, n: number, mode: ForwardMode): Floats {
    const D = this.dim, T = this.steps, store = this.#store;
    const a = this.scores(q, keys, mask, n, mode);
    this.out = ensure(store, this.out, n * D);
    const u = this.out;
    u.fill(0, 0, n * D);
    for (let b = 0; b < n; b++) {
      for (let t = 0; t < T; t++) {
        const r = b * T + t, w = a[r];
        if (w === 0) continue;
        for (let j = 0; j < D; j++) u[b * D + j] += w * keys[r * D + j];
      }
    }
    return u;
  }

  /**
   * The masked scores `a_τ` alone (`n·T`, own buffer), without the pooling: for models that use
   * them otherwise (DIEN's attentional GRUs). Backward with {@linkcode DinAttention.scoresBackward}.
   */
  scores(q: Floats, keys: Floats, mask: Floats, n: number, mode: ForwardMode): Floats {
    const rows = n * this.steps, store = this.#store;
    this.#q = q;
    this.#keys = keys;
    this.#mask = mask;
    let h: Floats = this.dice.length > 0 ? this.#firstForward(n) : this.#concatInput(n);
    for (let i = 0; i < this.dice.length; i++) {
      if (i > 0) h = this.dense[i].forward(h, rows);
      h = this.dice[i].forward(h, rows, mode);
    }
    const raw = this.dense[this.dice.length].forward(h, rows);
    this.#scores = ensure(store, this.#scores, rows);
    const a = this.#scores;
    for (let r = 0; r < rows; r++) a[r] = raw[r] * mask[r];
    return a;
  }

  /** `[q; h_τ; q − h_τ; q ⊙ h_τ]` rows (only without hidden layers: the output layer reads it). */
  #concatInput(n: number): Floats {
    const D = this.dim, T = this.steps, q = this.#q, keys = this.#keys;
    this.#attIn = ensure(this.#store, this.#attIn, n * T * 4 * D);
    const x = this.#attIn;
    for (let r = 0; r < n * T; r++) {
      const xo = r * 4 * D, ko = r * D, qo = Math.floor(r / T) * D;
      for (let j = 0; j < D; j++) {
        const qj = q[qo + j], kj = keys[ko + j];
        x[xo + j] = qj;
        x[xo + D + j] = kj;
        x[xo + 2 * D + j] = qj - kj;
        x[xo + 3 * D + j] = qj * kj;
      }
    }
    return x;
  }

  /** The first hidden Linear, split by input blocks (see the module comment). */
  #firstForward(n: number): Floats {
    const D = this.dim, T = this.steps, rows = n * T, store = this.#store;
    const layer = this.dense[0], W = layer.weight.value, w0 = layer.outDim;
    const A = this.#a, C = this.#c, q = this.#q, keys = this.#keys;
    for (let o = 0; o < w0; o++) {
      const wo = o * 4 * D, ao = o * D, co = o * 2 * D;
      for (let j = 0; j < D; j++) {
        A[ao + j] = W[wo + j] + W[wo + 2 * D + j];
        C[co + j] = W[wo + D + j] - W[wo + 2 * D + j];
        C[co + D + j] = W[wo + 3 * D + j];
      }
    }
    this.#stepIn = ensure(store, this.#stepIn, rows * 2 * D);
    const x = this.#stepIn;
    for (let r = 0; r < rows; r++) {
      const xo = r * 2 * D, ko = r * D, qo = Math.floor(r / T) * D;
      for (let j = 0; j < D; j++) {
        const kj = keys[ko + j];
        x[xo + j] = kj;
        x[xo + D + j] = q[qo + j] * kj;
      }
    }
    this.#queryPart = ensure(store, this.#queryPart, n * w0);
    this.#first = ensure(store, this.#first, rows * w0);
    const qp = this.#queryPart, h = this.#first;
    linearForward(q, A, layer.bias?.value ?? null, qp, { rows: n, inDim: D, outDim: w0 });
    linearForward(x, C, null, h, { rows, inDim: 2 * D, outDim: w0 });
    for (let r = 0; r < rows; r++) {
      const ho = r * w0, qo = Math.floor(r / T) * w0;
      for (let o = 0; o < w0; o++) h[ho + o] += qp[qo + o];
    }
    return h;
  }

  /**
   * Backward of {@linkcode DinAttention.#firstForward} from dL/dh (`n·T × w0`): weight and bias
   * gradients into the layer's tensors, query and key gradients added into `dq` and `dKeys`.
   */
  #firstBackward(g: Floats, dq: Floats, n: number): void {
    const D = this.dim, T = this.steps, rows = n * T, store = this.#store;
    const layer = this.dense[0], w0 = layer.outDim, gw = layer.weight.grad;
    const q = this.#q, keys = this.#keys, dk = this.dKeys, dA = this.#dA, dC = this.#dC;
    this.#dStepIn = ensure(store, this.#dStepIn, rows * 2 * D);
    this.#dFirstSum = ensure(store, this.#dFirstSum, n * w0);
    const dx = this.#dStepIn, gs = this.#dFirstSum;
    dC.fill(0);
    linearBackward(g, this.#stepIn, this.#c, { dw: dC, db: null, dx }, {
      rows,
      inDim: 2 * D,
      outDim: w0,
      accumulate: false,
    });
    gs.fill(0, 0, n * w0);
    for (let r = 0; r < rows; r++) {
      const go = r * w0, so = Math.floor(r / T) * w0;
      for (let o = 0; o < w0; o++) gs[so + o] += g[go + o];
    }
    dA.fill(0);
    const dims = { rows: n, inDim: D, outDim: w0, accumulate: true };
    linearBackwardParams(gs, q, dA, layer.bias?.grad ?? null, dims);
    linearBackwardInput(gs, this.#a, dq, dims);
    for (let o = 0; o < w0; o++) {
      const wo = o * 4 * D, ao = o * D, co = o * 2 * D;
      for (let j = 0; j < D; j++) {
        gw[wo + j] += dA[ao + j];
        gw[wo + D + j] += dC[co + j];
        gw[wo + 2 * D + j] += dA[ao + j] - dC[co + j];
        gw[wo + 3 * D + j] += dC[co + D + j];
      }
    }
    for (let r = 0; r < rows; r++) {
      const xo = r * 2 * D, ko = r * D, qo = Math.floor(r / T) * D;
      for (let j = 0; j < D; j++) {
        const dp = dx[xo + D + j];
        dk[ko + j] += dx[xo + j] + dp * q[qo + j];
        dq[qo + j] += dp * keys[ko + j];
      }
    }
  }

  /** Backward from du (n × dim): adds dq into `dq`, returns dKeys (own buffer). */
  backward(du: Floats, dq: Floats, n: number): Floats {
    const D = this.dim, T = this.steps, rows = n * T, store = this.#store;
    const keys = this.#keys, mask = this.#mask, a = this.#scores;
    this.dKeys = ensure(store, this.dKeys, rows * D);
    this.#dScores = ensure(store, this.#dScores, rows);
    const dk = this.dKeys, ds = this.#dScores;
    for (let b = 0; b < n; b++) {
      for (let t = 0; t < T; t++) {
        const r = b * T + t, w = a[r];
        let s = 0;
        for (let j = 0; j < D; j++) {
          const g = du[b * D + j];
          s += g * keys[r * D + j];
          dk[r * D + j] = w * g;
        }
        ds[r] = s * mask[r];
      }
    }
    return this.#mlpBackward(ds, dq, n);
  }

  /**
   * Backward of {@linkcode DinAttention.scores} from dL/da (`n·T`): adds dq into `dq`, returns
   * dKeys (own buffer).
   */
  scoresBackward(dScores: Floats, dq: Floats, n: number): Floats {
    const rows = n * this.steps, D = this.dim, store = this.#store, mask = this.#mask;
    this.dKeys = ensure(store, this.dKeys, rows * D);
    this.dKeys.fill(0, 0, rows * D);
    this.#dScores = ensure(store, this.#dScores, rows);
    const ds = this.#dScores;
    for (let r = 0; r < rows; r++) ds[r] = dScores[r] * mask[r];
    return this.#mlpBackward(ds, dq, n);
  }

  /** Through the score MLP from the masked dL/da `ds`, adding into dq and `dKeys`. */
  #mlpBackward(ds: Floats, dq: Floats, n: number): Floats {
    const D = this.dim, T = this.steps, rows = n * T;
    const q = this.#q, keys = this.#keys, dk = this.dKeys;
    let g = this.dense[this.dice.length].backward(ds, rows);
    for (let i = this.dice.length - 1; i >= 0; i--) {
      g = this.dice[i].backward(g, rows);
      if (i > 0) g = this.dense[i].backward(g, rows);
    }
    if (this.dice.length > 0) {
      this.#firstBackward(g, dq, n);
      return dk;
    }
    // Without hidden layers g = d[q; k; q − k; q ⊙ k] from the output layer.
    for (let b = 0; b < n; b++) {
      for (let t = 0; t < T; t++) {
        const r = b * T + t, go = r * 4 * D, ko = r * D, qo = b * D;
        for (let j = 0; j < D; j++) {
          const g1 = g[go + j], g2 = g[go + D + j], g3 = g[go + 2 * D + j], g4 = g[go + 3 * D + j];
          dq[qo + j] += g1 + g3 + g4 * keys[ko + j];
          dk[ko + j] += g2 - g3 + g4 * q[qo + j];
        }
      }
    }
    return dk;
  }
}
