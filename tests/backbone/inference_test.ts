import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import type { CtrModel } from "../../backbone/model.ts";
import { encodeSafetensors, modelFromSafetensors } from "../../backbone/safetensors.ts";
import { evaluate, fit, predict } from "../../backbone/trainer.ts";
import { type CtrInputs, MODEL_NAMES, type ModelName } from "../../backbone/types.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

const SHAPE = { ...SMALL, items: 200, attributes: 20 };
const KNOWLEDGE = { userDim: 12, itemDim: 12 };

/** A float32 model trained for one epoch, so Dice's running statistics are its own. */
function trained(name: ModelName, withKnowledge: boolean): { model: CtrModel; test: CtrInputs } {
  const knowledge = withKnowledge ? KNOWLEDGE : undefined;
  const train = syntheticInputs(SHAPE, { size: 800, seed: 1, knowledge });
  const test = syntheticInputs(SHAPE, { size: 120, seed: 2, knowledge });
  const model = createModel(
    name,
    smallConfig(SHAPE, {
      embedDim: 16,
      mlp: [64, 32],
      attentionSize: 16,
      knowledge: knowledge
        ? {
          ...knowledge,
          adaptor: "hea",
          sharedExperts: 2,
          specificExperts: 2,
          expertArch: [32, 16],
        }
        : undefined,
    }),
  );
  fit(model, { train }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
  return { model, test };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

for (const name of MODEL_NAMES) {
  for (const withKnowledge of [false, true]) {
    Deno.test(`${name}${withKnowledge ? " + HEA" : ""}: a sample alone scores as inside any batch`, () => {
      const { model, test } = trained(name, withKnowledge);
      const alone = predict(model, test, { batchSize: 1 });
      for (const batchSize of [2, 7, 60, test.split.size]) {
        const d = maxDiff(alone, predict(model, test, { batchSize }));
        assert.ok(d <= 1e-6, `batch ${batchSize}: max difference ${d}`);
      }
    });
  }
}

Deno.test("din: the reference-eval parity mode depends on the batch, infer does not", () => {
  const { model, test } = trained("din", false);
  const small = predict(model, test, { batchSize: 4, mode: "reference-eval" });
  const large = predict(model, test, { batchSize: 120, mode: "reference-eval" });
  assert.ok(maxDiff(small, large) > 1e-4, "batch statistics should move scores");
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => predict(model, test, { mode: "train" as any }),
    /mode must be "infer" or "reference-eval"/,
  );
});

Deno.test("din: running statistics are saved with the weights and used by predict", () => {
  const { model, test } = trained("din", true);
  const states = model.store.states.map((s) => s.name);
  assert.deepEqual(states, [
    "attention.dice0.running_mean",
    "attention.dice0.running_var",
    "attention.dice1.running_mean",
    "attention.dice1.running_var",
  ]);
  const mean = model.store.states[0];
  assert.deepEqual(mean.shape, [SHAPE.historyLength, 32]);
  assert.ok(mean.value.some((v) => v !== 0), "training moved the running mean");
  const loaded = modelFromSafetensors(encodeSafetensors(model));
  loaded.store.states.forEach((s, i) => assert.deepEqual(s.value, model.store.states[i].value));
  const p = predict(model, test);
  assert.deepEqual(predict(loaded, test), p);
  // Fresh statistics (mean 0, variance 1) give other scores: predict reads the stored ones.
  for (const s of loaded.store.states) s.value.fill(s.name.endsWith("var") ? 1 : 0);
  assert.ok(maxDiff(predict(loaded, test), p) > 1e-4);
});

Deno.test("din: early stopping restores the best epoch's running statistics too", () => {
  const train = syntheticInputs(SHAPE, { size: 1500, seed: 5 });
  const valid = syntheticInputs(SHAPE, { size: 400, seed: 6 });
  const model = createModel("din", smallConfig(SHAPE, { embedDim: 8 }));
  const seen: Float32Array[][] = [];
  // A large lr makes validation AUC fall after the first epochs.
  const r = fit(model, { train, valid }, {
    epochs: 12,
    batchSize: 32,
    lr: 0.05,
    patience: 2,
    log: false,
    onEpoch: () => seen.push(model.store.states.map((s) => s.value.slice() as Float32Array)),
  });
  assert.ok(r.stoppedEarly, "12 epochs at lr 0.05 should overfit and stop");
  assert.ok(r.bestEpoch < r.epochs.length);
  const last = seen.at(-1)!, best = seen[r.bestEpoch - 1];
  assert.notDeepEqual(last, best, "the statistics moved after the best epoch");
  model.store.states.forEach((s, i) => assert.deepEqual(s.value, best[i]));
  assert.equal(evaluate(model, valid).auc, r.best!.auc);
});
