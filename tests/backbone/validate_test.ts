import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import { fit, predict } from "../../backbone/trainer.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

const knowledge = { userDim: 5, itemDim: 3 };
const kConfig = smallConfig(SMALL, {
  knowledge: {
    ...knowledge,
    adaptor: "hea",
    sharedExperts: 2,
    specificExperts: 6,
    expertArch: [8, 4],
  },
});

Deno.test("mismatched split shapes name the field", () => {
  const model = createModel("din", smallConfig(SMALL));
  const inputs = syntheticInputs(SMALL, { size: 10, seed: 1 });
  const short = { split: { ...inputs.split, histItem: inputs.split.histItem.subarray(1) } };
  assert.throws(() => predict(model, short), /predict: split.histItem has length 29, expected 30/);
  const other = createModel("din", smallConfig({ ...SMALL, historyLength: 4 }));
  assert.throws(() => predict(other, inputs), /split.histItem has length 30, expected 40/);
});

Deno.test("out-of-vocabulary ids name the field and sample", () => {
  const model = createModel("dcn", smallConfig(SMALL));
  const inputs = syntheticInputs(SMALL, { size: 10, seed: 1 });
  inputs.split.attrs[7] = SMALL.attributes;
  assert.throws(
    () => predict(model, inputs),
    /split.attrs\[7\] \(sample 3\) = 7 is outside the table of 7 rows/,
  );
});

Deno.test("knowledge of the wrong dimension is rejected", () => {
  const model = createModel("din", kConfig);
  const inputs = syntheticInputs(SMALL, {
    size: 10,
    seed: 1,
    knowledge: { userDim: 5, itemDim: 4 },
  });
  assert.throws(() => predict(model, inputs), /itemKnowledge.dim is 4 but the model expects 3/);
  const none = syntheticInputs(SMALL, { size: 10, seed: 1 });
  assert.throws(() => predict(model, none), /userKnowledge is missing/);
  const plain = createModel("din", smallConfig(SMALL));
  const withK = syntheticInputs(SMALL, { size: 10, seed: 1, knowledge });
  assert.throws(() => predict(plain, withK), /the model has no knowledge adaptor/);
});

Deno.test("NaN in knowledge vectors or labels is rejected", () => {
  const model = createModel("deepfm", kConfig);
  const inputs = syntheticInputs(SMALL, { size: 10, seed: 1, knowledge });
  inputs.userKnowledge!.data[5 * 2 + 3] = NaN;
  assert.throws(
    () => predict(model, inputs),
    /userKnowledge.data has a non-finite value \(NaN\) in row 2, column 3/,
  );
  const good = syntheticInputs(SMALL, { size: 10, seed: 1, knowledge });
  good.split.label[4] = NaN;
  assert.throws(
    () => fit(model, { train: good }, { epochs: 1, log: false }),
    /train: split.label\[4\] = NaN/,
  );
});

Deno.test("knowledge row indices out of range are rejected", () => {
  const model = createModel(
    "autoint",
    smallConfig(SMALL, {
      knowledge: {
        userDim: 5,
        itemDim: 3,
        adaptor: "mlp",
        sharedExperts: 0,
        specificExperts: 0,
        expertArch: [8, 4],
      },
    }),
  );
  const inputs = syntheticInputs(SMALL, { size: 10, seed: 1, knowledge });
  inputs.itemKnowledge!.row[2] = 10_000;
  assert.throws(() => predict(model, inputs), /itemKnowledge.row\[2\] = 10000 is outside/);
});

Deno.test("bad configurations are clear errors", () => {
  assert.throws(
    () => createModel("din", { ...smallConfig(SMALL), embedDim: 0 }),
    /embedDim must be a positive integer/,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => createModel("gru" as any, smallConfig(SMALL)), /unknown model "gru"/);
  assert.throws(
    () =>
      createModel(
        "autoint",
        smallConfig(SMALL, { knowledge: { ...kConfig.knowledge!, expertArch: [8, 5] } }),
      ),
    /knowledge.expertArch must end in embedDim \(4\)/,
  );
});
