import assert from "node:assert/strict";
import { ParamStore } from "../../backbone/param.ts";
import { Dense } from "../../backbone/layers/dense.ts";
import { Dice } from "../../backbone/layers/activations.ts";
import { Mlp } from "../../backbone/layers/mlp.ts";
import { DinAttention } from "../../backbone/layers/din_attention.ts";
import { CrossNet, type CrossVariant } from "../../backbone/layers/cross.ts";
import { SelfAttention } from "../../backbone/layers/self_attention.ts";
import { HybridExpertAdaptor, MlpAdaptor } from "../../backbone/layers/hea.ts";
import type { Floats } from "../../backbone/types.ts";
import { gradCheck, randomVector, weightedSum } from "./gradcheck.ts";

const f64 = (seed = 5) => new ParamStore({ seed, dtype: "float64" });

/** Layer check: loss = Σ r·y; backward gets a fresh copy of r (layers may modify dy). */
function checkLayer(
  label: string,
  store: ParamStore,
  input: Float64Array,
  outLen: number,
  forward: (x: Floats) => Floats,
  backward: (dy: Float64Array) => Floats | null,
) {
  const r = randomVector(outLen, 11);
  const probed = gradCheck({
    store,
    label,
    input,
    analytic: () => {
      forward(input);
      return backward(r.slice());
    },
    loss: () => weightedSum(forward(input), r),
  });
  assert.ok(probed > 0, `${label}: nothing probed`);
}

Deno.test("Dense: gradients of weight, bias and input", () => {
  const store = f64();
  const layer = new Dense(store, "fc", { inDim: 7, outDim: 5 });
  const n = 6, x = randomVector(n * 7, 1);
  checkLayer("dense", store, x, n * 5, (v) => layer.forward(v, n), (dy) => layer.backward(dy, n));
});

Deno.test("Dense: forward matches a naive product", () => {
  const store = new ParamStore({ seed: 2 });
  const layer = new Dense(store, "fc", { inDim: 3, outDim: 2 });
  layer.bias!.value.set([0.5, -1]);
  const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6]);
  const y = layer.forward(x, 5);
  const w = layer.weight.value;
  for (let r = 0; r < 5; r++) {
    for (let o = 0; o < 2; o++) {
      let s = layer.bias!.value[o];
      for (let k = 0; k < 3; k++) s += x[r * 3 + k] * w[o * 3 + k];
      assert.ok(Math.abs(y[r * 2 + o] - s) < 1e-5);
    }
  }
});

Deno.test("Dice: gradients with batch statistics (train mode), grouped rows, non-zero alpha", () => {
  const store = f64();
  const dice = new Dice(store, "dice", { features: 3, groups: 2 });
  dice.alpha.value[0] = 0.3;
  const rows = 10, x = randomVector(rows * 3, 2);
  checkLayer(
    "dice",
    store,
    x,
    rows * 3,
    (v) => dice.forward(v, rows, "train"),
    (dy) => dice.backward(dy, rows),
  );
});

Deno.test("Dice: statistics are per group, unbiased variance", () => {
  const store = new ParamStore({ seed: 1, dtype: "float64" });
  const dice = new Dice(store, "dice", { features: 1, groups: 2 });
  // Group 0 rows: 0, 2 → values 1, 3; group 1 rows: 1, 3 → values 10, 30.
  const y = dice.forward(new Float64Array([1, 10, 3, 30]), 4, "train");
  const p0 = 1 / (1 + Math.exp(-(1 - 2) / Math.sqrt(2 + 1e-9)));
  assert.ok(Math.abs(y[0] - 1 * p0) < 1e-12);
  const p1 = 1 / (1 + Math.exp(-(10 - 20) / Math.sqrt(200 + 1e-9)));
  assert.ok(Math.abs(y[1] - 10 * p1) < 1e-12);
});

Deno.test("Dice: running statistics follow batch normalisation's momentum rule", () => {
  const store = new ParamStore({ seed: 1, dtype: "float64" });
  const dice = new Dice(store, "dice", { features: 1, groups: 1, momentum: 0.5 });
  assert.deepEqual(Array.from(dice.runningMean.value), [0]);
  assert.deepEqual(Array.from(dice.runningVar.value), [1]);
  // Batch [1, 3]: mean 2, unbiased variance 2.
  dice.forward(new Float64Array([1, 3]), 2, "train");
  assert.deepEqual(Array.from(dice.runningMean.value), [0.5 * 0 + 0.5 * 2]);
  assert.deepEqual(Array.from(dice.runningVar.value), [0.5 * 1 + 0.5 * 2]);
  // Batch [4, 6, 8]: mean 6, unbiased variance 4.
  dice.forward(new Float64Array([4, 6, 8]), 3, "train");
  assert.deepEqual(Array.from(dice.runningMean.value), [0.5 * 1 + 0.5 * 6]);
  assert.deepEqual(Array.from(dice.runningVar.value), [0.5 * 1.5 + 0.5 * 4]);
  // A batch of one row has no variance: the statistics stay.
  dice.forward(new Float64Array([100]), 1, "train");
  assert.deepEqual(Array.from(dice.runningMean.value), [3.5]);
  assert.deepEqual(Array.from(dice.runningVar.value), [2.75]);
  // Inference normalises with them: y = x·σ((x − 3.5)/√(2.75 + 1e-9)) with α = 0.
  const y = dice.forward(new Float64Array([2, 5]), 2, "infer");
  for (const [i, x] of [2, 5].entries()) {
    const p = 1 / (1 + Math.exp(-(x - 3.5) / Math.sqrt(2.75 + 1e-9)));
    assert.ok(Math.abs(y[i] - x * p) < 1e-12, `row ${i}: ${y[i]} vs ${x * p}`);
  }
  assert.throws(() => dice.backward(new Float64Array(2), 2), /needs a forward in train mode/);
});

Deno.test("Dice: infer scores each row alone; reference-eval uses the batch and keeps state", () => {
  const store = new ParamStore({ seed: 1, dtype: "float64" });
  const dice = new Dice(store, "dice", { features: 2, groups: 3 });
  dice.alpha.value[0] = 0.2;
  for (let s = 0; s < 5; s++) dice.forward(randomVector(12 * 6, 30 + s, 2), 36, "train");
  const mean = dice.runningMean.value.slice(), variance = dice.runningVar.value.slice();
  const x = randomVector(8 * 6, 40); // 8 samples × 3 groups × 2 features
  const batched = dice.forward(x, 24, "infer").slice(0, 48);
  for (let b = 0; b < 8; b++) {
    const alone = dice.forward(x.slice(b * 6, b * 6 + 6), 3, "infer");
    for (let j = 0; j < 6; j++) assert.equal(alone[j], batched[b * 6 + j]);
  }
  const whole = dice.forward(x, 24, "reference-eval").slice(0, 6);
  const part = dice.forward(x.slice(0, 12), 6, "reference-eval").slice(0, 6);
  assert.notDeepEqual(Array.from(whole), Array.from(part), "batch statistics depend on the batch");
  assert.deepEqual(dice.runningMean.value, mean);
  assert.deepEqual(dice.runningVar.value, variance);
});

Deno.test("Mlp: gradients through ReLU layers", () => {
  const store = f64();
  const mlp = new Mlp(store, "mlp", { inDim: 5, widths: [7, 4] });
  const n = 5, x = randomVector(n * 5, 3);
  checkLayer("mlp", store, x, n * 4, (v) => mlp.forward(v, n), (dy) => mlp.backward(dy, n));
});

Deno.test("DinAttention: gradients w.r.t. weights, Dice alphas, query and keys (masked)", () => {
  const store = f64();
  const att = new DinAttention(store, "att", { dim: 4, steps: 3, widths: [5, 3] });
  for (const d of att.dice) d.alpha.value[0] = 0.2;
  const n = 6;
  const q = randomVector(n * 4, 4), keys = randomVector(n * 3 * 4, 5);
  const mask = new Float64Array(n * 3).fill(1);
  mask[4] = 0;
  const dq = new Float64Array(n * 4);
  const r = randomVector(n * 4, 6);
  // Check through the query, then through the keys.
  gradCheck({
    store,
    label: "din attention (query)",
    input: q,
    analytic: () => {
      att.forward(q, keys, mask, n, "train");
      dq.fill(0);
      att.backward(r.slice(), dq, n);
      return dq;
    },
    loss: () => weightedSum(att.forward(q, keys, mask, n, "train"), r),
  });
  gradCheck({
    store,
    label: "din attention (keys)",
    input: keys,
    analytic: () => {
      att.forward(q, keys, mask, n, "train");
      dq.fill(0);
      return att.backward(r.slice(), dq, n);
    },
    loss: () => weightedSum(att.forward(q, keys, mask, n, "train"), r),
  });
});

Deno.test("DinAttention: masked steps contribute nothing and scores are not normalised", () => {
  const store = new ParamStore({ seed: 1, dtype: "float64" });
  const att = new DinAttention(store, "att", { dim: 2, steps: 2, widths: [3] });
  const q = new Float64Array([1, 2, 0.5, -1]);
  const keys = new Float64Array([1, 0, 5, 5, 2, 2, 3, 1]);
  const u1 = att.forward(q, keys, new Float64Array([1, 0, 1, 1]), 2, "train").slice();
  keys[2] = 100; // masked step changes: pooled output must not
  const u2 = att.forward(q, keys, new Float64Array([1, 0, 1, 1]), 2, "train").slice();
  assert.deepEqual(Array.from(u1.subarray(0, 2)), Array.from(u2.subarray(0, 2)));
});

for (const variant of ["v1", "v2"] as CrossVariant[]) {
  Deno.test(`CrossNet ${variant}: gradients`, () => {
    const store = f64();
    const cross = new CrossNet(store, "cross", { dim: 6, layers: 3, variant });
    // Non-zero biases so the bias path is exercised.
    for (const p of store.params) if (p.name.endsWith("bias")) p.value.set(randomVector(6, 9, 0.1));
    const n = 5, x = randomVector(n * 6, 7, 0.5);
    checkLayer(`cross ${variant}`, store, x, n * 6, (v) => cross.forward(v, n), (dy) => {
      const dx = cross.backward(dy, n);
      return dx;
    });
  });
}

Deno.test("CrossNet v1 computes the published formula", () => {
  const store = new ParamStore({ seed: 1, dtype: "float64" });
  const a = new CrossNet(store, "a", { dim: 2, layers: 1, variant: "v1" });
  a.kernels[0].value.set([0.5, 1]);
  const x = new Float64Array([2, 3]);
  const s = 2 * 0.5 + 3 * 1;
  assert.deepEqual(Array.from(a.forward(x, 1)), [2 * s + 2, 3 * s + 3]);
});

Deno.test("SelfAttention: gradients with a residual projection, two heads", () => {
  const store = f64();
  const att = new SelfAttention(store, "att", { inDim: 3, heads: 2, headDim: 2, fields: 4 });
  const n = 3, x = randomVector(n * 4 * 3, 8);
  checkLayer(
    "self attention (W_res)",
    store,
    x,
    n * 4 * 4,
    (v) => att.forward(v, n),
    (dy) => att.backward(dy, n),
  );
});

Deno.test("SelfAttention: gradients with the identity residual", () => {
  const store = f64();
  const att = new SelfAttention(store, "att", { inDim: 4, heads: 1, headDim: 4, fields: 3 });
  assert.equal(att.residual, null);
  const n = 3, x = randomVector(n * 3 * 4, 9);
  checkLayer(
    "self attention (identity)",
    store,
    x,
    n * 3 * 4,
    (v) => att.forward(v, n),
    (dy) => att.backward(dy, n),
  );
});

Deno.test("HEA: gradients of experts and gates", () => {
  const store = f64();
  const hea = new HybridExpertAdaptor(store, "hea", {
    inDim: 5,
    sharedExperts: 2,
    specificExperts: 3,
    expertArch: [6, 3],
  });
  const n = 4, x = randomVector(2 * n * 5, 10);
  checkLayer("hea", store, x, n * 6, (v) => hea.forward(v, n), (dy) => {
    hea.backward(dy, n);
    return null;
  });
});

Deno.test("HEA: output is the gate-weighted sum of the task's experts (§7.1)", () => {
  const store = new ParamStore({ seed: 4, dtype: "float64" });
  const hea = new HybridExpertAdaptor(store, "hea", {
    inDim: 3,
    sharedExperts: 1,
    specificExperts: 2,
    expertArch: [4, 2],
  });
  const x = randomVector(2 * 3, 12); // n = 1: user row then item row
  const dens = hea.forward(x, 1).slice(0, 4);
  // Recompute independently from the parameters.
  const expert = (prefix: string, v: Float64Array) => {
    const w1 = store.get(`${prefix}.0.weight`).value, b1 = store.get(`${prefix}.0.bias`).value;
    const w2 = store.get(`${prefix}.1.weight`).value, b2 = store.get(`${prefix}.1.bias`).value;
    const h = [0, 1, 2, 3].map((o) =>
      Math.max(0, b1[o] + [0, 1, 2].reduce((s, k) => s + w1[o * 3 + k] * v[k], 0))
    );
    return [0, 1].map((o) =>
      Math.max(0, b2[o] + [0, 1, 2, 3].reduce((s, k) => s + w2[o * 4 + k] * h[k], 0))
    );
  };
  ["user", "item"].forEach((task, t) => {
    const v = x.slice(t * 3, t * 3 + 3);
    const gw = store.get(`hea.gate.${task}.weight`).value,
      gb = store.get(`hea.gate.${task}.bias`).value;
    const logits = [0, 1, 2].map((k) =>
      gb[k] + [0, 1, 2].reduce((s, j) => s + gw[k * 3 + j] * v[j], 0)
    );
    const m = Math.max(...logits), e = logits.map((l) => Math.exp(l - m));
    const g = e.map((a) => a / e.reduce((s, b) => s + b, 0));
    const outs = [
      expert("hea.shared.0", v),
      expert(`hea.${task}.0`, v),
      expert(`hea.${task}.1`, v),
    ];
    for (let j = 0; j < 2; j++) {
      const want = g[0] * outs[0][j] + g[1] * outs[1][j] + g[2] * outs[2][j];
      assert.ok(Math.abs(dens[t * 2 + j] - want) < 1e-12, `${task}[${j}]`);
    }
  });
});

Deno.test("MlpAdaptor: gradients", () => {
  const store = f64();
  const adaptor = new MlpAdaptor(store, "mlp", { inDim: 5, expertArch: [6, 3] });
  const n = 4, x = randomVector(2 * n * 5, 13);
  checkLayer("mlp adaptor", store, x, n * 6, (v) => adaptor.forward(v, n), (dy) => {
    adaptor.backward(dy, n);
    return null;
  });
});
