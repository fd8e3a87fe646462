import assert from "node:assert/strict";
import {
  linearBackwardInput,
  linearBackwardParams,
  linearForward,
  useWasmKernels,
} from "../../backbone/kernels.ts";
import { wasmGemmAvailable } from "../../backbone/wasm/gemm.ts";
import { SeededRandom } from "../../util/random.ts";
import { ParamStore } from "../../backbone/param.ts";
import { SelfAttention } from "../../backbone/layers/self_attention.ts";

/** Reference products in float64, straight from the definitions. */
function naive(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  dy: Float32Array,
  n: number,
  I: number,
  O: number,
) {
  const y = new Float64Array(n * O), dx = new Float64Array(n * I), dw = new Float64Array(O * I);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < O; o++) {
      let s = b[o];
      for (let k = 0; k < I; k++) {
        s += x[r * I + k] * w[o * I + k];
        dx[r * I + k] += dy[r * O + o] * w[o * I + k];
        dw[o * I + k] += dy[r * O + o] * x[r * I + k];
      }
      y[r * O + o] = s;
    }
  }
  return { y, dx, dw };
}

for (const wasm of [false, true]) {
  Deno.test(`linear kernels (${wasm ? "WebAssembly SIMD" : "JavaScript"}) match the definition`, () => {
    if (wasm) assert.ok(wasmGemmAvailable(), "WebAssembly SIMD should be available in Deno");
    useWasmKernels(wasm);
    try {
      const rng = new SeededRandom(4);
      // Odd sizes exercise the 4-row and 8-column tails and the padding.
      for (
        const [n, I, O] of [[1, 3, 2], [7, 13, 11], [64, 96, 64], [130, 37, 200], [9, 256, 8], [
          64,
          20,
          13,
        ]]
      ) {
        const x = Float32Array.from({ length: n * I }, () => rng.normal());
        const w = Float32Array.from({ length: O * I }, () => rng.normal());
        const b = Float32Array.from({ length: O }, () => rng.normal());
        const dy = Float32Array.from({ length: n * O }, () => rng.normal());
        const want = naive(x, w, b, dy, n, I, O);
        const dims = { rows: n, inDim: I, outDim: O };
        const y = new Float32Array(n * O);
        linearForward(x, w, b, y, dims);
        const dx = Float32Array.from({ length: n * I }, () => 1); // accumulate onto ones
        linearBackwardInput(dy, w, dx, { ...dims, accumulate: true });
        const dw = new Float32Array(O * I), db = new Float32Array(O);
        linearBackwardParams(dy, x, dw, db, dims);
        const tol = 1e-4 * Math.sqrt(Math.max(I, n));
        y.forEach((v, i) => assert.ok(Math.abs(v - want.y[i]) < tol, `y ${n}x${I}x${O}`));
        dx.forEach((v, i) => assert.ok(Math.abs(v - 1 - want.dx[i]) < tol, `dx ${n}x${I}x${O}`));
        dw.forEach((v, i) => assert.ok(Math.abs(v - want.dw[i]) < tol * 4, `dw ${n}x${I}x${O}`));
        for (let o = 0; o < O; o++) {
          let s = 0;
          for (let r = 0; r < n; r++) s += dy[r * O + o];
          assert.ok(Math.abs(db[o] - s) < tol);
        }
      }
    } finally {
      useWasmKernels(true);
    }
  });
}

Deno.test("self-attention: WebAssembly SIMD and JavaScript paths agree (float32)", () => {
  const run = (wasm: boolean) => {
    useWasmKernels(wasm);
    try {
      const store = new ParamStore({ seed: 3 });
      const att = new SelfAttention(store, "att", { inDim: 6, heads: 2, headDim: 8, fields: 5 });
      const rng = new SeededRandom(8);
      const n = 7;
      const x = Float32Array.from({ length: n * 5 * 6 }, () => rng.normal());
      const dy = Float32Array.from({ length: n * 5 * 16 }, () => rng.normal());
      const y = att.forward(x, n).slice(0, n * 5 * 16);
      const dx = att.backward(dy, n).slice(0, n * 5 * 6);
      return { y, dx, grads: store.params.map((p) => p.grad.slice()) };
    } finally {
      useWasmKernels(true);
    }
  };
  const js = run(false), simd = run(true);
  const near = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) =>
    Array.from(a).forEach((v, i) =>
      assert.ok(Math.abs(v - b[i]) < 1e-4 * (1 + Math.abs(v)), `${what}[${i}]`)
    );
  near(js.y, simd.y, "y");
  near(js.dx, simd.dx, "dx");
  js.grads.forEach((g, k) => near(g, simd.grads[k], `grad ${k}`));
  assert.ok(js.y.some((v) => v !== 0));
});
