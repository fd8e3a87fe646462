/**
 * DCN v1 cross layers on the WebAssembly kernels of `gemm.wat` (`crossfwd`, `crossbwd`): the
 * operands are copied into the module's memory, the layers run there in float64, and the results
 * are copied back.
 *
 * @module
 */
import { reserve, wasmGemmExports } from "./gemm_module.ts";

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
 * import { wasmCrossForward } from "./gemm_cross.ts";
 * import { wasmGemmAvailable } from "./gemm_module.ts";
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
  (wasmGemmExports().exports.crossfwd as CrossFwd)(
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
 * import { wasmCrossBackward } from "./gemm_cross.ts";
 * import { wasmGemmAvailable } from "./gemm_module.ts";
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
  (wasmGemmExports().exports.crossbwd as CrossBwd)(
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
