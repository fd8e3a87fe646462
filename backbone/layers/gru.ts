/**
 * The recurrent kernel every GRU-based backbone shares (docs/method.md#gru): a gated recurrent
 * unit cell in torch's layout (`r, z, n` gates, separate input and hidden biases), its
 * attentional variants AGRU and AUGRU, and a runner over a masked history of fixed length.
 *
 * @module
 */
import { linearBackward, linearForward } from "../kernels.ts";
import { ensure, type Param, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";

/**
 * How a cell mixes the previous state `h` with the candidate `c = tanh(W_in x + b_in + r ⊙
 * (W_hn h + b_hn))`, where `r = σ(W_ir x + b_ir + W_hr h + b_hr)` and `z` likewise:
 * - `gru`: torch's GRU, `h′ = (1 − z) ⊙ c + z ⊙ h`;
 * - `agru`: the attention score `a` replaces the update gate, `h′ = (1 − a)·h + a·c` (the `z`
 *   rows of the weights are kept for one layout but not read);
 * - `augru`: the update gate is scaled by `a`, `u = a·z`, `h′ = (1 − u) ⊙ h + u ⊙ c`.
 *
 * @example
 * ```ts
 * import type { GruVariant } from "./gru.ts";
 * const variant: GruVariant = "augru";
 * ```
 */
export type GruVariant = "gru" | "agru" | "augru";

/**
 * The activations of one cell step, kept for its backward. Create one per step of an unrolled
 * sequence with {@linkcode GruCell.createStep}; a step's buffers grow with the row count.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { GruCell, type GruStep } from "./gru.ts";
 * const cell = new GruCell(new ParamStore({ seed: 1 }), "gru", { inDim: 3, hiddenDim: 2 });
 * const step: GruStep = cell.createStep();
 * ```
 */
export interface GruStep {
  /** The new state h′, `n × hiddenDim` (first `n` rows valid). */
  out: Floats;
  /** Per row `[r; z; c]`, `n × 3·hiddenDim`. */
  gates: Floats;
  /** Per row `W_h h + b_h` (its last third, `W_hn h + b_hn`, is what backward reads). */
  hidden: Floats;
  /** The step's input, kept by reference. */
  x: Floats;
  /** The step's previous state, kept by reference. */
  h: Floats;
  /** Attention scores (`n`) of `agru`/`augru`, else null. */
  attention: Floats | null;
  /** 1 = real row, 0 = padded row that keeps `h`; null means every row is real. */
  mask: Floats | null;
}

/** Where {@linkcode GruCell.backward} writes the input gradients (each overwritten, `n` rows). */
export interface GruStepGrads {
  /** Gradient w.r.t. x, `n × inDim`; null skips it. */
  dx: Floats | null;
  /** Gradient w.r.t. the previous state, `n × hiddenDim`; null skips it. Must not alias dOut. */
  dh: Floats | null;
  /** Gradient w.r.t. the attention scores, `n` (`agru`/`augru` only). */
  dAttention?: Floats | null;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * One GRU cell applied to `n` rows at a time: `x` (`n × inDim`), `h` (`n × hiddenDim`) → `h′`.
 * The input and hidden products run as two GEMMs over the rows (`backbone/kernels.ts`).
 * Weights are xavier-normal, biases zero. Backward adds the weight and bias gradients into the
 * parameters and returns nothing else but the input gradients it is asked for.
 *
 * Tensor names (torch's): `{name}.weight_ih` `[3H, in]`, `{name}.weight_hh` `[3H, H]`,
 * `{name}.bias_ih` `[3H]`, `{name}.bias_hh` `[3H]`, rows in the order r, z, n.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { GruCell } from "./gru.ts";
 * const cell = new GruCell(new ParamStore({ seed: 1 }), "gru", { inDim: 3, hiddenDim: 2 });
 * const x = new Float32Array([1, 2, 3, 4, 5, 6]), h = new Float32Array(4); // 2 rows
 * const step = cell.createStep();
 * const h1 = cell.forward(x, h, 2, step); // 2 rows of 2
 * const dx = new Float32Array(6), dh = new Float32Array(4);
 * cell.backward(new Float32Array([1, 0, 0, 1]), 2, step, { dx, dh });
 * ```
 */
export class GruCell {
  /** Width of x. */
  readonly inDim: number;
  /** Width of the state, H. */
  readonly hiddenDim: number;
  /** How the state is updated. */
  readonly variant: GruVariant;
  /** `[W_ir; W_iz; W_in]`, `[3H, inDim]`. */
  readonly weightIh: Param;
  /** `[W_hr; W_hz; W_hn]`, `[3H, H]`. */
  readonly weightHh: Param;
  /** `[b_ir; b_iz; b_in]`. */
  readonly biasIh: Param;
  /** `[b_hr; b_hz; b_hn]`. */
  readonly biasHh: Param;
  readonly #store: ParamStore;
  #dGi: Floats;
  #dGh: Floats;

  /** Creates the four tensors under `name` in `store`; `variant` defaults to `gru`. */
  constructor(
    store: ParamStore,
    name: string,
    options: { inDim: number; hiddenDim: number; variant?: GruVariant },
  ) {
    this.#store = store;
    const I = this.inDim = options.inDim, H = this.hiddenDim = options.hiddenDim;
    this.variant = options.variant ?? "gru";
    this.weightIh = store.add(`${name}.weight_ih`, [3 * H, I], { kind: "xavierNormal" });
    this.weightHh = store.add(`${name}.weight_hh`, [3 * H, H], { kind: "xavierNormal" });
    this.biasIh = store.add(`${name}.bias_ih`, [3 * H], { kind: "zeros" });
    this.biasHh = store.add(`${name}.bias_hh`, [3 * H], { kind: "zeros" });
    this.#dGi = this.#dGh = store.alloc(0);
  }

  /** Empty buffers for one step. */
  createStep(): GruStep {
    const z = this.#store.alloc(0);
    return { out: z, gates: z, hidden: z, x: z, h: z, attention: null, mask: null };
  }

  /**
   * One step over `n` rows; returns `step.out`. `options.attention` (`n` scores) is required by
   * `agru` and `augru`; rows where `options.mask` is 0 keep their previous state.
   */
  forward(
    x: Floats,
    h: Floats,
    n: number,
    step: GruStep,
    options: { attention?: Floats | null; mask?: Floats | null } = {},
  ): Floats {
    const I = this.inDim, H = this.hiddenDim, G = 3 * H, store = this.#store;
    const a = options.attention ?? null, mask = options.mask ?? null;
    if (this.variant !== "gru" && a === null) {
      throw new Error(`GruCell: the ${this.variant} variant needs attention scores`);
    }
    step.x = x;
    step.h = h;
    step.attention = a;
    step.mask = mask;
    const gi = step.gates = ensure(store, step.gates, n * G);
    const gh = step.hidden = ensure(store, step.hidden, n * G);
    const out = step.out = ensure(store, step.out, n * H);
    linearForward(x, this.weightIh.value, this.biasIh.value, gi, { rows: n, inDim: I, outDim: G });
    linearForward(h, this.weightHh.value, this.biasHh.value, gh, { rows: n, inDim: H, outDim: G });
    for (let r = 0; r < n; r++) {
      const o = r * G, ho = r * H;
      if (mask !== null && mask[r] === 0) {
        for (let j = 0; j < H; j++) out[ho + j] = h[ho + j];
        continue;
      }
      const ar = a === null ? 0 : a[r];
      for (let j = 0; j < H; j++) {
        const rg = sigmoid(gi[o + j] + gh[o + j]);
        const zg = sigmoid(gi[o + H + j] + gh[o + H + j]);
        const c = Math.tanh(gi[o + 2 * H + j] + rg * gh[o + 2 * H + j]);
        gi[o + j] = rg;
        gi[o + H + j] = zg;
        gi[o + 2 * H + j] = c;
        const hp = h[ho + j];
        if (this.variant === "gru") out[ho + j] = (1 - zg) * c + zg * hp;
        else if (this.variant === "agru") out[ho + j] = (1 - ar) * hp + ar * c;
        else out[ho + j] = (1 - ar * zg) * hp + ar * zg * c;
      }
    }
    return out;
  }

  /**
   * Backward of `step` from dL/dh′ (`dOut`, `n × hiddenDim`): adds the parameter gradients and
   * writes the input gradients `grads` asks for. Padded rows pass `dOut` straight to `dh`.
   */
  backward(dOut: Floats, n: number, step: GruStep, grads: GruStepGrads): void {
    const I = this.inDim, H = this.hiddenDim, G = 3 * H, store = this.#store;
    const { gates, hidden, h, attention: a, mask } = step;
    const dGi = this.#dGi = ensure(store, this.#dGi, n * G);
    const dGh = this.#dGh = ensure(store, this.#dGh, n * G);
    const dh = grads.dh, dA = grads.dAttention ?? null;
    for (let r = 0; r < n; r++) {
      const o = r * G, ho = r * H;
      if (mask !== null && mask[r] === 0) {
        dGi.fill(0, o, o + G);
        dGh.fill(0, o, o + G);
        if (dh !== null) { for (let j = 0; j < H; j++) dh[ho + j] = dOut[ho + j]; }
        if (dA !== null) dA[r] = 0;
        continue;
      }
      const ar = a === null ? 0 : a[r];
      let da = 0;
      for (let j = 0; j < H; j++) {
        const g = dOut[ho + j], hp = h[ho + j];
        const rg = gates[o + j], zg = gates[o + H + j], c = gates[o + 2 * H + j];
        let dc: number, dz: number, dhDirect: number;
        if (this.variant === "gru") {
          dc = g * (1 - zg);
          dz = g * (hp - c);
          dhDirect = g * zg;
        } else if (this.variant === "agru") {
          dc = g * ar;
          dz = 0;
          da += g * (c - hp);
          dhDirect = g * (1 - ar);
        } else {
          const du = g * (c - hp);
          dc = g * ar * zg;
          dz = du * ar;
          da += du * zg;
          dhDirect = g * (1 - ar * zg);
        }
        const dn = dc * (1 - c * c);
        const dr = dn * hidden[o + 2 * H + j] * rg * (1 - rg);
        const dzp = dz * zg * (1 - zg);
        dGi[o + j] = dGh[o + j] = dr;
        dGi[o + H + j] = dGh[o + H + j] = dzp;
        dGi[o + 2 * H + j] = dn;
        dGh[o + 2 * H + j] = dn * rg;
        if (dh !== null) dh[ho + j] = dhDirect;
      }
      if (dA !== null) dA[r] = da;
    }
    linearBackward(dGi, step.x, this.weightIh.value, {
      dw: this.weightIh.grad,
      db: this.biasIh.grad,
      dx: grads.dx,
    }, { rows: n, inDim: I, outDim: G, accumulate: false });
    linearBackward(dGh, h, this.weightHh.value, {
      dw: this.weightHh.grad,
      db: this.biasHh.grad,
      dx: dh,
    }, { rows: n, inDim: H, outDim: G, accumulate: true });
  }
}

/**
 * A {@linkcode GruCell} run from a zero state over `steps` positions of a history laid out
 * batch-major (`n × steps × inDim`, row `b·steps + τ`, as `InputLayer.hist`). Positions whose
 * mask is 0 keep the previous state, so the last state is the one after the last real item and
 * a padded position's output repeats its predecessor's. Scores for `agru`/`augru` are `n × steps`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { GruSequence } from "./gru.ts";
 * const gru = new GruSequence(new ParamStore({ seed: 1 }), "gru", {
 *   inDim: 3, hiddenDim: 2, steps: 4,
 * });
 * const x = new Float32Array(2 * 4 * 3).fill(0.5), mask = new Float32Array(8).fill(1);
 * const states = gru.forward(x, mask, 2); // 2·4 rows of 2; gru.last holds the final states
 * const dx = gru.backward(states.slice(), null, 2); // dL/dstates = states
 * ```
 */
export class GruSequence {
  /** The cell applied at every position. */
  readonly cell: GruCell;
  /** History length T. */
  readonly steps: number;
  /** Output states, `n × steps × hiddenDim`. */
  states: Floats;
  /** The state after the last position, `n × hiddenDim`. */
  last: Floats;
  /** Input gradient, `n × steps × inDim`. */
  dx: Floats;
  /** Gradient w.r.t. the attention scores, `n × steps` (`agru`/`augru`). */
  dAttention: Floats;
  readonly #store: ParamStore;
  readonly #cache: GruStep[];
  /** Time-major copies: inputs, masks, scores, and their gradients. */
  #xT: Floats;
  #maskT: Floats;
  #aT: Floats;
  #dxT: Floats;
  #daT: Floats;
  #h0: Floats;
  #dOut: Floats;
  #dh: Floats;

  /** Creates the cell's tensors under `name`; `variant` defaults to `gru`. */
  constructor(
    store: ParamStore,
    name: string,
    options: { inDim: number; hiddenDim: number; steps: number; variant?: GruVariant },
  ) {
    this.#store = store;
    this.cell = new GruCell(store, name, options);
    this.steps = options.steps;
    this.#cache = Array.from({ length: options.steps }, () => this.cell.createStep());
    const z = store.alloc(0);
    this.states =
      this.last =
      this.dx =
      this.dAttention =
        z;
    this.#xT =
      this.#maskT =
      this.#aT =
      this.#dxT =
      this.#daT =
      this.#h0 =
      this.#dOut =
      this.#dh =
        z;
  }

  /** Runs the history `x` with `mask` (`n × steps`); returns `states`. */
  forward(x: Floats, mask: Floats, n: number, attention: Floats | null = null): Floats {
    const T = this.steps, I = this.cell.inDim, H = this.cell.hiddenDim, store = this.#store;
    const xT = this.#xT = ensure(store, this.#xT, T * n * I);
    const maskT = this.#maskT = ensure(store, this.#maskT, T * n);
    for (let b = 0; b < n; b++) {
      for (let t = 0; t < T; t++) {
        xT.set(x.subarray((b * T + t) * I, (b * T + t + 1) * I), (t * n + b) * I);
        maskT[t * n + b] = mask[b * T + t];
      }
    }
    if (attention !== null) {
      const aT = this.#aT = ensure(store, this.#aT, T * n);
      for (let b = 0; b < n; b++) for (let t = 0; t < T; t++) aT[t * n + b] = attention[b * T + t];
    }
    this.#h0 = ensure(store, this.#h0, n * H);
    this.#h0.fill(0, 0, n * H);
    const states = this.states = ensure(store, this.states, n * T * H);
    let h = this.#h0;
    for (let t = 0; t < T; t++) {
      h = this.cell.forward(xT.subarray(t * n * I), h, n, this.#cache[t], {
        attention: attention === null ? null : this.#aT.subarray(t * n),
        mask: maskT.subarray(t * n),
      });
      for (let b = 0; b < n; b++) states.set(h.subarray(b * H, (b + 1) * H), (b * T + t) * H);
    }
    this.last = h;
    return states;
  }

  /**
   * Backward from dL/dstates (`n × steps × hiddenDim`) and/or dL/dlast (`n × hiddenDim`), either
   * may be null. Returns `dx` (own buffer); fills `dAttention` when scores were given.
   */
  backward(dStates: Floats | null, dLast: Floats | null, n: number): Floats {
    const T = this.steps, I = this.cell.inDim, H = this.cell.hiddenDim, store = this.#store;
    const withScores = this.#cache[0].attention !== null;
    const dxT = this.#dxT = ensure(store, this.#dxT, T * n * I);
    const daT = this.#daT = ensure(store, this.#daT, T * n);
    let dOut = this.#dOut = ensure(store, this.#dOut, n * H);
    let dh = this.#dh = ensure(store, this.#dh, n * H);
    if (dLast !== null) dOut.set(dLast.subarray(0, n * H));
    else dOut.fill(0, 0, n * H);
    for (let t = T - 1; t >= 0; t--) {
      if (dStates !== null) {
        for (let b = 0; b < n; b++) {
          for (let j = 0; j < H; j++) dOut[b * H + j] += dStates[(b * T + t) * H + j];
        }
      }
      this.cell.backward(dOut, n, this.#cache[t], {
        dx: dxT.subarray(t * n * I),
        dh: t > 0 ? dh : null,
        dAttention: withScores ? daT.subarray(t * n) : null,
      });
      [dOut, dh] = [dh, dOut];
    }
    const dx = this.dx = ensure(store, this.dx, n * T * I);
    for (let b = 0; b < n; b++) {
      for (let t = 0; t < T; t++) {
        dx.set(dxT.subarray((t * n + b) * I, (t * n + b + 1) * I), (b * T + t) * I);
      }
    }
    if (withScores) {
      const dA = this.dAttention = ensure(store, this.dAttention, n * T);
      for (let b = 0; b < n; b++) for (let t = 0; t < T; t++) dA[b * T + t] = daT[t * n + b];
    }
    return dx;
  }
}
