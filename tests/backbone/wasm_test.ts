import assert from "node:assert/strict";
import {
  linearBackward,
  linearBackwardInput,
  linearBackwardParams,
  linearForward,
  useWasmKernels,
} from "../../backbone/kernels.ts";
import {
  useWasmGemmVariant,
  wasmGemmAvailable,
  type WasmGemmVariant,
  wasmGemmVariant,
} from "../../backbone/wasm/gemm.ts";
import { Adam } from "../../backbone/adam.ts";
import { WasmAdamState } from "../../backbone/wasm/adam_state.ts";
import { CrossNet } from "../../backbone/layers/cross.ts";
import { ParamStore } from "../../backbone/param.ts";
import { SeededRandom } from "../../util/random.ts";

const VARIANTS: WasmGemmVariant[] = ["relaxed-simd", "simd"];

/** Runs `f` on one compiled module with the WebAssembly kernels on, then restores the default. */
function withVariant(variant: WasmGemmVariant, f: () => void) {
  assert.ok(wasmGemmAvailable(), "WebAssembly SIMD should be available in Deno");
  assert.ok(useWasmGemmVariant(variant), `${variant} should compile in Deno`);
  useWasmKernels(true);
  try {
    f();
  } finally {
    useWasmGemmVariant("relaxed-simd");
    useWasmKernels(true);
  }
}

function randoms(rng: SeededRandom, n: number, scale = 1) {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

Deno.test("current Deno runs the relaxed-SIMD (fused multiply-add) module", () => {
  assert.ok(wasmGemmAvailable());
  assert.equal(wasmGemmVariant(), "relaxed-simd");
});

for (const variant of VARIANTS) {
  Deno.test(`${variant}: linear forward (bias, ReLU) and fused backward match float64`, () => {
    withVariant(variant, () => {
      const rng = new SeededRandom(21);
      // Row counts around the 6-, 2- and 1-row blocks, widths off the 8-column panels.
      for (
        const [n, I, O] of [[1, 9, 8], [7, 13, 11], [13, 96, 64], [130, 37, 200], [9, 256, 8], [
          64,
          20,
          13,
        ], [256, 160, 200]]
      ) {
        const x = randoms(rng, n * I), w = randoms(rng, O * I), b = randoms(rng, O);
        const dy = randoms(rng, n * O);
        const y = new Float32Array(n * O), yr = new Float32Array(n * O);
        const dims = { rows: n, inDim: I, outDim: O };
        linearForward(x, w, b, y, dims);
        linearForward(x, w, b, yr, { ...dims, relu: true });
        // Backward through that ReLU: masked dy, dW, db and dx accumulated onto ones.
        const dw = new Float32Array(O * I).fill(0.5), db = new Float32Array(O).fill(0.25);
        const dx = new Float32Array(n * I).fill(1);
        linearBackward(dy.slice(), x, w, { dw, db, dx }, {
          ...dims,
          accumulate: true,
          reluOut: yr,
        });
        const tol = 1e-4 * Math.sqrt(Math.max(I, n, O));
        const g = new Float64Array(n * O);
        for (let r = 0; r < n; r++) {
          for (let o = 0; o < O; o++) {
            let s = b[o];
            for (let k = 0; k < I; k++) s += x[r * I + k] * w[o * I + k];
            const i = r * O + o;
            assert.ok(Math.abs(y[i] - s) < tol, `y ${n}x${I}x${O}`);
            assert.equal(yr[i], s < 0 ? 0 : y[i], `relu ${n}x${I}x${O}`);
            g[i] = yr[i] <= 0 ? 0 : dy[i];
          }
        }
        for (let o = 0; o < O; o++) {
          let s = 0.25;
          for (let r = 0; r < n; r++) s += g[r * O + o];
          assert.ok(Math.abs(db[o] - s) < tol, `db ${n}x${I}x${O}`);
          for (let k = 0; k < I; k++) {
            let t = 0.5;
            for (let r = 0; r < n; r++) t += g[r * O + o] * x[r * I + k];
            assert.ok(Math.abs(dw[o * I + k] - t) < tol * 4, `dw ${n}x${I}x${O}`);
          }
        }
        for (let r = 0; r < n; r++) {
          for (let k = 0; k < I; k++) {
            let t = 1;
            for (let o = 0; o < O; o++) t += g[r * O + o] * w[o * I + k];
            assert.ok(Math.abs(dx[r * I + k] - t) < tol, `dx ${n}x${I}x${O}`);
          }
        }
      }
    });
  });
}

for (const variant of VARIANTS) {
  Deno.test(`${variant}: the fused backward equals the separate products bit for bit`, () => {
    withVariant(variant, () => {
      const rng = new SeededRandom(8);
      // Products large enough for the WebAssembly path.
      for (const [n, I, O] of [[50, 24, 40], [31, 33, 9]]) {
        const x = randoms(rng, n * I), w = randoms(rng, O * I), dy = randoms(rng, n * O);
        const y = randoms(rng, n * O).map((v) => (v < 0 ? 0 : v));
        const dims = { rows: n, inDim: I, outDim: O, accumulate: false };
        const fused = {
          dw: new Float32Array(O * I),
          db: new Float32Array(O),
          dx: new Float32Array(n * I),
        };
        linearBackward(dy.slice(), x, w, fused, { ...dims, reluOut: y });
        const masked = dy.map((v, i) => (y[i] <= 0 ? 0 : v));
        const dw = new Float32Array(O * I), db = new Float32Array(O), dx = new Float32Array(n * I);
        linearBackwardParams(masked, x, dw, db, dims);
        linearBackwardInput(masked, w, dx, dims);
        assert.deepEqual(fused.dw, dw);
        assert.deepEqual(fused.db, db);
        assert.deepEqual(fused.dx, dx);
        // db adds the rows in order, as the JavaScript loop does.
        const want = new Float32Array(O);
        for (let r = 0; r < n; r++) for (let o = 0; o < O; o++) want[o] += masked[r * O + o];
        assert.deepEqual(db, want);
      }
    });
  });
}

Deno.test("CrossNet v1: the WebAssembly path matches JavaScript to float32 rounding", () => {
  const run = (wasm: boolean) => {
    useWasmKernels(wasm);
    try {
      const store = new ParamStore({ seed: 2 });
      // Odd width and a row count off the kernel's groups of four.
      const D = 13, n = 23, cross = new CrossNet(store, "c", { dim: D, layers: 3, variant: "v1" });
      const rng = new SeededRandom(6);
      for (const p of store.params) p.value.set(randoms(rng, p.size, 0.3));
      const x = randoms(rng, n * D), dOut = randoms(rng, n * D);
      const y = cross.forward(x, n).slice(0, n * D);
      const dx = cross.backward(dOut, n).slice(0, n * D);
      // A second batch accumulates onto the same gradients.
      cross.forward(dOut, n);
      cross.backward(x, n);
      return [y, dx, ...store.params.map((p) => p.grad.slice())];
    } finally {
      useWasmKernels(true);
    }
  };
  // JavaScript sums in float64, the kernel in float32 four lanes at a time.
  const js = run(false), simd = run(true);
  js.forEach((v, i) =>
    v.forEach((x, j) => {
      const err = Math.abs(simd[i][j] - x);
      assert.ok(err <= 1e-5 * (1 + Math.abs(x)), `output ${i}[${j}]: ${simd[i][j]} vs ${x}`);
    })
  );
});

Deno.test("Adam: the WebAssembly update gives the JavaScript results exactly", () => {
  const run = (wasm: boolean) => {
    useWasmKernels(wasm);
    try {
      const store = new ParamStore({ seed: 3 });
      // Sizes off the kernel's groups of four, one below the 64-value threshold.
      const ps = [
        store.add("a", [7, 19], { kind: "xavierNormal" }),
        store.add("b", [66], {
          kind: "zeros",
        }),
        store.add("c", [5], { kind: "zeros" }),
      ];
      const table = store.add("t", [9, 3], { kind: "xavierNormal" }, { sparse: true });
      const adam = new Adam(store.params, { lr: 0.01 });
      const rng = new SeededRandom(9);
      for (let step = 0; step < 5; step++) {
        for (const p of ps) p.grad.set(randoms(rng, p.size));
        table.grad[3 * (step % 9)] = 0.5;
        table.markRow(step % 9);
        adam.step(step === 3 ? 0.5 : 1);
      }
      return store.params.map((p) => p.value.slice());
    } finally {
      useWasmKernels(true);
    }
  };
  const js = run(false), simd = run(true);
  js.forEach((v, i) => assert.deepEqual(simd[i], v, `param ${i}`));
});

Deno.test("Adam: float32 steps follow the float64 formula to float32 precision", () => {
  const run = (dtype: "float32" | "float64") => {
    const store = new ParamStore({ seed: 4, dtype });
    const w = store.add("w", [3, 37], { kind: "xavierNormal" });
    const table = store.add("t", [6, 8], { kind: "xavierNormal" }, { sparse: true });
    const adam = new Adam(store.params, { lr: 0.01 });
    const rng = new SeededRandom(12);
    for (let step = 0; step < 6; step++) {
      w.grad.set(randoms(rng, w.size));
      table.grad.set(randoms(rng, 8), 8 * (step % 6));
      table.markRow(step % 6);
      adam.step(step === 2 ? 0.25 : 1);
    }
    return store.params.map((p) => Array.from(p.value));
  };
  const f32 = run("float32"), f64 = run("float64");
  f64.forEach((values, k) =>
    values.forEach((x, i) =>
      assert.ok(Math.abs(f32[k][i] - x) < 2e-6, `param ${k}[${i}]: ${f32[k][i]} vs ${x}`)
    )
  );
});

Deno.test("WasmAdamState: moving the moments to another memory keeps the run", () => {
  const c = { b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 0.01, gradScale: 1 };
  const run = (move: boolean) => {
    const state = WasmAdamState.create([5, 70])!;
    const w = [new Float32Array(5), new Float32Array(70)], rng = new SeededRandom(3);
    for (let step = 0; step < 4; step++) {
      if (move && step === 2) {
        const memory = WasmAdamState.memory(WasmAdamState.bytes([5, 70], 2) + 4096)!;
        state.moveTo(memory, 4096, 2);
        assert.equal(state.memory, memory);
      }
      w.forEach((x, k) => state.update(k, x, Float32Array.from(randoms(rng, x.length)), c));
    }
    return [...w, ...state.m, ...state.v].map((x) => Array.from(x));
  };
  assert.deepEqual(run(true), run(false));
  const state = WasmAdamState.create([5])!;
  assert.throws(
    () => state.moveTo(WasmAdamState.memory(16)!, 65536 - 8, 1),
    /does not fit/,
  );
});

Deno.test("WasmAdamState: moments start at zero and follow the update", () => {
  const state = WasmAdamState.create([3, 70]);
  assert.ok(state);
  assert.deepEqual(Array.from(state.m[0]), [0, 0, 0]);
  const w = new Float32Array(70), g = new Float32Array(70).fill(2);
  state.update(1, w, g, { b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 0.1, gradScale: 1 });
  assert.ok(Math.abs(state.m[1][69] - 0.2) < 1e-7);
  assert.ok(Math.abs(state.v[1][0] - 0.004) < 1e-9);
  assert.ok(Math.abs(w[69] + 0.1 * 0.2 / (Math.sqrt(0.004) + 1e-8)) < 1e-6);
});
