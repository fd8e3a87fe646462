import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import { bceWithLogits } from "../../backbone/loss.ts";
import type { BatchView } from "../../backbone/input_layer.ts";
import type { CtrModel } from "../../backbone/model.ts";
import { MODEL_NAMES, type ModelConfig, type ModelName } from "../../backbone/types.ts";
import { SeededRandom } from "../../util/random.ts";
import { gradCheck } from "./gradcheck.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

function modelLoss(model: CtrModel, batch: BatchView): number {
  const n = batch.size;
  const labels = Float64Array.from(
    { length: n },
    (_, b) => batch.inputs.split.label[batch.index[batch.start + b]],
  );
  const d = new Float64Array(n);
  return bceWithLogits(model.forward(batch, "train"), labels, d, n);
}

/**
 * Dice alphas and biases start at 0. Move them so their gradient paths are exercised and, for
 * biases, so that zero knowledge rows (ReLU(0·W + 0)) do not sit exactly on a ReLU kink, where a
 * central difference measures half the one-sided slope.
 */
function moveOffZeroInit(model: CtrModel) {
  const rng = new SeededRandom(5);
  for (const p of model.store.params) {
    if (p.name.endsWith("alpha")) p.value[0] = 0.25;
    if (p.name.endsWith("bias")) {
      for (let i = 0; i < p.size; i++) p.value[i] = 0.1 * rng.normal();
    }
  }
}

function checkModel(name: ModelName, extra: Partial<ModelConfig>, withKnowledge: boolean) {
  const knowledge = withKnowledge ? { userDim: 5, itemDim: 3 } : undefined;
  const inputs = syntheticInputs(SMALL, { size: 9, seed: 21, knowledge });
  const config = smallConfig(SMALL, {
    dtype: "float64",
    attentionMlp: [5, 3],
    attentionSize: 3,
    knowledge: knowledge
      ? { ...knowledge, adaptor: "hea", sharedExperts: 2, specificExperts: 2, expertArch: [6, 4] }
      : undefined,
    ...extra,
  });
  const model = createModel(name, config);
  moveOffZeroInit(model);
  const index = Int32Array.from({ length: 9 }, (_, i) => (i * 4) % 9);
  const batch: BatchView = { inputs, index, start: 1, size: 8 };
  const probed = gradCheck({
    store: model.store,
    label: `${name}${withKnowledge ? "+knowledge" : ""}`,
    maxPerParam: 8,
    analytic: () => {
      const n = batch.size;
      const labels = Float64Array.from({ length: n }, (_, b) => inputs.split.label[index[1 + b]]);
      const d = new Float64Array(n);
      bceWithLogits(model.forward(batch, "train"), labels, d, n);
      model.backward(d, n);
      return null;
    },
    loss: () => modelLoss(model, batch),
  });
  // Every parameter tensor must have been probed at least once.
  assert.ok(probed >= model.store.params.length, `${name}: probed ${probed}`);
  for (const p of model.store.params) {
    assert.ok(p.value.every(Number.isFinite), `${name}: ${p.name} finite`);
  }
}

for (const name of MODEL_NAMES) {
  for (const withKnowledge of [false, true]) {
    Deno.test(`${name}${withKnowledge ? " + HEA knowledge" : ""}: finite-difference gradient check`, () => {
      checkModel(name, {}, withKnowledge);
    });
  }
}

Deno.test("deepfm + mlp adaptor: gradient check", () => {
  checkModel("deepfm", {}, true);
  const knowledge = { userDim: 4, itemDim: 4 };
  const inputs = syntheticInputs(SMALL, { size: 6, seed: 3, knowledge });
  const model = createModel(
    "din",
    smallConfig(SMALL, {
      dtype: "float64",
      knowledge: {
        ...knowledge,
        adaptor: "mlp",
        sharedExperts: 0,
        specificExperts: 0,
        expertArch: [5, 4],
      },
    }),
  );
  moveOffZeroInit(model);
  const index = Int32Array.from({ length: 6 }, (_, i) => i);
  const batch: BatchView = { inputs, index, start: 0, size: 6 };
  gradCheck({
    store: model.store,
    label: "din + mlp adaptor",
    analytic: () => {
      const d = new Float64Array(6);
      bceWithLogits(model.forward(batch, "train"), inputs.split.label, d, 6);
      model.backward(d, 6);
      return null;
    },
    loss: () => modelLoss(model, batch),
  });
});

Deno.test("input widths follow docs/method.md#input-layer for ML-1M shapes", () => {
  // Embedding, MLP and adaptor are left to their defaults: they are the reference's.
  const base = {
    items: 3707,
    attributes: 19,
    attrFields: 1,
    historyLength: 5,
    ratingValues: 6,
    seed: 1,
  };
  const plain = createModel("dcnv2", base);
  assert.equal(plain.input.qDim, 64);
  assert.equal(plain.input.hDim, 96);
  assert.equal(plain.input.x0Dim, 160);
  assert.equal(plain.input.fields, 5);
  const withK = createModel("autoint", {
    ...base,
    knowledge: { userDim: 256, itemDim: 256 },
  });
  assert.equal(withK.input.x0Dim, 224);
  assert.equal(withK.input.fields, 7);
  // HEA size at D = 1024 (§7.1): 14 experts × 135,328 + 2 gates × 8,200.
  const big = createModel("din", {
    ...base,
    knowledge: { userDim: 1024, itemDim: 1024 },
  });
  const adaptorParams = big.store.params.filter((p) => p.name.startsWith("adaptor.")).reduce(
    (s, p) => s + p.size,
    0,
  );
  assert.equal(adaptorParams, 14 * 135_328 + 2 * 8_200);
});

Deno.test("same seed gives identical initial weights; another seed differs", () => {
  const a = createModel("din", smallConfig(SMALL, { seed: 8 }));
  const b = createModel("din", smallConfig(SMALL, { seed: 8 }));
  const c = createModel("din", smallConfig(SMALL, { seed: 9 }));
  a.store.params.forEach((p, i) => assert.deepEqual(p.value, b.store.params[i].value));
  assert.notDeepEqual(a.store.params[0].value, c.store.params[0].value);
});

Deno.test("xavier-normal init has the torch standard deviation", () => {
  const model = createModel("dcnv2", { ...smallConfig(SMALL), items: 3000, embedDim: 32 });
  const t = model.store.get("embedding.item").value;
  let ss = 0;
  for (const v of t) ss += v * v;
  const std = Math.sqrt(ss / t.length), want = Math.sqrt(2 / (3000 + 32));
  assert.ok(Math.abs(std - want) / want < 0.02, `std ${std} vs ${want}`);
  assert.ok(model.store.get("final_mlp.0.bias").value.every((v) => v === 0));
});
