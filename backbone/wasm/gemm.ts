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
let instanceExports: WebAssembly.Exports | null = null;

function load(): boolean {
  if (gemm) return true;
  if (failed) return false;
  try {
    const bin = atob(GEMM_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    instanceExports = instance.exports;
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
  // Bias rows: write the first, then double the filled region (few calls, no per-row views).
  if (b) { for (let o = 0; o < O; o++) h[cOff + o] = b[o]; }
  else h.fill(0, cOff, cOff + O);
  h.fill(0, cOff + O, cOff + Op);
  for (let filled = 1; filled < n; filled *= 2) {
    const count = Math.min(filled, n - filled);
    h.copyWithin(cOff + filled * Op, cOff, cOff + count * Op);
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

type RowDots = (
  x: number,
  y: number,
  s: number,
  n: number,
  f: number,
  o: number,
  dk: number,
  sStride: number,
) => void;
type RowAxpy = (
  p: number,
  pi: number,
  pj: number,
  y: number,
  z: number,
  n: number,
  f: number,
  o: number,
  dk: number,
  pStride: number,
) => void;

/** Shape of a self-attention batch: n samples × F fields × H heads of dk (row width O = H·dk). */
export interface AttentionDims {
  samples: number;
  fields: number;
  heads: number;
  headDim: number;
}

function attentionKernels(): { rowdots: RowDots; rowaxpy: RowAxpy } {
  load();
  const exports = instanceExports!;
  return { rowdots: exports.rowdots as RowDots, rowaxpy: exports.rowaxpy as RowAxpy };
}

/**
 * Self-attention forward on the SIMD kernels: `att` receives softmax(QKᵀ·scale) per sample and
 * head (`n·H·F·F`), and `y` (holding the residual on entry) gets `+ A·V`. `headDim % 4 = 0`.
 *
 * @example
 * ```ts
 * import { wasmAttentionForward, wasmGemmAvailable } from "./gemm.ts";
 * if (wasmGemmAvailable()) {
 *   const dims = { samples: 1, fields: 2, heads: 1, headDim: 4 };
 *   const q = new Float32Array(8).fill(0.1), y = new Float32Array(8), att = new Float32Array(4);
 *   wasmAttentionForward({ q, k: q, v: q, y, att }, dims, 0.5); // att rows are [0.5, 0.5]
 * }
 * ```
 */
export function wasmAttentionForward(
  t: { q: Float32Array; k: Float32Array; v: Float32Array; y: Float32Array; att: Float32Array },
  dims: AttentionDims,
  scale: number,
): void {
  const { samples: n, fields: F, heads: H, headDim: dk } = dims;
  const O = H * dk, len = n * F * O, FF = F * F, attLen = n * H * FF;
  const qo = 0, ko = len, vo = 2 * len, yo = 3 * len, so = 4 * len;
  const h = reserve(so + attLen);
  h.set(t.q.subarray(0, len), qo);
  h.set(t.k.subarray(0, len), ko);
  h.set(t.v.subarray(0, len), vo);
  h.set(t.y.subarray(0, len), yo);
  const { rowdots, rowaxpy } = attentionKernels();
  for (let hd = 0; hd < H; hd++) {
    rowdots((qo + hd * dk) * 4, (ko + hd * dk) * 4, (so + hd * FF) * 4, n, F, O, dk, H * FF);
  }
  for (let r = so; r < so + attLen; r += F) {
    let max = -Infinity;
    for (let j = 0; j < F; j++) max = Math.max(max, h[r + j] * scale);
    let sum = 0;
    for (let j = 0; j < F; j++) sum += h[r + j] = Math.exp(h[r + j] * scale - max);
    const inv = 1 / sum;
    for (let j = 0; j < F; j++) h[r + j] *= inv;
  }
  for (let hd = 0; hd < H; hd++) {
    rowaxpy((so + hd * FF) * 4, F, 1, (vo + hd * dk) * 4, (yo + hd * dk) * 4, n, F, O, dk, H * FF);
  }
  t.y.set(h.subarray(yo, yo + len));
  t.att.set(h.subarray(so, so + attLen));
}

/**
 * Self-attention backward on the SIMD kernels: from `dy` (dL/d(AV), ReLU already applied) and
 * the forward's `att`, writes dQ, dK and dV (`scale` = 1/√dk).
 *
 * @example
 * ```ts
 * import { wasmAttentionBackward, wasmGemmAvailable } from "./gemm.ts";
 * if (wasmGemmAvailable()) {
 *   const dims = { samples: 1, fields: 2, heads: 1, headDim: 4 };
 *   const a = new Float32Array(8).fill(0.1), att = new Float32Array(4).fill(0.5);
 *   const dq = new Float32Array(8), dk = new Float32Array(8), dv = new Float32Array(8);
 *   wasmAttentionBackward({ dy: a, q: a, k: a, v: a, att, dq, dk, dv }, dims, 0.5);
 * }
 * ```
 */
export function wasmAttentionBackward(
  t: {
    dy: Float32Array;
    q: Float32Array;
    k: Float32Array;
    v: Float32Array;
    att: Float32Array;
    dq: Float32Array;
    dk: Float32Array;
    dv: Float32Array;
  },
  dims: AttentionDims,
  scale: number,
): void {
  const { samples: n, fields: F, heads: H, headDim: dk } = dims;
  const O = H * dk, len = n * F * O, FF = F * F, attLen = n * H * FF;
  const gy = 0, qo = len, ko = 2 * len, vo = 3 * len, dqo = 4 * len, dko = 5 * len;
  const dvo = 6 * len, ao = 7 * len, dso = 7 * len + attLen;
  const h = reserve(dso + attLen);
  h.set(t.dy.subarray(0, len), gy);
  h.set(t.q.subarray(0, len), qo);
  h.set(t.k.subarray(0, len), ko);
  h.set(t.v.subarray(0, len), vo);
  h.fill(0, dqo, dqo + 3 * len);
  h.set(t.att.subarray(0, attLen), ao);
  const { rowdots, rowaxpy } = attentionKernels();
  const P = H * FF;
  for (let hd = 0; hd < H; hd++) {
    rowdots((gy + hd * dk) * 4, (vo + hd * dk) * 4, (dso + hd * FF) * 4, n, F, O, dk, P);
  }
  // dS = A ⊙ (dA − <A_i, dA_i>) · scale, row by row, in place over dA.
  for (let r = 0; r < attLen; r += F) {
    let dot = 0;
    for (let j = 0; j < F; j++) dot += h[ao + r + j] * h[dso + r + j];
    for (let j = 0; j < F; j++) h[dso + r + j] = h[ao + r + j] * (h[dso + r + j] - dot) * scale;
  }
  for (let hd = 0; hd < H; hd++) {
    const a = (ao + hd * FF) * 4, ds = (dso + hd * FF) * 4, off = hd * dk;
    rowaxpy(a, 1, F, (gy + off) * 4, (dvo + off) * 4, n, F, O, dk, P);
    rowaxpy(ds, F, 1, (ko + off) * 4, (dqo + off) * 4, n, F, O, dk, P);
    rowaxpy(ds, 1, F, (qo + off) * 4, (dko + off) * 4, n, F, O, dk, P);
  }
  t.dq.set(h.subarray(dqo, dqo + len));
  t.dk.set(h.subarray(dko, dko + len));
  t.dv.set(h.subarray(dvo, dvo + len));
}
