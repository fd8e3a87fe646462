/**
 * Linear-layer products on the WebAssembly SIMD kernel of `gemm.wat`. Operands are copied into
 * the module's memory, padded so that the output width is a multiple of 8, multiplied there and
 * copied back: the copies cost O(n·I + O·I + n·O) against O(n·I·O) multiply-adds.
 * `wasmGemmAvailable()` is false where WebAssembly SIMD is missing; callers fall back to the
 * JavaScript kernels.
 *
 * @module
 */
import { GEMM_WASM_BASE64 } from "./gemm_wasm.ts";

type Gemm = (
  a: number,
  sam: number,
  sak: number,
  b: number,
  c: number,
  m: number,
  k: number,
  n: number,
) => void;

let gemm: Gemm | null = null;
let memory: WebAssembly.Memory | null = null;
let heap: Float32Array = new Float32Array(0);
let failed = false;

function load(): boolean {
  if (gemm) return true;
  if (failed) return false;
  try {
    const bin = atob(GEMM_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    gemm = instance.exports.gemm as Gemm;
    memory = instance.exports.memory as WebAssembly.Memory;
    heap = new Float32Array(memory.buffer);
    return true;
  } catch {
    failed = true;
    return false;
  }
}

/**
 * True when the SIMD kernel compiled on this runtime.
 *
 * @example
 * ```ts
 * import { wasmGemmAvailable } from "./gemm.ts";
 * console.log(wasmGemmAvailable());
 * ```
 */
export function wasmGemmAvailable(): boolean {
  return load();
}

/** Makes the module memory hold `floats` floats and returns the (possibly new) view. */
function reserve(floats: number): Float32Array {
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

const pad8 = (v: number) => (v + 7) & ~7;

/**
 * `y = x·Wᵀ + b` (`x`: rows × inDim, `w`: outDim × inDim).
 *
 * @example
 * ```ts
 * import { wasmGemmAvailable, wasmLinearForward } from "./gemm.ts";
 * if (wasmGemmAvailable()) {
 *   const y = new Float32Array(2);
 *   wasmLinearForward(new Float32Array([1, 2]), new Float32Array([3]), null, y, {
 *     rows: 2, inDim: 1, outDim: 1,
 *   }); // y = [3, 6]
 * }
 * ```
 */
export function wasmLinearForward(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  dims: { rows: number; inDim: number; outDim: number },
): void {
  const { rows: n, inDim: I, outDim: O } = dims;
  const Op = pad8(O);
  const aOff = 0, bOff = n * I, cOff = bOff + I * Op;
  const h = reserve(cOff + n * Op);
  h.set(x.subarray(0, n * I), aOff);
  // B = Wᵀ, zero-padded to Op columns.
  for (let k = 0; k < I; k++) {
    const row = bOff + k * Op;
    for (let o = 0; o < O; o++) h[row + o] = w[o * I + k];
    for (let o = O; o < Op; o++) h[row + o] = 0;
  }
  for (let r = 0; r < n; r++) {
    const row = cOff + r * Op;
    if (b) h.set(b.subarray(0, O), row);
    else h.fill(0, row, row + O);
    h.fill(0, row + O, row + Op);
  }
  gemm!(aOff * 4, I, 1, bOff * 4, cOff * 4, n, I, Op);
  copyOut(h, cOff, Op, y, O, n);
}

/**
 * `dx (+)= dy·W` (`dy`: rows × outDim).
 *
 * @example
 * ```ts
 * import { wasmGemmAvailable, wasmLinearBackwardInput } from "./gemm.ts";
 * if (wasmGemmAvailable()) {
 *   const dx = new Float32Array(2);
 *   wasmLinearBackwardInput(new Float32Array([1]), new Float32Array([3, 4]), dx, {
 *     rows: 1, inDim: 2, outDim: 1, accumulate: false,
 *   }); // dx = [3, 4]
 * }
 * ```
 */
export function wasmLinearBackwardInput(
  dy: Float32Array,
  w: Float32Array,
  dx: Float32Array,
  dims: { rows: number; inDim: number; outDim: number; accumulate: boolean },
): void {
  const { rows: n, inDim: I, outDim: O, accumulate } = dims;
  const Ip = pad8(I);
  const aOff = 0, bOff = n * O, cOff = bOff + O * Ip;
  const h = reserve(cOff + n * Ip);
  h.set(dy.subarray(0, n * O), aOff);
  copyIn(w, I, h, bOff, Ip, O);
  if (accumulate) copyIn(dx, I, h, cOff, Ip, n);
  else h.fill(0, cOff, cOff + n * Ip);
  gemm!(aOff * 4, O, 1, bOff * 4, cOff * 4, n, O, Ip);
  copyOut(h, cOff, Ip, dx, I, n);
}

/**
 * `dW += dyᵀ·x` (bias gradients are left to the caller).
 *
 * @example
 * ```ts
 * import { wasmGemmAvailable, wasmLinearBackwardWeight } from "./gemm.ts";
 * if (wasmGemmAvailable()) {
 *   const dw = new Float32Array(2);
 *   wasmLinearBackwardWeight(new Float32Array([2]), new Float32Array([3, 4]), dw, {
 *     rows: 1, inDim: 2, outDim: 1,
 *   }); // dw = [6, 8]
 * }
 * ```
 */
export function wasmLinearBackwardWeight(
  dy: Float32Array,
  x: Float32Array,
  dw: Float32Array,
  dims: { rows: number; inDim: number; outDim: number },
): void {
  const { rows: n, inDim: I, outDim: O } = dims;
  const Ip = pad8(I);
  const aOff = 0, bOff = n * O, cOff = bOff + n * Ip;
  const h = reserve(cOff + O * Ip);
  h.set(dy.subarray(0, n * O), aOff);
  copyIn(x, I, h, bOff, Ip, n);
  copyIn(dw, I, h, cOff, Ip, O);
  gemm!(aOff * 4, 1, O, bOff * 4, cOff * 4, O, n, Ip);
  copyOut(h, cOff, Ip, dw, I, O);
}

/** Copies `rows` rows of width `w` into heap rows of width `wp` (zero padding). */
function copyIn(
  src: Float32Array,
  w: number,
  h: Float32Array,
  off: number,
  wp: number,
  rows: number,
) {
  if (w === wp) {
    h.set(src.subarray(0, rows * w), off);
    return;
  }
  for (let r = 0; r < rows; r++) {
    h.set(src.subarray(r * w, r * w + w), off + r * wp);
    h.fill(0, off + r * wp + w, off + r * wp + wp);
  }
}

function copyOut(
  h: Float32Array,
  off: number,
  wp: number,
  dst: Float32Array,
  w: number,
  rows: number,
) {
  if (w === wp) {
    dst.set(h.subarray(off, off + rows * w));
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(h.subarray(off + r * wp, off + r * wp + w), r * w);
}
