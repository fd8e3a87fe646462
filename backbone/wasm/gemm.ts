/**
 * Linear-layer products on the WebAssembly SIMD kernel of `gemm.wat`. Operands are copied into
 * the module's memory as they are (the kernel reads W transposed and pads columns itself), the
 * output is padded to a multiple of 8 columns, multiplied there and copied back: the copies
 * cost O(n·I + O·I + n·O) against O(n·I·O) multiply-adds. The same module runs DCN's cross
 * layers (gemm_cross.ts) and AutoInt's attention products (gemm_attention.ts); Adam's update is
 * in adam_state.ts. The module with relaxed SIMD (fused multiply-add) is used where the runtime
 * compiles it, else the plain SIMD128 one (gemm_module.ts loads it); `wasmGemmAvailable()` is
 * false where neither compiles, and callers fall back to the JavaScript kernels. This file also
 * re-exports the other three, so callers import every product from here.
 *
 * @module
 */
import { reserve, wasmGemmExports } from "./gemm_module.ts";

export {
  useWasmGemmVariant,
  wasmGemmAvailable,
  type WasmGemmVariant,
  wasmGemmVariant,
} from "./gemm_module.ts";
export { wasmCrossBackward, wasmCrossForward } from "./gemm_cross.ts";
export {
  type AttentionDims,
  wasmAttentionBackward,
  wasmAttentionForward,
} from "./gemm_attention.ts";

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
  const { gemm } = wasmGemmExports();
  gemm(
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
  const { gemm, colsum, relumask } = wasmGemmExports();
  h.set(dy.subarray(0, n * O), yOff);
  if (mask) {
    h.set(mask.subarray(0, n * O), mOff);
    relumask(mOff * 4, yOff * 4, n * O);
  }
  if (params) {
    h.set(x.subarray(0, n * I), xOff);
    copyIn(dw, I, h, dwOff, Ip, O);
    // A(o, r) = dy[r, o]: strides (1, O); accumulates onto dW (R = C).
    gemm(yOff * 4, 1, O, xOff * 4, I, 1, I, dwOff * 4, Ip, 0, dwOff * 4, O, n, Ip, sOff * 4);
    copyOut(h, dwOff, Ip, dw, I, O);
    if (db !== null) {
      h.set(db.subarray(0, O), dbOff);
      colsum(yOff * 4, n, O, dbOff * 4);
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
    gemm(yOff * 4, O, 1, wOff * 4, I, 1, I, rOff * 4, rs, 0, dxOff * 4, n, O, Ip, sOff * 4);
    copyOut(h, dxOff, Ip, dx, I, n);
  }
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
