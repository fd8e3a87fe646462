import assert from "node:assert/strict";
import { ParamStore } from "../../backbone/param.ts";
import { Cin } from "../../backbone/layers/cin.ts";
import { Senet } from "../../backbone/layers/senet.ts";
import { Bilinear } from "../../backbone/layers/bilinear.ts";
import type { Floats } from "../../backbone/types.ts";
import { gradCheck, randomVector, weightedSum } from "./gradcheck.ts";

// Tolerance: gradcheck.ts's, |analytic − numeric| ≤ 1e-7 + 1e-4·max(|analytic|, |numeric|) with
// central differences h = 1e-5 in float64. Inputs have a stride wider than the fields read, so
// the padding's gradient must stay 0.

interface StridedLayer {
  forward(x: Floats, n: number): Floats;
  backward(dy: Floats, n: number, dx: Floats): void;
}

function checkStrided(
  label: string,
  store: ParamStore,
  layer: StridedLayer,
  n: number,
  stride: number,
  outLen: number,
) {
  const x = randomVector(n * stride, 3);
  const r = randomVector(outLen, 11);
  let dx = new Float64Array(0);
  const probed = gradCheck({
    store,
    label,
    input: x,
    analytic: () => {
      layer.forward(x, n);
      dx = new Float64Array(n * stride);
      layer.backward(r.slice(), n, dx);
      return dx;
    },
    loss: () => weightedSum(layer.forward(x, n), r),
  });
  assert.ok(probed > store.params.length, `${label}: probed ${probed}`);
  return dx;
}

Deno.test("Cin: gradients of every layer's weight and bias and of the input", () => {
  const store = new ParamStore({ seed: 5, dtype: "float64" });
  const F = 3, d = 4, stride = F * d + 2, n = 5;
  const cin = new Cin(store, "cin", { fields: F, dim: d, stride, layers: [4, 2, 3] });
  assert.equal(cin.outDim, 9);
  for (const p of store.params) if (p.name.endsWith("bias")) p.value.fill(0.1);
  const dx = checkStrided("cin", store, cin, n, stride, n * cin.outDim);
  for (let b = 0; b < n; b++) assert.equal(dx[b * stride + F * d], 0);
});

Deno.test("Cin: one layer computes Σ_j Σ_{i,m} W[h, i·F+m]·x_i[j]·x_m[j] + d·b", () => {
  const store = new ParamStore({ seed: 2, dtype: "float64" });
  const F = 2, d = 3;
  const cin = new Cin(store, "cin", { fields: F, dim: d, stride: F * d, layers: [2] });
  cin.layers[0].bias!.value.set([0.5, -0.25]);
  const x = randomVector(F * d, 8);
  const y = cin.forward(x, 1);
  const w = cin.layers[0].weight.value;
  for (let h = 0; h < 2; h++) {
    let s = d * cin.layers[0].bias!.value[h];
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < F; i++) {
        for (let m = 0; m < F; m++) s += w[h * F * F + i * F + m] * x[i * d + j] * x[m * d + j];
      }
    }
    assert.ok(Math.abs(y[h] - s) < 1e-12, `map ${h}: ${y[h]} vs ${s}`);
  }
});

Deno.test("Senet: gradients of both excitation weights and of the input", () => {
  const store = new ParamStore({ seed: 7, dtype: "float64" });
  const F = 6, d = 3, stride = F * d + 1, n = 4;
  const senet = new Senet(store, "senet", { fields: F, dim: d, stride, reductionRatio: 3 });
  assert.deepEqual(senet.squeeze.weight.shape, [2, 6]);
  const dx = checkStrided("senet", store, senet, n, stride, n * F * d);
  for (let b = 0; b < n; b++) assert.equal(dx[b * stride + F * d], 0);
});

Deno.test("Senet: a field's weight is the excitation of the field means", () => {
  const store = new ParamStore({ seed: 1, dtype: "float64" });
  const senet = new Senet(store, "senet", { fields: 2, dim: 2, stride: 4, reductionRatio: 3 });
  senet.squeeze.weight.value.set([1, 1]);
  senet.excite.weight.value.set([2, -1]);
  const v = senet.forward(Float64Array.from([1, 3, 0, 2]), 1);
  // z = [2, 1]; hidden = ReLU(3) = 3; a = ReLU([6, −3]) = [6, 0].
  assert.deepEqual([...v], [6, 18, 0, 0]);
});

Deno.test("Bilinear: gradients of every pair's weight and of the input", () => {
  const store = new ParamStore({ seed: 9, dtype: "float64" });
  const F = 4, d = 3, stride = F * d + 3, n = 3;
  const bilinear = new Bilinear(store, "bilinear", { fields: F, dim: d, stride });
  assert.equal(bilinear.pairs, 6);
  const dx = checkStrided("bilinear", store, bilinear, n, stride, n * 6 * d);
  for (let b = 0; b < n; b++) assert.equal(dx[b * stride + F * d + 1], 0);
});

Deno.test("Bilinear: pair (i, j) is (W·v_i) ⊙ v_j in lexicographic pair order", () => {
  const store = new ParamStore({ seed: 4, dtype: "float64" });
  const bilinear = new Bilinear(store, "bilinear", { fields: 3, dim: 2, stride: 6 });
  const x = Float64Array.from([1, 2, 3, 4, 5, 6]);
  const y = bilinear.forward(x, 1);
  const pairs = [[0, 1], [0, 2], [1, 2]];
  pairs.forEach(([i, j], p) => {
    const w = bilinear.weights[p].value;
    for (let k = 0; k < 2; k++) {
      const t = w[k * 2] * x[i * 2] + w[k * 2 + 1] * x[i * 2 + 1];
      assert.ok(Math.abs(y[p * 2 + k] - t * x[j * 2 + k]) < 1e-12);
    }
  });
});
