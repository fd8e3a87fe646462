/**
 * Linear-layer products on the WebAssembly SIMD kernel of `gemm.wat`. Operands are copied into
 * the module's memory as they are (the kernel reads W transposed and pads columns itself), the
 * output is padded to a multiple of 8 columns, multiplied there and copied back: the copies
 * cost O(n·I + O·I + n·O) against O(n·I·O) multiply-adds. The same module runs DCN's cross
 * layers and AutoInt's attention products (Adam's update is in adam_state.ts). The module with
 * relaxed SIMD (fused multiply-add) is used where the runtime compiles it, else the plain SIMD128
 * one; `wasmGemmAvailable()` is false where neither compiles, and callers fall back to the
 * JavaScript kernels.
 *
 * @module
 */
import { GEMM_SIMD_WASM_BASE64, GEMM_WASM_BASE64 } from "./gemm_wasm.ts";

type Gemm = (
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
type ColSum = (y: number, m: number, n: number, d: number) => void;
type ReluMask = (y: number, d: number, len: number) => void;

/**
 * Which compiled module runs the kernels: `relaxed-simd` (fused multiply-add) or `simd`.
 *
 * @example
 * ```ts
 * import type { WasmGemmVariant } from "./gemm.ts";
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
 * import { wasmGemmAvailable } from "./gemm.ts";
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
 * import { wasmGemmVariant } from "./gemm.ts";
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
 * import { useWasmGemmVariant } from "./gemm.ts";
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

/** Floats of kernel scratch for a product with inner size `k` and (padded) width `n`. */
const scratch = (k: number, n: number) => k * n + 4 * k;

/**
 * `y = x·Wᵀ + b` (`x`: rows × inDim, `w`: outDim × inDim), then ReLU in place when `dims.relu`.
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
  dims: { rows: number; inDim: number; outDim: number; relu?: boolean },
): void {
  const { rows: n, inDim: I, outDim: O } = dims;
  const Op = pad8(O);
  const aOff = 0, bOff = n * I, rOff = bOff + O * I, cOff = rOff + Op, sOff = cOff + n * Op;
  const h = reserve(sOff + scratch(I, Op));
  h.set(x.subarray(0, n * I), aOff);
  h.set(w.subarray(0, O * I), bOff);
  // One bias row, broadcast by the kernel (rs = 0).
  if (b) h.set(b.subarray(0, O), rOff);
  else h.fill(0, rOff, rOff + O);
  h.fill(0, rOff + O, rOff + Op);
  // B(k, o) = W[o, k]: strides (1, I).
  gemm!(
    aOff * 4,
    I,
    1,
    bOff * 4,
    1,
    I,
    O,
    rOff * 4,
    0,
    dims.relu ? 1 : 0,
    cOff * 4,
    n,
    I,
    Op,
    sOff * 4,
  );
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
  wasmLinearBackward(dy, null, w, null, null, dx, dims);
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
  wasmLinearBackward(dy, x, null, dw, null, null, { ...dims, accumulate: true });
}

/**
 * The whole backward of a linear layer with `dy` copied in once: `dW += dyᵀ·x` and
 * `db += Σ_rows dy` when `x` and `dw` are given (`db` optional), and `dx (+)= dy·W` when `w`
 * and `dx` are given. With `dims.reluOut` (the output of a ReLU that followed the layer), `dy`
 * is first zeroed where that output is ≤ 0; the caller's `dy` is left as it was.
 *
 * @example
 * ```ts
 * import { wasmGemmAvailable, wasmLinearBackward } from "./gemm.ts";
 * if (wasmGemmAvailable()) {
 *   const dw = new Float32Array(2), db = new Float32Array(1), dx = new Float32Array(2);
 *   const dy = new Float32Array([2]), x = new Float32Array([3, 4]), w = new Float32Array([5, 6]);
 *   wasmLinearBackward(dy, x, w, dw, db, dx, {
 *     rows: 1, inDim: 2, outDim: 1, accumulate: false,
 *   }); // dw = [6, 8], db = [2], dx = [10, 12]
 * }
 * ```
 */
export function wasmLinearBackward(
  dy: Float32Array,
  x: Float32Array | null,
  w: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
  dx: Float32Array | null,
  dims: {
    rows: number;
    inDim: number;
    outDim: number;
    accumulate: boolean;
    reluOut?: Float32Array | null;
  },
): void {
  const { rows: n, inDim: I, outDim: O } = dims;
  const Ip = pad8(I), Op4 = (O + 3) & ~3, mask = dims.reluOut ?? null;
  const params = x !== null && dw !== null, input = w !== null && dx !== null;
  // dy | ReLU output | x | W | zero row | db | dW | dx | scratch
  const yOff = 0, mOff = n * O, xOff = mOff + (mask ? n * O : 0);
  const wOff = xOff + (params ? n * I : 0);
  const zOff = wOff + (input ? O * I : 0), dbOff = zOff + Ip, dwOff = dbOff + Op4;
  const dxOff = dwOff + (params ? O * Ip : 0), sOff = dxOff + (input ? n * Ip : 0);
  const h = reserve(sOff + Math.max(scratch(n, Ip), scratch(O, Ip)));
  h.set(dy.subarray(0, n * O), yOff);
  if (mask) {
    h.set(mask.subarray(0, n * O), mOff);
    relumask!(mOff * 4, yOff * 4, n * O);
  }
  if (params) {
    h.set(x.subarray(0, n * I), xOff);
    copyIn(dw, I, h, dwOff, Ip, O);
    // A(o, r) = dy[r, o]: strides (1, O); accumulates onto dW (R = C).
    gemm!(yOff * 4, 1, O, xOff * 4, I, 1, I, dwOff * 4, Ip, 0, dwOff * 4, O, n, Ip, sOff * 4);
    copyOut(h, dwOff, Ip, dw, I, O);
    if (db !== null) {
      h.set(db.subarray(0, O), dbOff);
      colsum!(yOff * 4, n, O, dbOff * 4);
      db.set(h.subarray(dbOff, dbOff + O));
    }
  }
  if (input) {
    h.set(w.subarray(0, O * I), wOff);
    let rOff = zOff, rs = 0;
    if (dims.accumulate) {
      copyIn(dx, I, h, dxOff, Ip, n);
      rOff = dxOff;
      rs = Ip;
    } else {
      h.fill(0, zOff, zOff + Ip);
    }
    gemm!(yOff * 4, O, 1, wOff * 4, I, 1, I, rOff * 4, rs, 0, dxOff * 4, n, O, Ip, sOff * 4);
    copyOut(h, dxOff, Ip, dx, I, n);
  }
}

type CrossFwd = (
  x0: number,
  xs: number,
  dots: number,
  w: number,
  bias: number,
  n: number,
  d: number,
  l: number,
  c: number,
  keep: number,
) => void;
type CrossBwd = (
  x0: number,
  xs: number,
  dots: number,
  w: number,
  dw: number,
  db: number,
  g: number,
  gp: number,
  dx0: number,
  n: number,
  d: number,
  l: number,
  c: number,
  keep: number,
) => void;

/**
 * DCN v1 cross layers (`x_{l+1} = c·x0·(x_lᵀw_l) + b_l + keep·x_l`) forward on the kernel:
 * fills `xs[l]` (x_{l+1}) and `dots[l]` (x_lᵀw_l) for every layer, with the same float64
 * operations, hence the same results, as the JavaScript loop in `layers/cross.ts`.
 *
 * @example
 * ```ts
 * import { wasmCrossForward, wasmGemmAvailable } from "./gemm.ts";
 * if (wasmGemmAvailable()) {
 *   const xs = [new Float32Array(2)], dots = [new Float32Array(1)];
 *   wasmCrossForward(new Float32Array([1, 2]), [new Float32Array([1, 1])], [new Float32Array(2)], {
 *     xs, dots,
 *   }, { rows: 1, dim: 2, c: 1, keep: 1 }); // dots = [[3]], xs = [[4, 8]]
 * }
 * ```
 */
export function wasmCrossForward(
  x0: Float32Array,
  w: Float32Array[],
  bias: Float32Array[],
  out: { xs: Float32Array[]; dots: Float32Array[] },
  dims: { rows: number; dim: number; c: number; keep: number },
): void {
  const { rows: n, dim: D, c, keep } = dims, L = w.length, len = n * D;
  // x0 | xs (L layers) | dots | w | bias
  const xsOff = len, dotOff = xsOff + L * len, wOff = dotOff + L * n, bOff = wOff + L * D;
  const h = reserve(bOff + L * D);
  h.set(x0.subarray(0, len), 0);
  for (let l = 0; l < L; l++) {
    h.set(w[l].subarray(0, D), wOff + l * D);
    h.set(bias[l].subarray(0, D), bOff + l * D);
  }
  (instanceExports!.crossfwd as CrossFwd)(
    0,
    xsOff * 4,
    dotOff * 4,
    wOff * 4,
    bOff * 4,
    n,
    D,
    L,
    c,
    keep,
  );
  for (let l = 0; l < L; l++) {
    out.xs[l].set(h.subarray(xsOff + l * len, xsOff + (l + 1) * len));
    out.dots[l].set(h.subarray(dotOff + l * n, dotOff + (l + 1) * n));
  }
}

/**
 * Backward of `wasmCrossForward` from `dOut` = dL/dx_L: adds the kernel and bias gradients into
 * `dw[l]` and `db[l]` and writes dL/dx0 (every path) into `dx0`.
 *
 * @example
 * ```ts
 * import { wasmCrossBackward, wasmGemmAvailable } from "./gemm.ts";
 * if (wasmGemmAvailable()) {
 *   const dw = [new Float32Array(2)], db = [new Float32Array(2)], dx0 = new Float32Array(2);
 *   wasmCrossBackward(new Float32Array([1, 1]), {
 *     x0: new Float32Array([1, 2]), xs: [], dots: [new Float32Array([3])],
 *     w: [new Float32Array([1, 1])],
 *   }, { dw, db, dx0 }, { rows: 1, dim: 2, c: 1, keep: 1 }); // dw = [[3, 6]], dx0 = [7, 7]
 * }
 * ```
 */
export function wasmCrossBackward(
  dOut: Float32Array,
  saved: { x0: Float32Array; xs: Float32Array[]; dots: Float32Array[]; w: Float32Array[] },
  grads: { dw: Float32Array[]; db: Float32Array[]; dx0: Float32Array },
  dims: { rows: number; dim: number; c: number; keep: number },
): void {
  const { rows: n, dim: D, c, keep } = dims, L = saved.w.length, len = n * D;
  // x0 | x_1 .. x_{L−1} | dots | w | dw | db | g | g' | dx0
  const xsOff = len, dotOff = xsOff + (L - 1) * len, wOff = dotOff + L * n;
  const dwOff = wOff + L * D, dbOff = dwOff + L * D, gOff = dbOff + L * D;
  const gpOff = gOff + len, dxOff = gpOff + len;
  const h = reserve(dxOff + len);
  h.set(saved.x0.subarray(0, len), 0);
  for (let l = 0; l < L - 1; l++) h.set(saved.xs[l].subarray(0, len), xsOff + l * len);
  for (let l = 0; l < L; l++) {
    h.set(saved.dots[l].subarray(0, n), dotOff + l * n);
    h.set(saved.w[l].subarray(0, D), wOff + l * D);
    h.set(grads.dw[l].subarray(0, D), dwOff + l * D);
    h.set(grads.db[l].subarray(0, D), dbOff + l * D);
  }
  h.set(dOut.subarray(0, len), gOff);
  h.fill(0, dxOff, dxOff + len);
  (instanceExports!.crossbwd as CrossBwd)(
    0,
    xsOff * 4,
    dotOff * 4,
    wOff * 4,
    dwOff * 4,
    dbOff * 4,
    gOff * 4,
    gpOff * 4,
    dxOff * 4,
    n,
    D,
    L,
    c,
    keep,
  );
  for (let l = 0; l < L; l++) {
    grads.dw[l].set(h.subarray(dwOff + l * D, dwOff + (l + 1) * D));
    grads.db[l].set(h.subarray(dbOff + l * D, dbOff + (l + 1) * D));
  }
  grads.dx0.set(h.subarray(dxOff, dxOff + len));
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
