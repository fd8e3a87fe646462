import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import type { BatchView } from "../../backbone/input_layer.ts";
import { bceWithLogits } from "../../backbone/loss.ts";
import type { CtrModel } from "../../backbone/model.ts";
import {
  encodeSafetensors,
  loadModel,
  loadWeights,
  saveModel,
} from "../../backbone/safetensors.ts";
import { evaluate, fit, predict } from "../../backbone/trainer.ts";
import type { CtrInputs, ModelConfig } from "../../backbone/types.ts";
import { SeededRandom } from "../../util/random.ts";
import { gradCheck } from "./gradcheck.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

// GRU4Rec and DIEN beyond the per-backbone loops (default options, full histories: gradient
// checks in models_test.ts, 4-epoch training in trainer_test.ts, ONNX in tests/adapters/onnx):
// every DIEN evolution, padded histories, weights, bad input, one epoch.
// Gradient tolerance: gradcheck.ts's, |analytic − numeric| ≤ 1e-7 + 1e-4·max(|analytic|,
// |numeric|), central differences h = 1e-5 in float64.

const knowledge = { userDim: 5, itemDim: 3 };
const HEA = {
  ...knowledge,
  adaptor: "hea" as const,
  sharedExperts: 2,
  specificExperts: 2,
  expertArch: [6, 4],
};
const EVOLUTIONS = ["gru", "aigru", "agru", "augru"] as const;
const VARIANTS: { name: "gru4rec" | "dien"; extra: Partial<ModelConfig>; label: string }[] = [
  { name: "gru4rec", extra: { gruHidden: 5 }, label: "gru4rec" },
  ...EVOLUTIONS.map((e) => ({
    name: "dien" as const,
    extra: { interestEvolution: e },
    label: `dien (${e})`,
  })),
];

/** Pads the history tails of some samples, and the whole history of one (item 0 = padding). */
function padHistories(inputs: CtrInputs, T: number, A: number): CtrInputs {
  const s = inputs.split;
  for (let r = 0; r < s.size; r++) {
    const real = r === 2 ? 0 : T - (r % T);
    for (let t = real; t < T; t++) {
      s.histItem[r * T + t] = 0;
      s.histRating[r * T + t] = 0;
      for (let f = 0; f < A; f++) s.histAttrs[(r * T + t) * A + f] = 0;
    }
  }
  return inputs;
}

function batchLoss(model: CtrModel, batch: BatchView, d: Float64Array): number {
  const labels = Float64Array.from(
    { length: batch.size },
    (_, b) => batch.inputs.split.label[batch.index[batch.start + b]],
  );
  return bceWithLogits(model.forward(batch, "train"), labels, d, batch.size);
}

for (const { name, extra, label } of VARIANTS) {
  for (const withKnowledge of [false, true]) {
    const full = `${label}${withKnowledge ? " + HEA" : ""}`;
    Deno.test(`${full}: finite-difference gradient check on padded histories`, () => {
      const shape = { ...SMALL, historyLength: 4 };
      const inputs = padHistories(
        syntheticInputs(shape, {
          size: 9,
          seed: 21,
          knowledge: withKnowledge ? knowledge : undefined,
        }),
        shape.historyLength,
        shape.attrFields,
      );
      const model = createModel(
        name,
        smallConfig(shape, {
          dtype: "float64",
          attentionMlp: [5, 3],
          knowledge: withKnowledge ? HEA : undefined,
          ...extra,
        }),
      );
      const rng = new SeededRandom(5);
      for (const p of model.store.params) {
        if (p.name.endsWith("alpha")) p.value[0] = 0.25;
        if (p.name.endsWith("bias") || p.name.includes("bias_")) {
          for (let i = 0; i < p.size; i++) p.value[i] = 0.1 * rng.normal();
        }
      }
      const index = Int32Array.from({ length: 9 }, (_, i) => (i * 4) % 9);
      const batch: BatchView = { inputs, index, start: 1, size: 8 };
      const probed = gradCheck({
        store: model.store,
        label: full,
        maxPerParam: 8,
        analytic: () => {
          const d = new Float64Array(batch.size);
          batchLoss(model, batch, d);
          model.backward(d, batch.size);
          return null;
        },
        loss: () => batchLoss(model, batch, new Float64Array(batch.size)),
      });
      assert.ok(probed >= model.store.params.length, `${full}: probed ${probed}`);
      const recurrent = model.store.params.filter((p) => p.name.includes("_ih"));
      assert.ok(recurrent.every((p) => p.grad.some((g) => g !== 0)), "GRU weights get gradient");
    });
  }

  Deno.test(`${label}: safetensors round trip gives the same predictions`, async () => {
    const model = createModel(name, smallConfig(SMALL, { knowledge: HEA, ...extra }));
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

  Deno.test(`${label}: one epoch on synthetic data lifts validation AUC above chance`, () => {
    const shape = { ...SMALL, items: 60 };
    const train = syntheticInputs(shape, { size: 3000, seed: 1 });
    const valid = syntheticInputs(shape, { size: 600, seed: 2 });
    const model = createModel(name, smallConfig(shape, { embedDim: 8, mlp: [16, 8], ...extra }));
    const result = fit(model, { train, valid }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
    assert.ok(result.best!.auc > 0.55, `${label}: valid AUC ${result.best!.auc}`);
    assert.ok(Math.abs(evaluate(model, valid).auc - result.best!.auc) < 1e-12);
  });
}

for (const name of ["gru4rec", "dien"] as const) {
  Deno.test(`${name}: knowledge of the wrong dimension is rejected`, () => {
    const model = createModel(name, smallConfig(SMALL, { knowledge: HEA }));
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
    const other = name === "dien" ? "gru4rec" : "dien";
    for (const from of ["din", other]) {
      assert.throws(
        () => loadWeights(model, encodeSafetensors(createModel(from, smallConfig(SMALL)))),
        new RegExp(`weights are for model "${from}", not "${name}"`),
      );
    }
    const withK = createModel(name, smallConfig(SMALL, { knowledge: HEA }));
    assert.throws(
      () => loadWeights(withK, encodeSafetensors(model)),
      new RegExp(`tensor "[^"]+" of model "${name}" is missing`),
    );
  });

  Deno.test(`${name}: a history of length 0 is refused when the model is built`, () => {
    for (const historyLength of [0, -1, 1.5]) {
      assert.throws(
        () => createModel(name, smallConfig({ ...SMALL, historyLength })),
        /historyLength must be a positive integer/,
      );
    }
  });

  Deno.test(`${name}: samples with a shorter history than the model's are refused`, () => {
    const model = createModel(name, smallConfig(SMALL));
    const short = syntheticInputs({ ...SMALL, historyLength: 2 }, { size: 10, seed: 1 });
    assert.throws(
      () => predict(model, short),
      /split.histItem has length 20, expected 30 \(size 10, attrFields 2, historyLength 3\)/,
    );
  });
}

Deno.test("gru4rec and dien options: defaults and bad values name the field", () => {
  const gru4rec = createModel("gru4rec", smallConfig(SMALL));
  assert.equal(gru4rec.config.gruHidden, 64);
  assert.deepEqual(gru4rec.store.get("history_gru.weight_hh").shape, [192, 64]);
  const dien = createModel("dien", smallConfig(SMALL));
  assert.equal(dien.config.interestEvolution, "gru");
  assert.deepEqual(dien.config.attentionMlp, [32, 16]);
  // The extractor maps |h| = 4·4 to |q| = 3·4; the evolution keeps |q|.
  assert.deepEqual(dien.store.get("extractor.weight_ih").shape, [36, 16]);
  assert.deepEqual(dien.store.get("evolution.weight_ih").shape, [36, 12]);
  assert.throws(
    () => createModel("gru4rec", smallConfig(SMALL, { gruHidden: 0 })),
    /gruHidden must be a positive integer, got 0/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => createModel("dien", smallConfig(SMALL, { interestEvolution: "lstm" as any })),
    /interestEvolution must be one of gru, aigru, agru, augru, got "lstm"/,
  );
  assert.throws(
    () => createModel("dien", smallConfig(SMALL, { diceMomentum: 2 })),
    /diceMomentum must be in \(0, 1\]/,
  );
});

Deno.test("dien: what a padded history step holds does not change the score", () => {
  // Padded steps keep the GRU states and get no attention, and inference uses Dice's running
  // statistics: the padding's embeddings (row 0 of each table) cannot reach DIEN's logit.
  const shape = { ...SMALL, historyLength: 4 };
  const inputs = padHistories(syntheticInputs(shape, { size: 12, seed: 7 }), 4, shape.attrFields);
  for (const e of EVOLUTIONS) {
    const model = createModel("dien", smallConfig(shape, { interestEvolution: e }));
    const before = predict(model, inputs, { batchSize: 12 });
    const d = model.input.d;
    for (const table of [model.input.item, model.input.attr, model.input.rating]) {
      table.value.fill(3, 0, d);
    }
    const after = predict(model, inputs, { batchSize: 12 });
    assert.deepEqual(after, before, e);
    // A real step does change it.
    model.input.rating.value.fill(3, d, 6 * d);
    assert.notDeepEqual(predict(model, inputs, { batchSize: 12 }), before, e);
  }
});
