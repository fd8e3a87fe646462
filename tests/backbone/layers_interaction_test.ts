import assert from "node:assert/strict";
import { ParamStore } from "../../backbone/param.ts";
import { Cin } from "../../backbone/layers/cin.ts";
import { Senet } from "../../backbone/layers/senet.ts";
import { Bilinear, type BilinearType } from "../../backbone/layers/bilinear.ts";
import type { Floats } from "../../backbone/types.ts";
import { gradCheck, randomVector, weightedSum } from "./gradcheck.ts";

// Tolerance: gradcheck.ts's, |analytic − numeric| ≤ 1e-7 + 1e-4·max(|analytic|, |numeric|) with
// central differences h = 1e-5 in float64. Every layer reads a field matrix, rows of F·d values.

interface FieldLayer {
  forward(x: Floats, n: number): Floats;
  backward(dy: Floats, n: number, dx: Floats): void;
}

function checkLayer(
  label: string,
  store: ParamStore,
  layer: FieldLayer,
  inLen: number,
  n: number,
  outLen: number,
) {
  const x = randomVector(inLen, 3);
  const r = randomVector(outLen, 11);
  const probed = gradCheck({
    store,
    label,
    input: x,
    analytic: () => {
      layer.forward(x, n);
      const dx = new Float64Array(inLen);
      layer.backward(r.slice(), n, dx);
      return dx;
    },
    loss: () => weightedSum(layer.forward(x, n), r),
  });
  assert.ok(probed > store.params.length, `${label}: probed ${probed}`);
}

Deno.test("Cin: gradients of every layer's weight and bias and of the input", () => {
  const store = new ParamStore({ seed: 5, dtype: "float64" });
  const F = 3, d = 4, n = 5;
  const cin = new Cin(store, "cin", { fields: F, dim: d, layers: [4, 2, 3] });
  assert.equal(cin.outDim, 9);
  assert.deepEqual(cin.layers.map((l) => l.weight.shape), [[4, 9], [2, 12], [3, 6]]);
  for (const p of store.params) if (p.name.endsWith("bias")) p.value.fill(0.1);
  checkLayer("cin", store, cin, n * F * d, n, n * cin.outDim);
});

/**
 * The authors' CIN written as they write it, per sample on `[F, d]` fields: the Hadamard tensor
 * `X⁰[f, j]·X^{k−1}[i, j]` flattened to channel `f·H + i`, a width-1 convolution with bias, the
 * sum over `j` of every map.
 */
function referenceCin(x: Floats, F: number, d: number, layers: { w: Floats; b: Floats }[]) {
  const pooled: number[] = [];
  let prev = Array.from({ length: F }, (_, f) => Array.from({ length: d }, (_, j) => x[f * d + j]));
  for (const { w, b } of layers) {
    const H = prev.length, next: number[][] = [];
    for (let h = 0; h < b.length; h++) {
      next.push(Array.from({ length: d }, (_, j) => {
        let s = b[h];
        for (let f = 0; f < F; f++) {
          for (let i = 0; i < H; i++) s += w[h * F * H + f * H + i] * x[f * d + j] * prev[i][j];
        }
        return s;
      }));
      pooled.push(next[h].reduce((a, v) => a + v, 0));
    }
    prev = next;
  }
  return pooled;
}

Deno.test("Cin: the authors' channel order f·H + i, bias in the convolution, no activation", () => {
  const store = new ParamStore({ seed: 2, dtype: "float64" });
  const F = 3, d = 2, n = 2;
  // Layer widths differ from F so that a transposed channel order would read the wrong weights.
  const cin = new Cin(store, "cin", { fields: F, dim: d, layers: [2, 4] });
  cin.layers.forEach((l, k) => l.bias!.value.set(randomVector(l.outDim, 30 + k)));
  const x = randomVector(n * F * d, 8);
  const y = cin.forward(x, n);
  const layers = cin.layers.map((l) => ({ w: l.weight.value, b: l.bias!.value }));
  for (let b = 0; b < n; b++) {
    const want = referenceCin(x.subarray(b * F * d, (b + 1) * F * d), F, d, layers);
    want.forEach((v, h) => {
      const got = y[b * cin.outDim + h];
      assert.ok(Math.abs(got - v) < 1e-12, `sample ${b}, map ${h}: ${got} vs ${v}`);
    });
  }
});

Deno.test("Senet: gradients of both excitation weights and of the input; ratio 0.5 widens", () => {
  const store = new ParamStore({ seed: 7, dtype: "float64" });
  const F = 6, d = 3, n = 4;
  const senet = new Senet(store, "senet", { fields: F, dim: d, reductionRatio: 0.5 });
  assert.deepEqual(senet.squeeze.weight.shape, [12, 6]);
  assert.deepEqual(senet.excite.weight.shape, [6, 12]);
  checkLayer("senet", store, senet, n * F * d, n, n * F * d);
  const narrow = new Senet(new ParamStore({ seed: 1 }), "s", {
    fields: 7,
    dim: 2,
    reductionRatio: 3,
  });
  assert.deepEqual(narrow.squeeze.weight.shape, [2, 7]);
});

Deno.test("Senet: a field's weight is the excitation of the field means", () => {
  const store = new ParamStore({ seed: 1, dtype: "float64" });
  const senet = new Senet(store, "senet", { fields: 2, dim: 2, reductionRatio: 3 });
  senet.squeeze.weight.value.set([1, 1]);
  senet.excite.weight.value.set([2, -1]);
  const v = senet.forward(Float64Array.from([1, 3, 0, 2]), 1);
  // z = [2, 1]; hidden = ReLU(3) = 3; a = ReLU([6, −3]) = [6, 0].
  assert.deepEqual([...v], [6, 18, 0, 0]);
});

const WEIGHTS: Record<BilinearType, number> = { all: 1, each: 3, interaction: 6 };

for (const type of ["all", "each", "interaction"] as const) {
  Deno.test(`Bilinear (${type}): gradients of every weight and of the input`, () => {
    const store = new ParamStore({ seed: 9, dtype: "float64" });
    const F = 4, d = 3, n = 3;
    const bilinear = new Bilinear(store, "bilinear", { fields: F, dim: d, type });
    assert.equal(bilinear.pairs, 6);
    assert.equal(store.params.length, WEIGHTS[type]);
    checkLayer(`bilinear ${type}`, store, bilinear, n * F * d, n, n * 6 * d);
  });
}

Deno.test("Bilinear: pair (i, j) is (W·v_i) ⊙ v_j in lexicographic pair order, W as the type shares it", () => {
  const pairs = [[0, 1], [0, 2], [1, 2]];
  const weightOf = {
    all: () => 0,
    each: (i: number) => i,
    interaction: (_: number, p: number) => p,
  };
  for (const type of ["all", "each", "interaction"] as const) {
    const store = new ParamStore({ seed: 4, dtype: "float64" });
    const bilinear = new Bilinear(store, "bilinear", { fields: 3, dim: 2, type });
    const x = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const y = bilinear.forward(x, 1);
    pairs.forEach(([i, j], p) => {
      const w = bilinear.weights[weightOf[type](i, p)].value;
      for (let k = 0; k < 2; k++) {
        const t = w[k * 2] * x[i * 2] + w[k * 2 + 1] * x[i * 2 + 1];
        assert.ok(Math.abs(y[p * 2 + k] - t * x[j * 2 + k]) < 1e-12, `${type} pair ${p}`);
      }
    });
  }
  const names = (type: BilinearType) =>
    new Bilinear(new ParamStore({ seed: 1 }), "b", { fields: 3, dim: 2, type }).weights.map((w) =>
      w.name
    );
  assert.deepEqual(names("all"), ["b.weight"]);
  assert.deepEqual(names("each"), ["b.0.weight", "b.1.weight"]);
  assert.deepEqual(names("interaction"), ["b.0.weight", "b.1.weight", "b.2.weight"]);
});
