/**
 * Self-attention products (AutoInt) on the WebAssembly SIMD kernels of `gemm.wat` (`rowdots`,
 * `rowaxpy`), with the softmax and its backward in JavaScript over the module's memory.
 *
 * @module
 */
import { reserve, wasmGemmAvailable, wasmGemmExports } from "./gemm_module.ts";

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
  wasmGemmAvailable();
  const { exports } = wasmGemmExports();
  return { rowdots: exports.rowdots as RowDots, rowaxpy: exports.rowaxpy as RowAxpy };
}

/**
 * Self-attention forward on the SIMD kernels: `att` receives softmax(QKᵀ·scale) per sample and
 * head (`n·H·F·F`), and `y` (holding the residual on entry) gets `+ A·V`. `headDim % 4 = 0`.
 *
 * @example
 * ```ts
 * import { wasmAttentionForward } from "./gemm_attention.ts";
 * import { wasmGemmAvailable } from "./gemm_module.ts";
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
 * import { wasmAttentionBackward } from "./gemm_attention.ts";
 * import { wasmGemmAvailable } from "./gemm_module.ts";
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
