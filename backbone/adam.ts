/**
 * Adam as the reference runs it (HF-style AdamW with weight decay 0): betas (0.9, 0.999),
 * eps 1e-8 added to √v, bias correction folded into the step size. Embedding tables can be
 * updated lazily (only the rows the batch touched), or densely as torch does for non-sparse
 * embeddings (every row moves while its momentum decays). Float32 models compute the update of
 * dense tensors in float32, as torch does for float32 weights (four lanes at a time in
 * WebAssembly); lazily updated embedding rows and float64 models compute in float64.
 *
 * @module
 */
import { wasmKernelsOn } from "./kernels.ts";
import type { Param } from "./param.ts";
import type { Floats } from "./types.ts";
import { adamConstants32, type AdamStepConstants, WasmAdamState } from "./wasm/adam_state.ts";

/**
 * Adam options.
 *
 * @example
 * ```ts
 * import type { AdamOptions } from "./adam.ts";
 * const options: AdamOptions = { lr: 5e-4, embeddingUpdate: "dense" };
 * ```
 */
export interface AdamOptions {
  /** Learning rate (the schedule multiplies it). */
  lr: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to √v (default 1e-8). */
  eps?: number;
  /** `lazy`: update touched embedding rows only; `dense`: update every row. Default lazy. */
  embeddingUpdate?: "lazy" | "dense";
}

/**
 * The optimizer of every backbone: one `step` per batch updates the parameters from their
 * gradients and clears them.
 *
 * @example
 * ```ts
 * import { ParamStore } from "./param.ts";
 * import { Adam } from "./adam.ts";
 * const store = new ParamStore({ seed: 1 });
 * const w = store.add("w", [2], { kind: "zeros" });
 * const adam = new Adam(store.params, { lr: 0.1 });
 * w.grad[0] = 1;
 * adam.step(); // w[0] ≈ -0.1
 * ```
 */
export class Adam {
  /** The parameters it updates. */
  readonly params: Param[];
  /** Learning rate (a schedule may change it between steps). */
  lr: number;
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the second moment. */
  readonly beta2: number;
  /** Added to √v. */
  readonly eps: number;
  /** Which embedding rows a step moves (see `AdamOptions`). */
  readonly embeddingUpdate: "lazy" | "dense";
  /** Steps taken. */
  t = 0;
  /** Moments of a model without the WebAssembly state. */
  readonly #m: Float32Array[];
  readonly #v: Float32Array[];
  /** Float32 models keep the moments in WebAssembly memory and update dense tensors there. */
  readonly #wasm: WasmAdamState | null;

  /** An optimizer for `params` (its float32 moments in WebAssembly memory where that compiles). */
  constructor(params: Param[], options: AdamOptions) {
    this.params = params;
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.embeddingUpdate = options.embeddingUpdate ?? "lazy";
    const float32 = params.every((p) => p.value instanceof Float32Array);
    this.#wasm = float32 ? WasmAdamState.create(params.map((p) => p.size)) : null;
    // With the WebAssembly state the moments are its views, looked up at each update: a
    // data-parallel group may move them.
    this.#m = this.#wasm ? [] : params.map((p) => new Float32Array(p.size));
    this.#v = this.#wasm ? [] : params.map((p) => new Float32Array(p.size));
  }

  /** Squared L2 norm of every current gradient. */
  gradNormSquared(): number {
    let s = 0;
    for (const p of this.params) {
      const g = p.grad;
      if (p.sparse) {
        const rs = p.rowSize;
        for (let i = 0; i < p.touchedCount; i++) {
          const o = p.touchedList[i] * rs;
          for (let j = 0; j < rs; j++) s += g[o + j] * g[o + j];
        }
      } else {
        for (let i = 0; i < g.length; i++) s += g[i] * g[i];
      }
    }
    return s;
  }

  /** One update with the current gradients scaled by `gradScale`, then clears them. */
  step(gradScale = 1): void {
    const c = this.beginStep(gradScale);
    for (let k = 0; k < this.params.length; k++) this.updateParam(k, c);
  }

  /**
   * Counts a step and returns its constants; `updateParam` then updates each parameter (what
   * `step` does on one thread; a data-parallel group splits the parameters between threads).
   */
  beginStep(gradScale = 1): AdamStepConstants {
    this.t++;
    const b1 = this.beta1, b2 = this.beta2;
    const stepSize = this.lr * Math.sqrt(1 - b2 ** this.t) / (1 - b1 ** this.t);
    return { b1, b2, eps: this.eps, stepSize, gradScale };
  }

  /** Updates parameter `k` with the constants of `beginStep`, then clears its gradient. */
  updateParam(k: number, c: AdamStepConstants): void {
    const p = this.params[k], state = this.#wasm;
    const m = state ? state.m[k] : this.#m[k], v = state ? state.v[k] : this.#v[k];
    const w = p.value, g = p.grad;
    const f32 = w instanceof Float32Array && g instanceof Float32Array;
    const lazy = p.sparse && this.embeddingUpdate === "lazy";
    const rows = lazy
      ? { list: p.touchedList, count: p.touchedCount, rowSize: p.rowSize }
      : { list: WHOLE, count: 1, rowSize: p.size };
    // Touched rows are updated in JavaScript, in float64 (cheaper there than float32 rounding,
    // and cheaper than packing scattered rows into the module).
    if (lazy) updateRows(w, g, m, v, rows, c);
    else if (f32 && this.updatesInWasm(k)) this.#wasm!.update(k, w, g, c);
    else if (f32) updateRows32(w, g, m, v, rows, c);
    else updateRows(w, g, m, v, rows, c);
    p.zeroGrad();
  }

  /**
   * True when parameter `k` is updated whole by the WebAssembly kernel (a float32 tensor of 64
   * values or more that is not a lazily updated embedding table).
   */
  updatesInWasm(k: number): boolean {
    const p = this.params[k];
    return this.#wasm !== null && wasmKernelsOn() && p.size >= 64 &&
      !(p.sparse && this.embeddingUpdate === "lazy");
  }

  /** The moments in WebAssembly memory (float32 models where the module compiles), else null. */
  get wasmState(): WasmAdamState | null {
    return this.#wasm;
  }
}

/** Row 0 of a tensor that is one row. */
const WHOLE = new Int32Array(1);

type Rows = { list: Int32Array; count: number; rowSize: number };

/** The Adam update of rows `list[0 .. count)` of `rs` values each, in float64. */
function updateRows(
  w: Floats,
  g: Floats,
  m: Float32Array,
  v: Float32Array,
  rows: Rows,
  c: AdamStepConstants,
) {
  const { b1, b2, eps, stepSize, gradScale } = c;
  const a1 = 1 - b1, a2 = 1 - b2;
  const { list, count, rowSize: rs } = rows;
  for (let r = 0; r < count; r++) {
    const from = list[r] * rs, to = from + rs;
    for (let i = from; i < to; i++) {
      const gi = g[i] * gradScale;
      const mi = (m[i] = b1 * m[i] + a1 * gi);
      const vi = (v[i] = b2 * v[i] + a2 * gi * gi);
      w[i] -= stepSize * mi / (Math.sqrt(vi) + eps);
    }
  }
}

/**
 * The same update in float32 arithmetic, as torch runs it for float32 weights: every operation
 * is rounded to float32, which is what the WebAssembly kernel computes four lanes at a time.
 */
function updateRows32(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  rows: Rows,
  c: AdamStepConstants,
) {
  const f = Math.fround, { b1, a1, b2, a2, eps, lr, gs } = adamConstants32(c);
  const { list, count, rowSize: rs } = rows;
  for (let r = 0; r < count; r++) {
    const from = list[r] * rs, to = from + rs;
    for (let i = from; i < to; i++) {
      const gi = f(g[i] * gs);
      const mi = (m[i] = f(f(b1 * m[i]) + f(a1 * gi)));
      const vi = (v[i] = f(f(b2 * v[i]) + f(f(a2 * gi) * gi)));
      w[i] = f(w[i] - f(f(lr * mi) / f(f(Math.sqrt(vi)) + eps)));
    }
  }
}
