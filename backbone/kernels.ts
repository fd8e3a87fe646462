/**
 * Dense matrix kernels on contiguous row-major buffers. Weights use torch's Linear layout
 * `[out, in]`. Loops are register-blocked by four rows so that each weight load feeds four
 * multiply-adds; that is where most of the training time goes.
 *
 * @module
 */
import { reluBackward, reluForward } from "./layers/activations.ts";
import type { Floats } from "./types.ts";
import { wasmGemmAvailable, wasmLinearBackward, wasmLinearForward } from "./wasm/gemm.ts";
import { loadNativeSgemm, type NativeSgemm } from "./blas_ffi.ts";

/**
 * Products of at least this many multiply-adds (float32 only) go to the WebAssembly SIMD kernel;
 * smaller ones stay in JavaScript, where the copy into the module's memory would not pay.
 */
let wasmThreshold = 8192;

/**
 * Switches the WebAssembly SIMD path on or off (on by default where available); returns whether
 * it is on. Either way the native BLAS is switched off (`useNativeBlas` turns it back on), so
 * that the path asked for is the one products take. Results agree with the JavaScript path up to
 * float32 rounding.
 *
 * @example
 * ```ts
 * import { useWasmKernels } from "./kernels.ts";
 * useWasmKernels(false); // pure JavaScript, e.g. to compare speed
 * ```
 */
export function useWasmKernels(on: boolean): boolean {
  wasmThreshold = on && wasmGemmAvailable() ? 8192 : Infinity;
  nativeSgemm = undefined;
  return wasmThreshold !== Infinity;
}

/**
 * Largest operand set (floats, 256 MiB) copied into the WebAssembly memory at once.
 *
 * @example
 * ```ts
 * import { WASM_MAX_FLOATS } from "./kernels.ts";
 * console.log(WASM_MAX_FLOATS * 4 / 2 ** 20, "MiB");
 * ```
 */
export const WASM_MAX_FLOATS = 64 * 1024 * 1024;

/** The system OpenBLAS's sgemm when it loads (the default) and `useNativeBlas(false)` is not in force. */
let nativeSgemm: NativeSgemm | undefined = loadNativeSgemm();

/**
 * Routes float32 products of at least 8192 multiply-adds to the system OpenBLAS (`blas_ffi.ts`)
 * when `on` and the library loads, else back to the WebAssembly or JavaScript path; returns
 * whether the native path is active. On by default where the library loads: it measured faster
 * than the WebAssembly kernels (bench/results/backbone.md). Results agree with the other paths up
 * to float32 rounding.
 *
 * @example
 * ```ts
 * import { useNativeBlas } from "./kernels.ts";
 * console.log(useNativeBlas(true) ? "OpenBLAS" : "no native BLAS");
 * useNativeBlas(false);
 * ```
 */
export function useNativeBlas(on: boolean): boolean {
  nativeSgemm = on ? loadNativeSgemm() : undefined;
  return nativeSgemm !== undefined;
}

/**
 * Whether float32 products go to the system OpenBLAS now (see `useNativeBlas`).
 *
 * @example
 * ```ts
 * import { nativeBlasOn } from "./kernels.ts";
 * console.log(nativeBlasOn());
 * ```
 */
export function nativeBlasOn(): boolean {
  return nativeSgemm !== undefined;
}

function nativeFor(
  arrays: (Floats | null)[],
  dims: { rows: number; inDim: number; outDim: number },
): NativeSgemm | undefined {
  if (nativeSgemm === undefined || dims.rows * dims.inDim * dims.outDim < 8192) return undefined;
  return arrays.every((a) => a === null || a instanceof Float32Array) ? nativeSgemm : undefined;
}

/** Narrow outputs (e.g. a final 1-logit layer) would be mostly padding in the kernel. */
/**
 * Whether float32 work may use the WebAssembly SIMD kernels now (see `useWasmKernels`).
 *
 * @example
 * ```ts
 * import { wasmKernelsOn } from "./kernels.ts";
 * console.log(wasmKernelsOn());
 * ```
 */
export function wasmKernelsOn(): boolean {
  return wasmThreshold !== Infinity && wasmGemmAvailable();
}

function wasmFor(a: Floats, b: Floats, dims: { rows: number; inDim: number; outDim: number }) {
  const { rows, inDim, outDim } = dims;
  // Operands beyond WASM_MAX_FLOATS (huge prediction batches) stay in JavaScript rather than
  // growing the module's memory without bound.
  return outDim >= 8 && inDim >= 8 && rows * inDim * outDim >= wasmThreshold &&
    4 * (rows + outDim + 8) * (inDim + 8) + rows * (outDim + 8) <= WASM_MAX_FLOATS &&
    a instanceof Float32Array && b instanceof Float32Array && wasmGemmAvailable();
}

/**
 * `y[r, o] = b[o] + Σ_k x[r, k] · w[o, k]` for `n` rows, then ReLU (`y < 0 → 0`) when
 * `dims.relu`.
 *
 * @example
 * ```ts
 * import { linearForward } from "./kernels.ts";
 * const y = new Float32Array(2);
 * linearForward(new Float32Array([1, 2]), new Float32Array([3]), null, y, {
 *   rows: 2, inDim: 1, outDim: 1,
 * }); // y = [3, 6]
 * ```
 */
export function linearForward(
  x: Floats,
  w: Floats,
  b: Floats | null,
  y: Floats,
  dims: { rows: number; inDim: number; outDim: number; relu?: boolean },
): void {
  const { rows: n, inDim: I, outDim: O } = dims;
  const sgemm = nativeFor([x, w, b, y], dims);
  if (sgemm !== undefined) {
    if (b !== null) { for (let r = 0; r < n; r++) y.set(b.subarray(0, O), r * O); }
    const [a, bt, c] = [x, w, y] as Float32Array[];
    sgemm({ m: n, n: O, k: I, a, b: bt, c, transB: true, beta: b === null ? 0 : 1 });
    if (dims.relu) reluForward(y, n * O);
    return;
  }
  if (wasmFor(x, w, dims) && y instanceof Float32Array) {
    wasmLinearForward(x as Float32Array, w as Float32Array, b as Float32Array | null, y, dims);
    return;
  }
  linearForwardJs(x, w, b, y, n, I, O);
  if (dims.relu) reluForward(y, n * O);
}

function linearForwardJs(
  x: Floats,
  w: Floats,
  b: Floats | null,
  y: Floats,
  n: number,
  I: number,
  O: number,
): void {
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const x0 = r * I, x1 = x0 + I, x2 = x1 + I, x3 = x2 + I;
    const y0 = r * O, y1 = y0 + O, y2 = y1 + O, y3 = y2 + O;
    for (let o = 0; o < O; o++) {
      const wo = o * I;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < I; k++) {
        const wk = w[wo + k];
        s0 += x[x0 + k] * wk;
        s1 += x[x1 + k] * wk;
        s2 += x[x2 + k] * wk;
        s3 += x[x3 + k] * wk;
      }
      const bo = b === null ? 0 : b[o];
      y[y0 + o] = s0 + bo;
      y[y1 + o] = s1 + bo;
      y[y2 + o] = s2 + bo;
      y[y3 + o] = s3 + bo;
    }
  }
  for (; r < n; r++) {
    const xr = r * I, yr = r * O;
    for (let o = 0; o < O; o++) {
      const wo = o * I;
      let s = 0;
      for (let k = 0; k < I; k++) s += x[xr + k] * w[wo + k];
      y[yr + o] = s + (b === null ? 0 : b[o]);
    }
  }
}

/**
 * Input gradient `dx[r, k] (+)= Σ_o dy[r, o] · w[o, k]`; overwrites unless `accumulate`.
 *
 * @example
 * ```ts
 * import { linearBackwardInput } from "./kernels.ts";
 * const dx = new Float32Array(2);
 * linearBackwardInput(new Float32Array([1]), new Float32Array([3, 4]), dx, {
 *   rows: 1, inDim: 2, outDim: 1, accumulate: false,
 * }); // dx = [3, 4]
 * ```
 */
export function linearBackwardInput(
  dy: Floats,
  w: Floats,
  dx: Floats,
  dims: { rows: number; inDim: number; outDim: number; accumulate: boolean },
): void {
  const { rows: n, inDim: I, outDim: O, accumulate } = dims;
  const sgemm = nativeFor([dy, w, dx], dims);
  if (sgemm !== undefined) {
    const [a, b, c] = [dy, w, dx] as Float32Array[];
    sgemm({ m: n, n: I, k: O, a, b, c, beta: accumulate ? 1 : 0 });
    return;
  }
  if (wasmFor(dy, w, dims) && dx instanceof Float32Array) {
    wasmLinearBackward(dy as Float32Array, null, w as Float32Array, null, null, dx, dims);
    return;
  }
  if (!accumulate) dx.fill(0, 0, n * I);
  for (let r = 0; r < n; r++) {
    const xr = r * I, yr = r * O;
    let o = 0;
    for (; o + 4 <= O; o += 4) {
      const g0 = dy[yr + o], g1 = dy[yr + o + 1], g2 = dy[yr + o + 2], g3 = dy[yr + o + 3];
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      const w0 = o * I, w1 = w0 + I, w2 = w1 + I, w3 = w2 + I;
      for (let k = 0; k < I; k++) {
        dx[xr + k] += g0 * w[w0 + k] + g1 * w[w1 + k] + g2 * w[w2 + k] + g3 * w[w3 + k];
      }
    }
    for (; o < O; o++) {
      const g = dy[yr + o];
      if (g === 0) continue;
      const wo = o * I;
      for (let k = 0; k < I; k++) dx[xr + k] += g * w[wo + k];
    }
  }
}

/**
 * The backward of a linear layer: parameter gradients as `linearBackwardParams`, then the input
 * gradient as `linearBackwardInput` unless `dx` is null. With `dims.reluOut` (the output `y` of
 * a ReLU that followed the layer), `dy` is first zeroed where `y ≤ 0`; `dy` may then be
 * modified. On the WebAssembly path `dy` is copied into the module once for all of it.
 *
 * @example
 * ```ts
 * import { linearBackward } from "./kernels.ts";
 * const dw = new Float32Array(2), db = new Float32Array(1), dx = new Float32Array(2);
 * linearBackward(new Float32Array([2]), new Float32Array([3, 4]), new Float32Array([5, 6]), {
 *   dw, db, dx,
 * }, { rows: 1, inDim: 2, outDim: 1, accumulate: false }); // dw = [6, 8], db = [2], dx = [10, 12]
 * ```
 */
export function linearBackward(
  dy: Floats,
  x: Floats,
  w: Floats,
  out: { dw: Floats; db: Floats | null; dx: Floats | null },
  dims: {
    rows: number;
    inDim: number;
    outDim: number;
    accumulate: boolean;
    reluOut?: Floats | null;
  },
): void {
  const { dw, db, dx } = out, y = dims.reluOut ?? null;
  if (nativeFor([dy, x, w, dw, db, dx, y], dims) !== undefined) {
    if (y !== null) reluBackward(dy, y, dims.rows * dims.outDim);
    linearBackwardParams(dy, x, dw, db, dims);
    if (dx !== null) linearBackwardInput(dy, w, dx, dims);
    return;
  }
  if (
    wasmFor(dy, x, dims) && w instanceof Float32Array && dw instanceof Float32Array &&
    (db === null || db instanceof Float32Array) && (dx === null || dx instanceof Float32Array) &&
    (y === null || y instanceof Float32Array)
  ) {
    wasmLinearBackward(dy as Float32Array, x as Float32Array, w, dw, db, dx, {
      ...dims,
      reluOut: y,
    });
    return;
  }
  if (y !== null) reluBackward(dy, y, dims.rows * dims.outDim);
  linearBackwardParams(dy, x, dw, db, dims);
  if (dx !== null) linearBackwardInput(dy, w, dx, dims);
}

/**
 * Parameter gradients `dw[o, k] += Σ_r dy[r, o] · x[r, k]` and `db[o] += Σ_r dy[r, o]`.
 *
 * @example
 * ```ts
 * import { linearBackwardParams } from "./kernels.ts";
 * const dw = new Float32Array(2), db = new Float32Array(1);
 * linearBackwardParams(new Float32Array([2]), new Float32Array([3, 4]), dw, db, {
 *   rows: 1, inDim: 2, outDim: 1,
 * }); // dw = [6, 8], db = [2]
 * ```
 */
export function linearBackwardParams(
  dy: Floats,
  x: Floats,
  dw: Floats,
  db: Floats | null,
  dims: { rows: number; inDim: number; outDim: number },
): void {
  const { rows: n, inDim: I, outDim: O } = dims;
  const sgemm = nativeFor([dy, x, dw, db], dims);
  if (sgemm !== undefined) {
    const [a, b, c] = [dy, x, dw] as Float32Array[];
    sgemm({ m: O, n: I, k: n, a, b, c, transA: true, beta: 1 });
    if (db !== null) columnSums(dy, db, n, O);
    return;
  }
  if (
    wasmFor(dy, x, dims) && dw instanceof Float32Array &&
    (db === null || db instanceof Float32Array)
  ) {
    wasmLinearBackward(dy as Float32Array, x as Float32Array, null, dw, db, null, {
      ...dims,
      accumulate: true,
    });
    return;
  }
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const x0 = r * I, x1 = x0 + I, x2 = x1 + I, x3 = x2 + I;
    const y0 = r * O, y1 = y0 + O, y2 = y1 + O, y3 = y2 + O;
    for (let o = 0; o < O; o++) {
      const g0 = dy[y0 + o], g1 = dy[y1 + o], g2 = dy[y2 + o], g3 = dy[y3 + o];
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      if (db !== null) db[o] += g0 + g1 + g2 + g3;
      const wo = o * I;
      for (let k = 0; k < I; k++) {
        dw[wo + k] += g0 * x[x0 + k] + g1 * x[x1 + k] + g2 * x[x2 + k] + g3 * x[x3 + k];
      }
    }
  }
  for (; r < n; r++) {
    const xr = r * I, yr = r * O;
    for (let o = 0; o < O; o++) {
      const g = dy[yr + o];
      if (g === 0) continue;
      if (db !== null) db[o] += g;
      const wo = o * I;
      for (let k = 0; k < I; k++) dw[wo + k] += g * x[xr + k];
    }
  }
}

/** `db[o] += Σ_r dy[r, o]`, row by row so that reads stay sequential. */
function columnSums(dy: Floats, db: Floats, n: number, O: number): void {
  for (let r = 0; r < n; r++) {
    const yr = r * O;
    for (let o = 0; o < O; o++) db[o] += dy[yr + o];
  }
}
