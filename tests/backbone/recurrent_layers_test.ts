import assert from "node:assert/strict";
import { ParamStore } from "../../backbone/param.ts";
import { GruCell, GruSequence, type GruVariant } from "../../backbone/layers/gru.ts";
import { gradCheck, randomVector, weightedSum } from "./gradcheck.ts";

// Tolerance: gradcheck.ts's, |analytic − numeric| ≤ 1e-7 + 1e-4·max(|analytic|, |numeric|) with
// central differences h = 1e-5 in float64, on every weight and bias and on sampled inputs.

const VARIANTS: GruVariant[] = ["gru", "agru", "augru"];

/** Moves the zero-initialised biases so their gradient paths are exercised. */
function moveBiases(store: ParamStore) {
  for (const p of store.params) {
    if (p.name.includes("bias")) p.value.set(randomVector(p.size, p.size + 17, 0.3));
  }
}

/** Scores in (0, 1) as DIN attention might give (not normalised). */
function scores(n: number, seed: number): Float64Array {
  return randomVector(n, seed).map((v) => 1 / (1 + Math.exp(-v)));
}

for (const variant of VARIANTS) {
  Deno.test(`GruCell (${variant}): gradients of the weights, biases, x, h and the scores`, () => {
    const store = new ParamStore({ seed: 3, dtype: "float64" });
    const I = 4, H = 3, n = 5;
    const cell = new GruCell(store, "cell", { inDim: I, hiddenDim: H, variant });
    moveBiases(store);
    const x = randomVector(n * I, 1), h = randomVector(n * H, 2, 0.5);
    const a = variant === "gru" ? null : scores(n, 4);
    const mask = Float64Array.from([1, 0, 1, 1, 0]);
    const r = randomVector(n * H, 5);
    const step = cell.createStep();
    const grads = {
      dx: new Float64Array(n * I),
      dh: new Float64Array(n * H),
      dAttention: a === null ? null : new Float64Array(n),
    };
    const analytic = () => {
      cell.forward(x, h, n, step, { attention: a, mask });
      cell.backward(r, n, step, grads);
    };
    const loss = () => weightedSum(cell.forward(x, h, n, step, { attention: a, mask }), r);
    const inputs: [string, Float64Array, () => Float64Array][] = [
      ["x", x, () => grads.dx],
      ["h", h, () => grads.dh],
    ];
    if (a !== null) inputs.push(["attention", a, () => grads.dAttention!]);
    for (const [label, input, grad] of inputs) {
      const probed = gradCheck({
        store,
        label: `${variant} cell, ${label}`,
        input,
        maxPerParam: 36,
        analytic: () => (analytic(), grad()),
        loss,
      });
      // Every weight and bias entry, then up to 24 sampled inputs.
      assert.equal(probed, store.count() + Math.min(input.length, 24), `${variant}, ${label}`);
    }
    // Padded rows: the state passes through, nothing reaches x, the weights or the scores.
    for (const row of [1, 4]) {
      for (let j = 0; j < H; j++) assert.equal(grads.dh[row * H + j], r[row * H + j]);
      for (let j = 0; j < I; j++) assert.equal(grads.dx[row * I + j], 0);
      if (a !== null) assert.equal(grads.dAttention![row], 0);
    }
  });

  Deno.test(`GruSequence (${variant}): gradients through a masked history, states and last`, () => {
    const store = new ParamStore({ seed: 8, dtype: "float64" });
    const I = 3, H = 4, T = 4, n = 4;
    const gru = new GruSequence(store, "gru", { inDim: I, hiddenDim: H, steps: T, variant });
    moveBiases(store);
    const x = randomVector(n * T * I, 11);
    // Full, right-padded, padded in the middle, all padding.
    const mask = Float64Array.from([1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    const a = variant === "gru" ? null : scores(n * T, 12);
    const rStates = randomVector(n * T * H, 13), rLast = randomVector(n * H, 14);
    const loss = () => {
      const states = gru.forward(x, mask, n, a);
      return weightedSum(states, rStates) + weightedSum(gru.last, rLast);
    };
    const analytic = () => {
      gru.forward(x, mask, n, a);
      return gru.backward(rStates, rLast, n);
    };
    gradCheck({ store, label: `${variant} sequence, x`, input: x, analytic, loss });
    if (a !== null) {
      gradCheck({
        store,
        label: `${variant} sequence, scores`,
        input: a,
        analytic: () => (analytic(), gru.dAttention),
        loss,
      });
    }
    // A padded position repeats its predecessor's state; an all-padding sample stays at 0.
    const states = gru.forward(x, mask, n, a);
    for (let j = 0; j < H; j++) {
      assert.equal(states[(1 * T + 2) * H + j], states[(1 * T + 1) * H + j]);
      assert.equal(states[(2 * T + 1) * H + j], states[(2 * T + 0) * H + j]);
      assert.equal(gru.last[1 * H + j], states[(1 * T + 1) * H + j]);
      assert.equal(gru.last[3 * H + j], 0);
    }
  });
}

Deno.test("GruCell: one step is torch's GRU formula, r, z, n rows with separate biases", () => {
  const store = new ParamStore({ seed: 2, dtype: "float64" });
  const cell = new GruCell(store, "cell", { inDim: 2, hiddenDim: 1 });
  assert.deepEqual(store.params.map((p) => [p.name, p.shape]), [
    ["cell.weight_ih", [3, 2]],
    ["cell.weight_hh", [3, 1]],
    ["cell.bias_ih", [3]],
    ["cell.bias_hh", [3]],
  ]);
  assert.ok(cell.biasIh.value.every((v) => v === 0) && cell.biasHh.value.every((v) => v === 0));
  cell.weightIh.value.set([0.5, -1, 0.25, 0.75, 1, 2]);
  cell.weightHh.value.set([0.3, -0.6, 0.9]);
  cell.biasIh.value.set([0.1, 0.2, 0.3]);
  cell.biasHh.value.set([-0.1, 0.4, -0.2]);
  const x = [1, 0.5], h = 0.7;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const r = sig(0.5 * x[0] - x[1] + 0.1 + 0.3 * h - 0.1);
  const z = sig(0.25 * x[0] + 0.75 * x[1] + 0.2 - 0.6 * h + 0.4);
  const c = Math.tanh(x[0] + 2 * x[1] + 0.3 + r * (0.9 * h - 0.2));
  const out = cell.forward(Float64Array.from(x), Float64Array.from([h]), 1, cell.createStep());
  assert.ok(Math.abs(out[0] - ((1 - z) * c + z * h)) < 1e-15, `${out[0]}`);
});

Deno.test("AGRU and AUGRU: a score of 0 keeps the state; AGRU at 1 takes the candidate", () => {
  const I = 3, H = 2, n = 2;
  const x = randomVector(n * I, 1), h = randomVector(n * H, 2);
  const zero = new Float64Array(n), one = new Float64Array(n).fill(1);
  for (const variant of ["agru", "augru"] as const) {
    const cell = new GruCell(new ParamStore({ seed: 4, dtype: "float64" }), "c", {
      inDim: I,
      hiddenDim: H,
      variant,
    });
    assert.deepEqual([...cell.forward(x, h, n, cell.createStep(), { attention: zero })], [...h]);
    assert.throws(
      () => cell.forward(x, h, n, cell.createStep()),
      new RegExp(`the ${variant} variant needs attention scores`),
    );
    if (variant === "agru") {
      // h′ = c = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)): independent of z's rows.
      const before = [...cell.forward(x, h, n, cell.createStep(), { attention: one })];
      cell.weightIh.value.fill(5, H * I, 2 * H * I);
      const after = [...cell.forward(x, h, n, cell.createStep(), { attention: one })];
      assert.deepEqual(after, before);
    }
  }
});
