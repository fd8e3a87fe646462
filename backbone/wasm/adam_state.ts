/**
 * Adam's moments of float32 parameters in a shared WebAssembly memory, with the update of
 * `adam.wat`. The memory is shared so that a data-parallel worker can update some tensors (the
 * dense ones) while the calling thread updates the others (embedding rows, in JavaScript).
 *
 * @module
 */
import { ADAM_WASM_BASE64 } from "./gemm_wasm.ts";

type AdamUpdate = (
  w: number,
  g: number,
  g2: number,
  two: number,
  m: number,
  v: number,
  len: number,
  b1: number,
  a1: number,
  b2: number,
  a2: number,
  eps: number,
  lr: number,
  gs: number,
) => void;

/**
 * The constants of one Adam step.
 *
 * @example
 * ```ts
 * import type { AdamStepConstants } from "./adam_state.ts";
 * const c: AdamStepConstants = { b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 1e-3, gradScale: 1 };
 * ```
 */
export interface AdamStepConstants {
  /** Decay of the first moment. */
  b1: number;
  /** Decay of the second moment. */
  b2: number;
  /** Added to √v. */
  eps: number;
  /** Learning rate with the bias corrections folded in. */
  stepSize: number;
  /** Factor on the gradient (clipping). */
  gradScale: number;
}

/**
 * Adam's float32 constants, each rounded to float32 as the kernel receives it.
 *
 * @example
 * ```ts
 * import { adamConstants32 } from "./adam_state.ts";
 * const k = adamConstants32({ b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 1e-3, gradScale: 1 });
 * console.log(k.a1); // Math.fround(1 - 0.9)
 * ```
 */
export function adamConstants32(
  c: AdamStepConstants,
): { b1: number; a1: number; b2: number; a2: number; eps: number; lr: number; gs: number } {
  const f = Math.fround;
  return {
    b1: f(c.b1),
    a1: f(1 - c.b1),
    b2: f(c.b2),
    a2: f(1 - c.b2),
    eps: f(c.eps),
    lr: f(c.stepSize),
    gs: f(c.gradScale),
  };
}

/**
 * Where a state's moments and staging areas sit in its memory (byte offsets), so that another
 * thread can attach to the same memory.
 *
 * @example
 * ```ts
 * import type { AdamStateLayout } from "./adam_state.ts";
 * const layout: AdamStateLayout = { m: [0], v: [32], sizes: [4], slots: [64] };
 * ```
 */
export interface AdamStateLayout {
  /** Per parameter, its first moments. */
  m: number[];
  /** Per parameter, its second moments. */
  v: number[];
  /** Per parameter, its number of values. */
  sizes: number[];
  /** Per staging slot, its start: room for a tensor's weights and two gradients. */
  slots: number[];
}

const pad8 = (v: number) => (v + 7) & ~7;
/** Largest memory: 1 GiB (16384 pages of 64 KiB). */
const MAX_PAGES = 16384;
/** Staging slots a memory can grow to hold besides the first (a shared memory reserves its maximum). */
const EXTRA_SLOTS = 8;
let module: WebAssembly.Module | null = null;
let failed = false;

function adamModule(): WebAssembly.Module | null {
  if (module || failed) return module;
  try {
    const bin = atob(ADAM_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    module = new WebAssembly.Module(bytes);
  } catch {
    failed = true;
  }
  return module;
}

/**
 * Adam's moments of float32 parameters and their update, four float32 lanes at a time with the
 * same operations as adam.ts's float32 loop (so results are identical). An update copies the
 * weights and gradients into a staging slot and the weights back; `m` and `v` are views that
 * the JavaScript loop uses as well.
 *
 * @example
 * ```ts
 * import { WasmAdamState } from "./adam_state.ts";
 * const state = WasmAdamState.create([4]);
 * if (state) {
 *   const w = new Float32Array(4), g = new Float32Array([1, 1, 1, 1]);
 *   state.update(0, w, g, { b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 0.1, gradScale: 1 });
 *   // w ≈ [-0.1, -0.1, -0.1, -0.1]
 * }
 * ```
 */
export class WasmAdamState {
  /** First moments, one view per parameter. */
  readonly m: Float32Array[];
  /** Second moments, one view per parameter. */
  readonly v: Float32Array[];
  /** The shared memory (post it, with `layout`, to attach from another thread). */
  readonly memory: WebAssembly.Memory;
  /** Where the moments and staging slots are in `memory`. */
  readonly layout: AdamStateLayout;
  readonly #update: AdamUpdate;
  readonly #slotFloats: number;
  #heap: Float32Array;

  private constructor(memory: WebAssembly.Memory, layout: AdamStateLayout) {
    this.memory = memory;
    this.layout = layout;
    const instance = new WebAssembly.Instance(adamModule()!, { env: { memory } });
    this.#update = instance.exports.adam as AdamUpdate;
    this.#heap = new Float32Array(memory.buffer);
    this.#slotFloats = 3 * pad8(Math.max(0, ...layout.sizes));
    this.m = layout.sizes.map((size, k) => new Float32Array(memory.buffer, layout.m[k], size));
    this.v = layout.sizes.map((size, k) => new Float32Array(memory.buffer, layout.v[k], size));
  }

  /**
   * Zeroed moments for parameters of these sizes, or null where the module does not compile or
   * they would not fit in its memory.
   */
  static create(sizes: number[]): WasmAdamState | null {
    const layout: AdamStateLayout = { m: [], v: [], sizes, slots: [] };
    let top = 0, max = 0;
    for (const size of sizes) {
      layout.m.push(4 * top);
      layout.v.push(4 * (top + pad8(size)));
      top += 2 * pad8(size);
      max = Math.max(max, size);
    }
    layout.slots.push(4 * top);
    const initial = Math.ceil((4 * (top + 3 * pad8(max))) / 65536) || 1;
    const maximum = initial + EXTRA_SLOTS * Math.ceil((12 * pad8(max)) / 65536);
    if (!adamModule() || maximum > MAX_PAGES) return null;
    try {
      return new WasmAdamState(new WebAssembly.Memory({ initial, maximum, shared: true }), layout);
    } catch {
      return null; // no address space for the memory: Adam runs in JavaScript
    }
  }

  /**
   * The same state seen from another thread (`memory` and `layout` as posted).
   *
   * @example
   * ```ts
   * import { WasmAdamState } from "./adam_state.ts";
   * const state = WasmAdamState.create([4]);
   * if (state) {
   *   const slot = state.addSlot();
   *   const there = WasmAdamState.attach(state.memory, state.layout);
   *   there.update(0, new Float32Array(4), new Float32Array(4).fill(1), {
   *     b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 0.1, gradScale: 1,
   *   }, { slot }); // state.m[0] now holds the new first moments
   * }
   * ```
   */
  static attach(memory: WebAssembly.Memory, layout: AdamStateLayout): WasmAdamState {
    if (!adamModule()) throw new Error("WasmAdamState.attach: the Adam module does not compile");
    return new WasmAdamState(memory, layout);
  }

  /**
   * Adds a staging slot for another thread's updates; returns its index (a RangeError past the
   * memory's maximum).
   */
  addSlot(): number {
    const bytes = this.memory.buffer.byteLength;
    this.memory.grow(Math.ceil((4 * this.#slotFloats) / 65536));
    this.layout.slots.push(bytes);
    return this.layout.slots.length - 1;
  }

  /**
   * Updates all of parameter `k` (`w`, with gradient `g`, plus `also` when given: another
   * thread's gradient, summed first) and its moments, staging in slot `slot` (default 0).
   */
  update(
    k: number,
    w: Float32Array,
    g: Float32Array,
    c: AdamStepConstants,
    options: { slot?: number; also?: Float32Array } = {},
  ): void {
    const len = this.layout.sizes[k], at = this.layout.slots[options.slot ?? 0] / 4;
    if (this.#heap.buffer.byteLength !== this.memory.buffer.byteLength) {
      this.#heap = new Float32Array(this.memory.buffer);
    }
    const h = this.#heap, gAt = at + pad8(len), g2At = gAt + pad8(len);
    h.set(w.subarray(0, len), at);
    h.set(g.subarray(0, len), gAt);
    if (options.also) h.set(options.also.subarray(0, len), g2At);
    const q = adamConstants32(c);
    this.#update(
      4 * at,
      4 * gAt,
      4 * g2At,
      options.also ? 1 : 0,
      this.layout.m[k],
      this.layout.v[k],
      len,
      q.b1,
      q.a1,
      q.b2,
      q.a2,
      q.eps,
      q.lr,
      q.gs,
    );
    w.set(h.subarray(at, at + len));
  }
}
