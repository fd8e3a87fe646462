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
 * Where a state's moments and staging slots sit in its memory (byte offsets), so that another
 * thread holding the same memory can attach to it.
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

/** Floats of one staging slot: room for a tensor's weights and two gradients. */
function slotFloats(sizes: number[]): number {
  return 3 * pad8(sizes.reduce((a, b) => Math.max(a, b), 0));
}

/** The moments of parameters of these sizes from byte `at` on, then `slots` staging slots. */
function layoutAt(at: number, sizes: number[], slots: number): AdamStateLayout {
  const layout: AdamStateLayout = { m: [], v: [], sizes: sizes.slice(), slots: [] };
  let top = at / 4;
  for (const size of sizes) {
    layout.m.push(4 * top);
    layout.v.push(4 * (top + pad8(size)));
    top += 2 * pad8(size);
  }
  for (let i = 0; i < slots; i++) layout.slots.push(4 * (top + i * slotFloats(sizes)));
  return layout;
}

function views(memory: WebAssembly.Memory, at: number[], sizes: number[]): Float32Array[] {
  return sizes.map((size, k) => new Float32Array(memory.buffer, at[k], size));
}

function instantiate(memory: WebAssembly.Memory): AdamUpdate {
  return new WebAssembly.Instance(adamModule()!, { env: { memory } }).exports.adam as AdamUpdate;
}
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
  m: Float32Array[];
  /** Second moments, one view per parameter. */
  v: Float32Array[];
  /** The shared memory the moments live in (`moveTo` moves them). */
  memory: WebAssembly.Memory;
  /** Where the moments and staging slots are in `memory`. */
  layout: AdamStateLayout;
  #update: AdamUpdate;
  #heap: Float32Array;

  private constructor(memory: WebAssembly.Memory, layout: AdamStateLayout) {
    this.memory = memory;
    this.layout = layout;
    this.#update = instantiate(memory);
    this.#heap = new Float32Array(memory.buffer);
    this.m = views(memory, layout.m, layout.sizes);
    this.v = views(memory, layout.v, layout.sizes);
  }

  /**
   * Bytes a state for parameters of these sizes takes with `slots` staging slots.
   *
   * @example
   * ```ts
   * import { WasmAdamState } from "./adam_state.ts";
   * console.log(WasmAdamState.bytes([4, 70], 2)); // moments plus two slots of three 72-float rows
   * ```
   */
  static bytes(sizes: number[], slots: number): number {
    return 4 * (sizes.reduce((n, size) => n + 2 * pad8(size), 0) + slots * slotFloats(sizes));
  }

  /**
   * A shared memory of exactly `bytes` (rounded up to pages), or null where none can be had.
   *
   * @example
   * ```ts
   * import { WasmAdamState } from "./adam_state.ts";
   * const memory = WasmAdamState.memory(WasmAdamState.bytes([4], 1));
   * ```
   */
  static memory(bytes: number): WebAssembly.Memory | null {
    const pages = Math.ceil(bytes / 65536) || 1;
    if (!adamModule() || pages > MAX_PAGES) return null;
    try {
      return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    } catch {
      return null; // no address space for the memory: Adam runs in JavaScript
    }
  }

  /**
   * Zeroed moments for parameters of these sizes, with one staging slot, or null where the module
   * does not compile or they would not fit in a memory.
   */
  static create(sizes: number[]): WasmAdamState | null {
    const memory = WasmAdamState.memory(WasmAdamState.bytes(sizes, 1));
    return memory ? new WasmAdamState(memory, layoutAt(0, sizes, 1)) : null;
  }

  /**
   * The same state seen from another thread: `memory` as posted to it, `layout` as read there.
   *
   * @example
   * ```ts
   * import { WasmAdamState } from "./adam_state.ts";
   * const state = WasmAdamState.create([4]);
   * if (state) {
   *   const there = WasmAdamState.attach(state.memory, state.layout);
   *   there.update(0, new Float32Array(4), new Float32Array(4).fill(1), {
   *     b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 0.1, gradScale: 1,
   *   }); // state.m[0] now holds the new first moments
   * }
   * ```
   */
  static attach(memory: WebAssembly.Memory, layout: AdamStateLayout): WasmAdamState {
    if (!adamModule()) throw new Error("WasmAdamState.attach: the Adam module does not compile");
    return new WasmAdamState(memory, layout);
  }

  /**
   * Moves the moments into `memory` from byte `at` on, with `slots` staging slots after them
   * (`bytes(sizes, slots)` must fit there). A data-parallel group moves a state into the memory
   * its workers already hold.
   */
  moveTo(memory: WebAssembly.Memory, at: number, slots: number): void {
    const layout = layoutAt(at, this.layout.sizes, slots);
    if (at + WasmAdamState.bytes(layout.sizes, slots) > memory.buffer.byteLength) {
      throw new RangeError("WasmAdamState.moveTo: the state does not fit in the memory");
    }
    const m = views(memory, layout.m, layout.sizes), v = views(memory, layout.v, layout.sizes);
    m.forEach((dst, k) => dst.set(this.m[k]));
    v.forEach((dst, k) => dst.set(this.v[k]));
    this.#update = instantiate(memory);
    this.#heap = new Float32Array(memory.buffer);
    this.memory = memory;
    this.layout = layout;
    this.m = m;
    this.v = v;
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
