/**
 * The compiled module of `gemm.wat` that the kernels of `gemm.ts`, `gemm_cross.ts` and
 * `gemm_attention.ts` run on: which variant loads (relaxed SIMD, with fused multiply-add, where
 * the runtime compiles it, else plain SIMD128; none where neither compiles), its exports, and its
 * memory, grown on demand to hold a product's operands.
 *
 * @module
 */
import { GEMM_SIMD_WASM_BASE64, GEMM_WASM_BASE64 } from "./gemm_wasm.ts";

/** `gemm` export: C = A·B + R (strided A and B, R broadcast when its stride is 0), ReLU optional. */
export type Gemm = (
  a: number,
  sam: number,
  sak: number,
  b: number,
  sbk: number,
  sbn: number,
  nb: number,
  r: number,
  rs: number,
  relu: number,
  c: number,
  m: number,
  k: number,
  n: number,
  scratch: number,
) => void;
/** `colsum` export: adds the column sums of an m × n matrix into a row. */
export type ColSum = (y: number, m: number, n: number, d: number) => void;
/** `relumask` export: zeroes a gradient where the ReLU output is ≤ 0. */
export type ReluMask = (y: number, d: number, len: number) => void;

/**
 * Which compiled module runs the kernels: `relaxed-simd` (fused multiply-add) or `simd`.
 *
 * @example
 * ```ts
 * import type { WasmGemmVariant } from "./gemm_module.ts";
 * const variant: WasmGemmVariant = "simd";
 * ```
 */
export type WasmGemmVariant = "relaxed-simd" | "simd";

const SOURCES: Record<WasmGemmVariant, string> = {
  "relaxed-simd": GEMM_WASM_BASE64,
  "simd": GEMM_SIMD_WASM_BASE64,
};

let compiled: WebAssembly.Module | null = null;
let gemm: Gemm | null = null;
let colsum: ColSum | null = null;
let relumask: ReluMask | null = null;
let memory: WebAssembly.Memory | null = null;
let heap: Float32Array = new Float32Array(0);
let loaded: WasmGemmVariant | null = null;
let failed = false;
let instanceExports: WebAssembly.Exports | null = null;

/** Instantiates one variant; false where this runtime rejects it (no SIMD / relaxed SIMD). */
function instantiate(variant: WasmGemmVariant): boolean {
  try {
    const bin = atob(SOURCES[variant]);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, {});
    compiled = module;
    instanceExports = instance.exports;
    gemm = instance.exports.gemm as Gemm;
    colsum = instance.exports.colsum as ColSum;
    relumask = instance.exports.relumask as ReluMask;
    memory = instance.exports.memory as WebAssembly.Memory;
    heap = new Float32Array(memory.buffer);
    loaded = variant;
    return true;
  } catch {
    return false;
  }
}

function load(): boolean {
  if (gemm) return true;
  if (failed) return false;
  failed = !instantiate("relaxed-simd") && !instantiate("simd");
  return !failed;
}

/**
 * True when a SIMD kernel compiled on this runtime.
 *
 * @example
 * ```ts
 * import { wasmGemmAvailable } from "./gemm_module.ts";
 * console.log(wasmGemmAvailable());
 * ```
 */
export function wasmGemmAvailable(): boolean {
  return load();
}

/**
 * The module in use (`null` where none compiles).
 *
 * @example
 * ```ts
 * import { wasmGemmVariant } from "./gemm_module.ts";
 * console.log(wasmGemmVariant()); // "relaxed-simd" on current Deno
 * ```
 */
export function wasmGemmVariant(): WasmGemmVariant | null {
  load();
  return loaded;
}

/**
 * Switches to another compiled module (e.g. to test the plain SIMD one on a runtime that has
 * relaxed SIMD); returns false, keeping the current one, where this runtime rejects it.
 *
 * @example
 * ```ts
 * import { useWasmGemmVariant } from "./gemm_module.ts";
 * useWasmGemmVariant("simd");
 * useWasmGemmVariant("relaxed-simd");
 * ```
 */
export function useWasmGemmVariant(variant: WasmGemmVariant): boolean {
  if (loaded === variant) return true;
  const keep = { compiled, gemm, colsum, relumask, memory, heap, loaded, instanceExports };
  if (instantiate(variant)) {
    failed = false;
    return true;
  }
  ({ compiled, gemm, colsum, relumask, memory, heap, loaded, instanceExports } = keep);
  return false;
}

/**
 * The loaded module's kernels and exports (load it first, with {@link wasmGemmAvailable}).
 *
 * @example
 * ```ts
 * import { type Gemm, wasmGemmAvailable, wasmGemmExports } from "./gemm_module.ts";
 * if (wasmGemmAvailable()) {
 *   const { gemm } = wasmGemmExports();
 *   console.log(typeof (gemm as Gemm)); // "function"
 * }
 * ```
 */
export function wasmGemmExports(): {
  gemm: Gemm;
  colsum: ColSum;
  relumask: ReluMask;
  exports: WebAssembly.Exports;
} {
  return { gemm: gemm!, colsum: colsum!, relumask: relumask!, exports: instanceExports! };
}

/**
 * Makes the module memory hold `floats` floats and returns the (possibly new) view. Every product
 * lays its operands out from offset 0, so one call per product is enough.
 *
 * @example
 * ```ts
 * import { reserve, wasmGemmAvailable } from "./gemm_module.ts";
 * if (wasmGemmAvailable()) {
 *   const heap = reserve(1024);
 *   heap.length >= 1024; // true
 * }
 * ```
 */
export function reserve(floats: number): Float32Array {
  const bytes = floats * 4;
  const mem = memory!;
  if (mem.buffer.byteLength < bytes) {
    mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / 65536));
  }
  if (heap.buffer !== mem.buffer || heap.length * 4 !== mem.buffer.byteLength) {
    heap = new Float32Array(mem.buffer);
  }
  return heap;
}
