import assert from "node:assert/strict";
import { Adam } from "../../backbone/adam.ts";
import { createModel } from "../../backbone/create_model.ts";
import { DataParallel } from "../../backbone/data_parallel.ts";
import type { BatchView } from "../../backbone/input_layer.ts";
import { bceWithLogits } from "../../backbone/loss.ts";
import type { FiGnn } from "../../backbone/models/fignn.ts";
import {
  encodeSafetensors,
  loadModel,
  loadWeights,
  saveModel,
} from "../../backbone/safetensors.ts";
import { evaluate, fit, predict, trainStep } from "../../backbone/trainer.ts";
import { SeededRandom } from "../../util/random.ts";
import { gradCheck } from "./gradcheck.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

// FiGNN beyond the per-backbone loops (the default configuration's gradient checks in
// models_test.ts, 4-epoch training in trainer_test.ts, ONNX in tests/adapters/onnx): a whole-model
// check with more steps, weights, bad input, one epoch. Gradient tolerance: gradcheck.ts's,
// |analytic − numeric| ≤ 1e-7 + 1e-4·max(|analytic|, |numeric|), h = 1e-5, float64.

const knowledge = { userDim: 5, itemDim: 3 };
const hea = {
  ...knowledge,
  adaptor: "hea" as const,
  sharedExperts: 2,
  specificExperts: 2,
  expertArch: [6, 4],
};
const kConfig = smallConfig(SMALL, { knowledge: hea });

Deno.test("fignn: the nodes are every field of x0, knowledge included", () => {
  const model = createModel("fignn", kConfig) as FiGnn;
  const F = 1 + SMALL.attrFields + 2 + SMALL.attrFields + 2; // q, h̄, user and item knowledge
  assert.equal(model.input.fields, F);
  assert.deepEqual(model.store.get("gnn.w_in").shape, [F, 4, 4]);
  assert.deepEqual(model.store.get("graph.weight").shape, [1, 8]);
  assert.deepEqual(model.store.get("gru.weight_ih").shape, [12, 4]);
  assert.deepEqual(model.store.get("readout.gate.weight").shape, [F, F * 4]);
  assert.equal(model.config.propagationSteps, 2);
});

Deno.test("fignn, 3 steps + HEA knowledge: finite-difference check of every parameter", () => {
  const inputs = syntheticInputs(SMALL, { size: 9, seed: 21, knowledge });
  const model = createModel(
    "fignn",
    smallConfig(SMALL, { dtype: "float64", knowledge: hea, propagationSteps: 3 }),
  );
  // Biases start at 0; moved, zero knowledge rows do not sit on a ReLU kink of the adaptor.
  const rng = new SeededRandom(5);
  for (const p of model.store.params) {
    if (p.name.includes("bias")) {
      for (let i = 0; i < p.size; i++) p.value[i] = 0.1 * rng.normal();
    }
  }
  const index = Int32Array.from({ length: 9 }, (_, i) => (i * 4) % 9);
  const batch: BatchView = { inputs, index, start: 1, size: 8 };
  const labels = Float64Array.from({ length: 8 }, (_, b) => inputs.split.label[index[1 + b]]);
  const loss = () => bceWithLogits(model.forward(batch, "train"), labels, new Float64Array(8), 8);
  const probed = gradCheck({
    store: model.store,
    label: "fignn 3 steps",
    maxPerParam: 10,
    analytic: () => {
      const d = new Float64Array(8);
      bceWithLogits(model.forward(batch, "train"), labels, d, 8);
      model.backward(d, 8);
      return null;
    },
    loss,
  });
  assert.ok(probed >= 2 * model.store.params.length, `probed ${probed}`);
});

Deno.test("fignn: safetensors round trip gives the same predictions", async () => {
  const model = createModel("fignn", kConfig);
  const train = syntheticInputs(SMALL, { size: 200, seed: 3, knowledge });
  fit(model, { train }, { epochs: 1, batchSize: 32, lr: 3e-3, log: false });
  const dir = await Deno.makeTempDir();
  try {
    await saveModel(model, `${dir}/fignn`);
    const loaded = await loadModel(`${dir}/fignn`);
    assert.equal(loaded.name, "fignn");
    assert.deepEqual(loaded.config, model.config);
    const inputs = syntheticInputs(SMALL, { size: 50, seed: 4, knowledge });
    assert.deepEqual(predict(loaded, inputs), predict(model, inputs));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fignn: knowledge of the wrong dimension is rejected", () => {
  const model = createModel("fignn", kConfig);
  const wrong = syntheticInputs(SMALL, {
    size: 10,
    seed: 1,
    knowledge: { userDim: 5, itemDim: 4 },
  });
  assert.throws(() => predict(model, wrong), /itemKnowledge.dim is 4 but the model expects 3/);
  const none = syntheticInputs(SMALL, { size: 10, seed: 1 });
  assert.throws(() => predict(model, none), /userKnowledge is missing/);
});

Deno.test("fignn: weights of another backbone are a clear error", () => {
  const model = createModel("fignn", smallConfig(SMALL));
  for (const from of ["autoint", "xdeepfm"]) {
    assert.throws(
      () => loadWeights(model, encodeSafetensors(createModel(from, smallConfig(SMALL)))),
      new RegExp(`weights are for model "${from}", not "fignn"`),
    );
  }
  const withK = createModel("fignn", kConfig);
  assert.throws(
    () => loadWeights(withK, encodeSafetensors(model)),
    /tensor "[^"]+" of model "fignn" is missing/,
  );
});

Deno.test("fignn options: bad steps and a knowledge width that is not a field are named", () => {
  for (const steps of [0, 1.5, -1]) {
    assert.throws(
      () => createModel("fignn", smallConfig(SMALL, { propagationSteps: steps })),
      new RegExp(`propagationSteps must be a positive integer, got ${steps}`),
    );
  }
  assert.throws(
    () => createModel("fignn", smallConfig(SMALL, { knowledge: { ...hea, expertArch: [6, 5] } })),
    /fignn reshapes x0 into 4-wide fields, so knowledge.expertArch must end in embedDim \(4\), got 5/,
  );
  const one = createModel("fignn", smallConfig(SMALL, { propagationSteps: 1 }));
  assert.equal(one.config.propagationSteps, 1);
});

Deno.test("fignn: one epoch on synthetic data lifts validation AUC above chance", () => {
  const shape = { ...SMALL, items: 60 };
  const train = syntheticInputs(shape, { size: 3000, seed: 1 });
  const valid = syntheticInputs(shape, { size: 600, seed: 2 });
  const model = createModel("fignn", smallConfig(shape, { embedDim: 8, mlp: [16, 8] }));
  const before = evaluate(model, valid).auc;
  const result = fit(model, { train, valid }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
  assert.ok(result.best!.auc > 0.6, `valid AUC ${result.best!.auc} (before ${before})`);
  assert.ok(Math.abs(evaluate(model, valid).auc - result.best!.auc) < 1e-12);
});

Deno.test("fignn: two threads take the same steps as one (float64, no batch statistics)", async () => {
  const shape = { ...SMALL, items: 60 };
  const train = syntheticInputs(shape, { size: 400, seed: 1 });
  const config = smallConfig(shape, { embedDim: 8, dtype: "float64", seed: 5 });
  const one = createModel("fignn", config), two = createModel("fignn", config);
  const adamOne = new Adam(one.store.params, { lr: 3e-3 });
  const adamTwo = new Adam(two.store.params, { lr: 3e-3 });
  const index = Int32Array.from({ length: 400 }, (_, i) => (i * 7) % 400);
  const parallel = await DataParallel.start(two, train, { threads: 2 });
  try {
    for (const [start, size] of [[0, 64], [64, 63], [127, 1], [128, 200]]) {
      const batch = { inputs: train, index, start, size };
      const a = trainStep(one, adamOne, batch);
      const b = trainStep(two, adamTwo, batch, { parallel });
      assert.ok(Math.abs(a - b) < 1e-12, `loss ${a} vs ${b}`);
    }
  } finally {
    parallel.close();
  }
  one.store.params.forEach((p, k) => {
    const q = two.store.params[k];
    for (let i = 0; i < p.size; i++) {
      assert.ok(Math.abs(p.value[i] - q.value[i]) < 1e-9, `${p.name}[${i}]`);
    }
  });
});
