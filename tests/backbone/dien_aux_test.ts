import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import type { BatchView } from "../../backbone/input_layer.ts";
import { bceWithLogits } from "../../backbone/loss.ts";
import type { Dien } from "../../backbone/models/dien.ts";
import { fit } from "../../backbone/trainer.ts";
import type { CtrInputs, ModelConfig } from "../../backbone/types.ts";
import { SeededRandom } from "../../util/random.ts";
import { gradCheck } from "./gradcheck.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

// DIEN's auxiliary loss (auxLossWeight). Gradient tolerance: gradcheck.ts's, |analytic − numeric|
// ≤ 1e-7 + 1e-4·max(|analytic|, |numeric|), central differences h = 1e-5 in float64, on the
// training loss BCE + weight·aux.

const EVOLUTIONS = ["gru", "aigru", "agru", "augru"] as const;
const SHAPE = { ...SMALL, historyLength: 4 };
const T = SHAPE.historyLength, A = SHAPE.attrFields;

/** Pads the tails of some histories, all of sample 2's, and step 1 of sample 4 (item 0). */
function padHistories(inputs: CtrInputs): CtrInputs {
  const s = inputs.split;
  const pad = (r: number, t: number) => {
    s.histItem[r * T + t] = 0;
    s.histRating[r * T + t] = 0;
    for (let f = 0; f < A; f++) s.histAttrs[(r * T + t) * A + f] = 0;
  };
  for (let r = 0; r < s.size; r++) {
    const real = r === 2 ? 0 : T - (r % T);
    for (let t = real; t < T; t++) pad(r, t);
  }
  pad(4, 1);
  return inputs;
}

function dien(extra: Partial<ModelConfig>): Dien {
  return createModel("dien", smallConfig(SHAPE, { attentionMlp: [5, 3], ...extra })) as Dien;
}

function labelsOf(batch: BatchView): Float64Array {
  const label = batch.inputs.split.label;
  return Float64Array.from({ length: batch.size }, (_, b) => label[batch.index[batch.start + b]]);
}

/** BCE + weight·aux of a `train` forward; fills `d` with dBCE/dlogit. */
function trainingLoss(model: Dien, batch: BatchView, d: Float64Array): number {
  const bce = bceWithLogits(model.forward(batch, "train"), labelsOf(batch), d, batch.size);
  return bce + model.config.auxLossWeight * model.auxiliaryLoss;
}

function paddedBatch(size: number, seed: number): BatchView {
  const inputs = padHistories(syntheticInputs(SHAPE, { size, seed }));
  return { inputs, index: Int32Array.from({ length: size }, (_, i) => i), start: 0, size };
}

for (const e of EVOLUTIONS) {
  Deno.test(`dien (${e}) with auxLossWeight 0.5: finite-difference check of BCE + 0.5·aux`, () => {
    const model = dien({ dtype: "float64", interestEvolution: e, auxLossWeight: 0.5 });
    const rng = new SeededRandom(5);
    for (const p of model.store.params) {
      if (p.name.endsWith("alpha")) p.value[0] = 0.25;
      if (p.name.endsWith("bias") || p.name.includes("bias_")) {
        for (let i = 0; i < p.size; i++) p.value[i] = 0.1 * rng.normal();
      }
    }
    const inputs = padHistories(syntheticInputs(SHAPE, { size: 9, seed: 21 }));
    const index = Int32Array.from({ length: 9 }, (_, i) => (i * 4) % 9);
    const batch: BatchView = { inputs, index, start: 1, size: 8 };
    const probed = gradCheck({
      store: model.store,
      label: `dien (${e}) + aux`,
      maxPerParam: 8,
      analytic: () => {
        const d = new Float64Array(batch.size);
        trainingLoss(model, batch, d);
        model.backward(d, batch.size);
        return null;
      },
      loss: () => trainingLoss(model, batch, new Float64Array(batch.size)),
    });
    assert.ok(probed >= model.store.params.length, `probed ${probed}`);
    assert.ok(model.aux.pairs > 0 && model.auxiliaryLoss > 0, "the batch has pairs");
    // The term is really in the gradient: without it the extractor's gradient differs.
    const withAux = model.store.get("extractor.weight_ih").grad.slice();
    const plain = dien({ dtype: "float64", interestEvolution: e });
    plain.store.params.forEach((p, k) => p.value.set(model.store.params[k].value));
    plain.store.zeroGrad();
    const d = new Float64Array(batch.size);
    trainingLoss(plain, batch, d);
    plain.backward(d, batch.size);
    assert.notDeepEqual(plain.store.get("extractor.weight_ih").grad, withAux);
  });
}

Deno.test("dien: the auxiliary loss equals a direct recomputation from the tables", () => {
  const model = dien({ dtype: "float64", auxLossWeight: 1 });
  const batch = paddedBatch(7, 31);
  const split = batch.inputs.split, n = batch.size, D = model.input.qDim, d = model.input.d;
  // Two samples share an item at one step, so that pair is skipped.
  split.histItem[0 * T + 1] = split.histItem[1 * T + 1];
  for (let f = 0; f < A; f++) {
    split.histAttrs[(0 * T + 1) * A + f] = split.histAttrs[(T + 1) * A + f];
  }
  model.forward(batch, "train");
  const itemSide = (b: number, t: number) => {
    const st = batch.index[b] * T + t, e = new Float64Array(D);
    e.set(model.input.item.value.subarray(split.histItem[st] * d, (split.histItem[st] + 1) * d));
    for (let f = 0; f < A; f++) {
      const a = split.histAttrs[st * A + f];
      e.set(model.input.attr.value.subarray(a * d, (a + 1) * d), (1 + f) * d);
    }
    return e;
  };
  const dot = (s: Float64Array, e: Float64Array) => s.reduce((acc, v, j) => acc + v * e[j], 0);
  const states = model.extractor.states as Float64Array;
  const real = (b: number, t: number) => split.histItem[batch.index[b] * T + t] !== 0;
  let sum = 0, pairs = 0;
  for (let b = 0; b < n; b++) {
    const c = (b + 1) % n;
    for (let t = 0; t + 1 < T; t++) {
      if (!real(b, t) || !real(b, t + 1) || !real(c, t + 1)) continue;
      if (
        split.histItem[batch.index[b] * T + t + 1] === split.histItem[batch.index[c] * T + t + 1]
      ) {
        continue;
      }
      const s = states.subarray((b * T + t) * D, (b * T + t + 1) * D);
      const pos = dot(s, itemSide(b, t + 1)), neg = dot(s, itemSide(c, t + 1));
      sum += -Math.log(1 / (1 + Math.exp(-pos))) - Math.log(1 - 1 / (1 + Math.exp(-neg)));
      pairs++;
    }
  }
  assert.ok(pairs > 0);
  assert.equal(model.aux.pairs, pairs);
  assert.ok(Math.abs(model.auxiliaryLoss - sum / pairs) <= 1e-12 * (sum / pairs));
  // Only training computes it.
  model.forward(batch, "infer");
  assert.equal(model.auxiliaryLoss, 0);
});

Deno.test("dien: auxLossWeight 0 gives the model without the option, bit for bit", () => {
  const batch = paddedBatch(9, 13);
  for (const e of EVOLUTIONS) {
    const plain = dien({ interestEvolution: e });
    const zero = dien({ interestEvolution: e, auxLossWeight: 0 });
    const weighted = dien({ interestEvolution: e, auxLossWeight: 0.5 });
    assert.equal(plain.config.auxLossWeight, 0);
    const grads = [plain, zero, weighted].map((m) => {
      const d = m.store.alloc(batch.size);
      const logits = m.forward(batch, "train").slice(0, batch.size);
      bceWithLogits(logits, labelsOf(batch), d, batch.size);
      m.backward(d, batch.size);
      return { logits, grads: m.store.params.map((p) => p.grad.slice()) };
    });
    assert.deepEqual(grads[1], grads[0], e);
    assert.equal(zero.auxiliaryLoss, 0);
    // The weight changes the gradients, never the logits.
    assert.deepEqual(grads[2].logits, grads[0].logits, e);
    assert.notDeepEqual(grads[2].grads, grads[0].grads, e);
  }
});

Deno.test("dien: what a padded history step holds does not change the auxiliary loss", () => {
  const model = dien({ auxLossWeight: 1 });
  const batch = paddedBatch(12, 7), split = batch.inputs.split;
  const auxOf = () => (model.forward(batch, "train"), model.auxiliaryLoss);
  const before = auxOf();
  assert.ok(model.aux.pairs > 0);
  for (let st = 0; st < split.histItem.length; st++) {
    if (split.histItem[st] !== 0) continue;
    split.histRating[st] = 3;
    for (let f = 0; f < A; f++) split.histAttrs[st * A + f] = 1 + f;
  }
  const d = model.input.d;
  for (const table of [model.input.item, model.input.attr, model.input.rating]) {
    table.value.fill(3, 0, d);
  }
  assert.equal(auxOf(), before);
  // A real step does change it.
  model.input.attr.value.fill(3, d, 3 * d);
  assert.notEqual(auxOf(), before);
});

Deno.test("dien: one epoch with auxLossWeight 0.5 lifts validation AUC above chance", () => {
  const shape = { ...SMALL, items: 60 };
  const train = syntheticInputs(shape, { size: 3000, seed: 1 });
  const valid = syntheticInputs(shape, { size: 600, seed: 2 });
  const config = smallConfig(shape, { embedDim: 8, mlp: [16, 8], auxLossWeight: 0.5 });
  const model = createModel("dien", config) as Dien,
    untrained = createModel("dien", config) as Dien;
  const result = fit(model, { train, valid }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
  assert.ok(result.best!.auc > 0.55, `valid AUC ${result.best!.auc}`);
  // The interest states learnt to tell the next item from another sample's.
  const batch: BatchView = {
    inputs: valid,
    index: Int32Array.from({ length: 600 }, (_, i) => i),
    start: 0,
    size: 600,
  };
  const auxOf = (m: Dien) => (m.forward(batch, "train"), m.auxiliaryLoss);
  const [after, before] = [auxOf(model), auxOf(untrained)];
  assert.ok(after < before, `aux ${before} → ${after}`);
});

Deno.test("dien: auxLossWeight needs a history of 2 and a non-negative number", () => {
  const short = { ...SMALL, historyLength: 1 };
  assert.throws(
    () => createModel("dien", smallConfig(short, { auxLossWeight: 0.5 })),
    /auxLossWeight 0.5 needs historyLength of at least 2 .*got 1/,
  );
  assert.equal(createModel("dien", smallConfig(short)).config.auxLossWeight, 0);
  for (const bad of [-1, Number.NaN, Infinity]) {
    assert.throws(
      () => createModel("dien", smallConfig(SMALL, { auxLossWeight: bad })),
      /auxLossWeight must be a non-negative number/,
    );
  }
});

Deno.test("dien: a shard's auxiliary gradient is weighed by its share of the step's batch", () => {
  const model = dien({ dtype: "float64", auxLossWeight: 0.5 });
  const batch = paddedBatch(8, 17);
  const zero = new Float64Array(batch.size); // BCE's part left out: only the auxiliary gradient
  const gradients = (share: number) => {
    model.store.zeroGrad();
    model.forward(batch, "train");
    model.backward(zero, batch.size, share);
    return model.store.params.map((p) => Float64Array.from(p.grad));
  };
  const whole = gradients(1), half = gradients(0.5);
  let nonZero = 0;
  whole.forEach((g, k) =>
    g.forEach((v, i) => {
      if (v !== 0) nonZero++;
      assert.ok(Math.abs(half[k][i] - 0.5 * v) <= 1e-15 + 1e-12 * Math.abs(v), `param ${k}[${i}]`);
    })
  );
  assert.ok(nonZero > 0, "the auxiliary term reaches the parameters");
});
