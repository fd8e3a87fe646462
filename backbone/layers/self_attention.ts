/**
 * AutoInt's multi-head self-attention over fields (docs/method.md#autoint): bias-free Q, K, V
 * projections, `A = softmax(QKᵀ/√dk)` per head, `Y = ReLU(AV + residual)` where the residual is
 * `X·W_res` when the width changes and `X` otherwise. No layer norm, no dropout.
 *
 * @module
 */
import { ensure, type ParamStore } from "../param.ts";
import type { Floats } from "../types.ts";
import { reluBackward } from "./activations.ts";
import { Dense } from "./dense.ts";
import { WASM_MAX_FLOATS, wasmKernelsOn } from "../kernels.ts";
import { wasmAttentionBackward, wasmAttentionForward } from "../wasm/gemm.ts";

/**
 * Heads split the projected width into `heads` contiguous slices of `headDim` (the reference
 * reshapes differently when heads > 1; with its default of 1 head both agree).
 * Tensor names: `{name}.query.weight`, `{name}.key.weight`, `{name}.value.weight`
 * (each `[heads·headDim, inDim]`) and `{name}.residual.weight` `[heads·headDim, inDim]` when
 * `inDim ≠ heads·headDim`.
 *
 * @example
 * ```ts
 * import { ParamStore } from "../param.ts";
 * import { SelfAttention } from "./self_attention.ts";
 * const store = new ParamStore({ seed: 1 });
 * const att = new SelfAttention(store, "attn.0", { inDim: 4, heads: 1, headDim: 8, fields: 3 });
 * const y = att.forward(new Float32Array(2 * 3 * 4), 2); // 2 samples × 3 fields × 8
 * ```
 */
export class SelfAttention {
  readonly inDim: number;
  readonly outDim: number;
  readonly heads: number;
  readonly headDim: number;
  readonly fields: number;
  readonly query: Dense;
  readonly key: Dense;
  readonly value: Dense;
  readonly residual: Dense | null;
  out: Floats;
  dx: Floats;
  readonly #store: ParamStore;
  #x: Floats;
  #att: Floats;
  #dQ: Floats;
  #dK: Floats;
  #dV: Floats;
  readonly #dA: Float64Array;

  constructor(
    store: ParamStore,
    name: string,
    options: { inDim: number; heads: number; headDim: number; fields: number },
  ) {
    this.#store = store;
    this.inDim = options.inDim;
    this.heads = options.heads;
    this.headDim = options.headDim;
    this.fields = options.fields;
    const O = (this.outDim = options.heads * options.headDim);
    const proj = (p: string) =>
      new Dense(store, `${name}.${p}`, { inDim: options.inDim, outDim: O, bias: false });
    this.query = proj("query");
    this.key = proj("key");
    this.value = proj("value");
    this.residual = options.inDim !== O ? proj("residual") : null;
    const z = store.alloc(0);
    this.out =
      this.dx =
      this.#x =
      this.#att =
      this.#dQ =
      this.#dK =
      this.#dV =
        z;
    this.#dA = new Float64Array(options.fields * options.fields);
  }

  /** `x`: n·F rows of inDim. Returns n·F rows of outDim. */
  forward(x: Floats, n: number): Floats {
    const F = this.fields, H = this.heads, dk = this.headDim, O = this.outDim;
    const rows = n * F, store = this.#store;
    this.#x = x;
    const Q = this.query.forward(x, rows), K = this.key.forward(x, rows);
    const V = this.value.forward(x, rows);
    this.out = ensure(store, this.out, rows * O);
    this.#att = ensure(store, this.#att, n * H * F * F);
    const y = this.out, att = this.#att;
    if (this.residual) {
      y.set(this.residual.forward(x, rows).subarray(0, rows * O));
    } else {
      y.set(x.subarray(0, rows * O));
    }
    const scale = 1 / Math.sqrt(dk);
    if (this.#simd(Q, n)) {
      wasmAttentionForward(
        {
          q: Q as Float32Array,
          k: K as Float32Array,
          v: V as Float32Array,
          y: y as Float32Array,
          att: att as Float32Array,
        },
        { samples: n, fields: F, heads: H, headDim: dk },
        scale,
      );
    } else {
      this.#jsForward(n, scale);
    }
    for (let i = 0; i < rows * O; i++) if (y[i] < 0) y[i] = 0;
    return y;
  }

  /** Backward; `dy` is modified in place. Returns dL/dx (own buffer). */
  backward(dy: Floats, n: number): Floats {
    const F = this.fields, H = this.heads, dk = this.headDim, O = this.outDim, I = this.inDim;
    const rows = n * F, store = this.#store;
    reluBackward(dy, this.out, rows * O);
    this.#dQ = ensure(store, this.#dQ, rows * O);
    this.#dK = ensure(store, this.#dK, rows * O);
    this.#dV = ensure(store, this.#dV, rows * O);
    const dQ = this.#dQ, dK = this.#dK, dV = this.#dV;
    const Q = this.query.out, K = this.key.out, V = this.value.out, att = this.#att;
    const scale = 1 / Math.sqrt(dk);
    if (this.#simd(Q, n)) {
      wasmAttentionBackward(
        {
          dy: dy as Float32Array,
          q: Q as Float32Array,
          k: K as Float32Array,
          v: V as Float32Array,
          att: att as Float32Array,
          dq: dQ as Float32Array,
          dk: dK as Float32Array,
          dv: dV as Float32Array,
        },
        { samples: n, fields: F, heads: H, headDim: dk },
        scale,
      );
    } else {
      this.#jsBackward(dy, n, scale);
    }
    this.dx = ensure(store, this.dx, rows * I);
    const dx = this.dx;
    if (this.residual) {
      this.residual.backward(dy, rows, { into: dx, accumulate: false });
    } else {
      dx.set(dy.subarray(0, rows * I));
    }
    this.query.backward(dQ, rows, { into: dx, accumulate: true });
    this.key.backward(dK, rows, { into: dx, accumulate: true });
    this.value.backward(dV, rows, { into: dx, accumulate: true });
    return dx;
  }

  /** The WebAssembly SIMD path needs float32 buffers, a head width divisible by 4 and a batch
   * whose copies fit `WASM_MAX_FLOATS`. */
  #simd(q: Floats, n: number): boolean {
    const floats = n * this.fields * (8 * this.outDim + 2 * this.heads * this.fields);
    return q instanceof Float32Array && this.headDim % 4 === 0 && floats <= WASM_MAX_FLOATS &&
      wasmKernelsOn();
  }

  /**
   * JavaScript attention products (float64 and fallback path). Inner loops run along dk (long,
   * contiguous); F is small: scores as dot products, then row axpys y_i += a_ij V_j.
   */
  #jsForward(n: number, scale: number): void {
    const F = this.fields, H = this.heads, dk = this.headDim, O = this.outDim;
    const Q = this.query.out, K = this.key.out, V = this.value.out;
    const y = this.out, att = this.#att;
    for (let b = 0; b < n; b++) {
      for (let h = 0; h < H; h++) {
        const ho = h * dk, ab = (b * H + h) * F * F;
        for (let i = 0; i < F; i++) {
          const qo = (b * F + i) * O + ho, ao = ab + i * F;
          let max = -Infinity;
          for (let j = 0; j < F; j++) {
            const s = dot(Q, qo, K, (b * F + j) * O + ho, dk) * scale;
            att[ao + j] = s;
            if (s > max) max = s;
          }
          let sum = 0;
          for (let j = 0; j < F; j++) {
            const e = Math.exp(att[ao + j] - max);
            att[ao + j] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let j = 0; j < F; j++) att[ao + j] *= inv;
          const yo = (b * F + i) * O + ho, vo = b * F * O + ho;
          for (let j = 0; j < F; j++) {
            const a = att[ao + j], vj = vo + j * O;
            for (let c = 0; c < dk; c++) y[yo + c] += a * V[vj + c];
          }
        }
      }
    }
  }

  /** JavaScript backward of the attention products into dQ, dK, dV. */
  #jsBackward(dy: Floats, n: number, scale: number): void {
    const F = this.fields, H = this.heads, dk = this.headDim, O = this.outDim;
    const Q = this.query.out, K = this.key.out, V = this.value.out, att = this.#att;
    const dQ = this.#dQ, dK = this.#dK, dV = this.#dV, dA = this.#dA;
    for (let b = 0; b < n; b++) {
      const base = b * F * O;
      for (let h = 0; h < H; h++) {
        const ho = base + h * dk, ab = (b * H + h) * F * F;
        // dA[i, j] = <dy_i, V_j>, then dS = A ⊙ (dA − <A_i, dA_i>) / √dk, held in dA.
        for (let i = 0; i < F; i++) {
          let rowDot = 0;
          for (let j = 0; j < F; j++) {
            const d = dot(dy, ho + i * O, V, ho + j * O, dk);
            dA[i * F + j] = d;
            rowDot += att[ab + i * F + j] * d;
          }
          for (let j = 0; j < F; j++) {
            dA[i * F + j] = att[ab + i * F + j] * (dA[i * F + j] - rowDot) * scale;
          }
        }
        // dV[r] = Σ_t a_tr dy_t;  dQ[r] = Σ_t dS_rt K_t;  dK[r] = Σ_t dS_tr Q_t (row axpys).
        for (let r = 0; r < F; r++) {
          const ro = ho + r * O;
          dV.fill(0, ro, ro + dk);
          dQ.fill(0, ro, ro + dk);
          dK.fill(0, ro, ro + dk);
          for (let t = 0; t < F; t++) {
            const to = ho + t * O;
            const av = att[ab + t * F + r], sq = dA[r * F + t], sk = dA[t * F + r];
            for (let c = 0; c < dk; c++) {
              dV[ro + c] += av * dy[to + c];
              dQ[ro + c] += sq * K[to + c];
              dK[ro + c] += sk * Q[to + c];
            }
          }
        }
      }
    }
  }
}

/** Dot product of `len` floats at `ao` in `a` and `bo` in `b`, four partial sums. */
function dot(a: Floats, ao: number, b: Floats, bo: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, c = 0;
  for (; c + 4 <= len; c += 4) {
    s0 += a[ao + c] * b[bo + c];
    s1 += a[ao + c + 1] * b[bo + c + 1];
    s2 += a[ao + c + 2] * b[bo + c + 2];
    s3 += a[ao + c + 3] * b[bo + c + 3];
  }
  for (; c < len; c++) s0 += a[ao + c] * b[bo + c];
  return s0 + s1 + s2 + s3;
}
