import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import {
  encodeSafetensors,
  loadModel,
  loadWeights,
  saveModel,
} from "../../backbone/safetensors.ts";
import { evaluate, fit, predict } from "../../backbone/trainer.ts";
import type { ModelConfig } from "../../backbone/types.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

// xDeepFM and FiBiNET beyond the per-backbone loops (gradient checks in models_test.ts, 4-epoch
// training in trainer_test.ts, ONNX in tests/adapters/onnx): weights, bad input, one epoch.

const knowledge = { userDim: 5, itemDim: 3 };
const kConfig = smallConfig(SMALL, {
  knowledge: {
    ...knowledge,
    adaptor: "hea",
    sharedExperts: 2,
    specificExperts: 2,
    expertArch: [6, 4],
  },
});

for (const name of ["xdeepfm", "fibinet"] as const) {
  Deno.test(`${name}: safetensors round trip gives the same predictions`, async () => {
    const model = createModel(name, kConfig);
    const train = syntheticInputs(SMALL, { size: 200, seed: 3, knowledge });
    fit(model, { train }, { epochs: 1, batchSize: 32, lr: 3e-3, log: false });
    const dir = await Deno.makeTempDir();
    try {
      await saveModel(model, `${dir}/${name}`);
      const loaded = await loadModel(`${dir}/${name}`);
      assert.equal(loaded.name, name);
      assert.deepEqual(loaded.config, model.config);
      const inputs = syntheticInputs(SMALL, { size: 50, seed: 4, knowledge });
      assert.deepEqual(predict(loaded, inputs), predict(model, inputs));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${name}: knowledge of the wrong dimension is rejected`, () => {
    const model = createModel(name, kConfig);
    const wrong = syntheticInputs(SMALL, {
      size: 10,
      seed: 1,
      knowledge: { userDim: 5, itemDim: 4 },
    });
    assert.throws(() => predict(model, wrong), /itemKnowledge.dim is 4 but the model expects 3/);
    const none = syntheticInputs(SMALL, { size: 10, seed: 1 });
    assert.throws(() => predict(model, none), /userKnowledge is missing/);
  });

  Deno.test(`${name}: weights of another backbone are a clear error`, () => {
    const model = createModel(name, smallConfig(SMALL));
    const other = name === "xdeepfm" ? "fibinet" : "xdeepfm";
    for (const from of ["deepfm", other]) {
      assert.throws(
        () => loadWeights(model, encodeSafetensors(createModel(from, smallConfig(SMALL)))),
        new RegExp(`weights are for model "${from}", not "${name}"`),
      );
    }
    const withK = createModel(name, kConfig);
    assert.throws(
      () => loadWeights(withK, encodeSafetensors(model)),
      new RegExp(`tensor "[^"]+" of model "${name}" is missing`),
    );
  });

  Deno.test(`${name}: one epoch on synthetic data lifts validation AUC above chance`, () => {
    const shape = { ...SMALL, items: 60 };
    const train = syntheticInputs(shape, { size: 3000, seed: 1 });
    const valid = syntheticInputs(shape, { size: 600, seed: 2 });
    const model = createModel(name, smallConfig(shape, { embedDim: 8, mlp: [16, 8] }));
    const result = fit(model, { train, valid }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
    assert.ok(result.best!.auc > 0.5, `${name}: valid AUC ${result.best!.auc}`);
    assert.ok(Math.abs(evaluate(model, valid).auc - result.best!.auc) < 1e-12);
  });
}

Deno.test("xdeepfm and fibinet options: the authors' defaults, and bad values name the field", () => {
  assert.deepEqual(createModel("xdeepfm", smallConfig(SMALL)).config.cinLayers, [50, 50]);
  const fibinet = createModel("fibinet", smallConfig(SMALL)).config;
  assert.equal(fibinet.reductionRatio, 0.5);
  assert.equal(fibinet.bilinearType, "all");
  const xdeepfm = createModel("xdeepfm", smallConfig(SMALL, { cinLayers: [3, 2] }));
  assert.deepEqual(xdeepfm.store.get("cin.1.weight").shape, [2, xdeepfm.input.fields * 3]);
  assert.throws(
    () => createModel("xdeepfm", smallConfig(SMALL, { cinLayers: [] })),
    /cinLayers must be a non-empty array of widths/,
  );
  assert.throws(
    () => createModel("fibinet", smallConfig(SMALL, { reductionRatio: 0 })),
    /reductionRatio must be a positive number, got 0/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => createModel("fibinet", smallConfig(SMALL, { bilinearType: "field_all" as any })),
    /bilinearType must be one of all, each, interaction, got field_all/,
  );
  for (const name of ["xdeepfm", "fibinet"]) {
    const wide = { ...kConfig.knowledge!, expertArch: [6, 5] };
    assert.throws(
      () => createModel(name, smallConfig(SMALL, { knowledge: wide })),
      new RegExp(
        `${name} reshapes x0 into 4-wide fields, so knowledge.expertArch must end in embedDim`,
      ),
    );
  }
});

/** Parameters outside the embedding tables and the knowledge adaptor. */
function ownParameters(name: string, config: ModelConfig): Map<string, number> {
  const model = createModel(name, config);
  return new Map(
    model.store.params
      .filter((p) => !p.name.startsWith("embedding.") && !p.name.startsWith("adaptor."))
      .map((p) => [p.name, p.size]),
  );
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, v) => a + v, 0);

Deno.test("xdeepfm and fibinet have the authors' parameters for ML-1M shapes", () => {
  // ML-1M: 5 fields of 32 without knowledge, 7 with it (two adaptor outputs of 32).
  const base = { items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingValues: 6 };
  const withK = { ...base, knowledge: { userDim: 1024, itemDim: 1024 } };
  // The authors' xDeepFM: Conv1d(F², 50), Conv1d(50·F, 50), MLP(32F → 200 → 80), Linear(180, 1).
  const xdeepfm = (F: number) =>
    (F * F * 50 + 50) + (F * 50 * 50 + 50) + (32 * F * 200 + 200) + (200 * 80 + 80) + 181;
  assert.equal(sum(ownParameters("xdeepfm", base)), xdeepfm(5));
  assert.equal(sum(ownParameters("xdeepfm", withK)), xdeepfm(7));
  assert.equal(xdeepfm(7), 81_311);
  // The authors' FiBiNet: SENET F → 2F → F bias-free, one bias-free Linear(32, 32),
  // MLP(F(F−1)·32 → 200 → 80), Linear(80, 1).
  const fibinet = (F: number) =>
    2 * F * 2 * F + 32 * 32 + (F * (F - 1) * 32 * 200 + 200) + (200 * 80 + 80) + 81;
  assert.equal(sum(ownParameters("fibinet", base)), fibinet(5));
  assert.equal(sum(ownParameters("fibinet", withK)), fibinet(7));
  assert.equal(fibinet(7), 286_381);
  const each = ownParameters("fibinet", { ...withK, bilinearType: "each" });
  const interaction = ownParameters("fibinet", { ...withK, bilinearType: "interaction" });
  assert.equal(sum(each) - fibinet(7), 5 * 32 * 32); // 6 W (one per left field) instead of 1
  assert.equal(sum(interaction) - fibinet(7), 20 * 32 * 32); // 21 W (one per pair)
});
