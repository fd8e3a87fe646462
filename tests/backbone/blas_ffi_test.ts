import assert from "node:assert/strict";
import { Adam } from "../../backbone/adam.ts";
import { loadNativeSgemm } from "../../backbone/blas_ffi.ts";
import { createModel } from "../../backbone/create_model.ts";
import {
  linearBackward,
  linearBackwardInput,
  linearBackwardParams,
  linearForward,
  nativeBlasOn,
  useNativeBlas,
  useWasmKernels,
} from "../../backbone/kernels.ts";
import { bceWithLogits } from "../../backbone/loss.ts";
import { trainStep } from "../../backbone/trainer.ts";
import type { ModelConfig } from "../../backbone/types.ts";
import { SeededRandom } from "../../util/random.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

const sgemm = loadNativeSgemm();
if (sgemm === undefined) {
  console.log("blas_ffi_test: no system OpenBLAS (or no FFI permission), skipped");
}
const native = { ignore: sgemm === undefined };

function randoms(rng: SeededRandom, n: number) {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Runs `f` with float32 products on the native path (`true`) or the WebAssembly one. */
function onPath<T>(nativePath: boolean, f: () => T): T {
  useWasmKernels(true);
  assert.equal(useNativeBlas(nativePath), nativePath);
  try {
    return f();
  } finally {
    useWasmKernels(true);
    useNativeBlas(false);
  }
}

/** Float32 rounding of a k-term dot product of unit normals: relative to √k, generously. */
function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, k: number, what: string) {
  assert.equal(got.length, want.length, what);
  const tol = 1e-5 * Math.sqrt(k) * 4;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(err <= tol * (1 + Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

Deno.test("sgemm: transposes and beta accumulate match float64 on odd shapes", native, () => {
  const rng = new SeededRandom(31);
  for (const [m, n, k] of [[1, 1, 1], [7, 13, 5], [33, 9, 130], [5, 200, 17]]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = randoms(rng, m * k), b = randoms(rng, k * n), c0 = randoms(rng, m * n);
        for (const beta of [0, 1]) {
          const c = c0.slice();
          sgemm!({ m, n, k, a, b, c, transA, transB, beta });
          const want = new Float64Array(m * n);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = beta * c0[i * n + j];
              for (let p = 0; p < k; p++) {
                s += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
              }
              want[i * n + j] = s;
            }
          }
          assertNear(c, want, k, `${m}x${n}x${k} tA=${transA} tB=${transB} beta=${beta}`);
        }
      }
    }
  }
});

Deno.test("native path: linear forward and backward match the WebAssembly path", native, () => {
  const rng = new SeededRandom(32);
  for (const [n, I, O] of [[37, 23, 19], [130, 96, 64], [9, 256, 200]]) {
    const x = randoms(rng, n * I), w = randoms(rng, O * I), b = randoms(rng, O);
    const dy = randoms(rng, n * O), dims = { rows: n, inDim: I, outDim: O };
    const run = (nativePath: boolean) =>
      onPath(nativePath, () => {
        assert.equal(nativeBlasOn(), nativePath);
        const y = new Float32Array(n * O), yr = new Float32Array(n * O);
        linearForward(x, w, b, y, dims);
        linearForward(x, w, null, yr, { ...dims, relu: true });
        const dw = new Float32Array(O * I).fill(0.5), db = new Float32Array(O).fill(0.25);
        const dx = new Float32Array(n * I).fill(1), dx2 = new Float32Array(n * I).fill(1);
        linearBackward(dy.slice(), x, w, { dw, db, dx }, {
          ...dims,
          accumulate: true,
          reluOut: yr,
        });
        linearBackwardInput(dy, w, dx2, { ...dims, accumulate: false });
        linearBackwardParams(dy, x, dw, db, dims);
        return { y, yr, dw, db, dx, dx2 };
      });
    const got = run(true), want = run(false);
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      assertNear(got[key], want[key], Math.max(n, I, O), `${n}x${I}x${O} ${key}`);
    }
  }
});

const SHAPE = { ...SMALL, items: 60 };
const CASES: [string, Partial<ModelConfig>, { userDim: number; itemDim: number } | undefined][] = [
  ["DIN", {}, undefined],
  ["DIN + HEA", { knowledge: { userDim: 48, itemDim: 40 } }, { userDim: 48, itemDim: 40 }],
];

for (const [label, extra, knowledge] of CASES) {
  const inputs = syntheticInputs(SHAPE, { size: 512, seed: 4, knowledge });
  const config = smallConfig(SHAPE, { embedDim: 16, mlp: [64, 32], seed: 7, ...extra });
  const index = Int32Array.from({ length: 512 }, (_, i) => (i * 5) % 512);
  const batch = { inputs, index, start: 0, size: 256 };
  /** Loss and gradients of one forward and backward on `dtype`. */
  const gradients = (nativePath: boolean, dtype: "float32" | "float64") =>
    onPath(nativePath, () => {
      const model = createModel("din", { ...config, dtype });
      const labels = Float64Array.from({ length: 256 }, (_, b) => inputs.split.label[index[b]]);
      const d = new Float64Array(256);
      const loss = bceWithLogits(model.forward(batch, "train"), labels, d, 256);
      model.backward(d, 256);
      return { loss, grads: model.store.params.map((p) => p.grad.slice()) };
    });

  // Tolerance: each gradient within 1e-4 of its tensor's largest magnitude, the loss within 1e-6
  // relative: float32 rounding of products summed in a different order.
  Deno.test(`${label}: a training step on the native path matches WebAssembly`, native, () => {
    const got = gradients(true, "float32"), want = gradients(false, "float32");
    assert.ok(Math.abs(got.loss - want.loss) <= 1e-6 * want.loss, `${got.loss} vs ${want.loss}`);
    want.grads.forEach((g, k) => {
      let scale = 0;
      for (let i = 0; i < g.length; i++) scale = Math.max(scale, Math.abs(g[i]));
      for (let i = 0; i < g.length; i++) {
        const v = g[i], err = Math.abs(got.grads[k][i] - v);
        assert.ok(err <= 1e-4 * scale + 1e-9, `param ${k}[${i}]: ${got.grads[k][i]} vs ${v}`);
      }
    });
    // And whole steps with Adam: the losses agree the same way.
    const losses = [true, false].map((nativePath) =>
      onPath(nativePath, () => {
        const model = createModel("din", config);
        const adam = new Adam(model.store.params, { lr: 1e-3 });
        return [0, 256, 0].map((start) => trainStep(model, adam, { ...batch, start }));
      })
    );
    losses[0].forEach((l, s) => assert.ok(Math.abs(l - losses[1][s]) <= 1e-5 * losses[1][s]));
  });

  Deno.test(`${label}: float64 gradients are unaffected by the native path`, native, () => {
    const got = gradients(true, "float64"), want = gradients(false, "float64");
    assert.equal(got.loss, want.loss);
    assert.deepEqual(got.grads, want.grads);
  });

  Deno.test(`${label}: the native path is deterministic on one thread`, native, () => {
    const a = gradients(true, "float32"), b = gradients(true, "float32");
    assert.equal(a.loss, b.loss);
    assert.deepEqual(a.grads, b.grads);
  });
}

Deno.test(
  "sgemm: an operand shorter than the product's shape is refused before the library runs",
  native,
  () => {
    const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4);
    assert.throws(
      () => sgemm!({ m: 2, n: 2, k: 4, a, b, c }),
      /sgemm 2x2x4: an operand is too short/,
    );
    assert.deepEqual([...c], [0, 0, 0, 0]);
  },
);
