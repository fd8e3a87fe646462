import assert from "node:assert/strict";
import { exportOnnx } from "../../../adapters/onnx/export.ts";
import { checkOnnxExport } from "../../../adapters/onnx/onnxruntime.ts";
import { createModel } from "../../../backbone/create_model.ts";
import { fit } from "../../../backbone/trainer.ts";
import type { CtrInputs, ModelConfig } from "../../../backbone/types.ts";
import { SMALL, smallConfig, syntheticInputs } from "../../backbone/synthetic.ts";

// Beyond export_test.ts's loop (default options, full histories): every DIEN evolution and
// GRU4Rec on histories with padded tails, padding in the middle and none at all.

const SHAPE = { ...SMALL, items: 200, attributes: 20, historyLength: 4 };
const HEA = {
  userDim: 12,
  itemDim: 9,
  adaptor: "hea" as const,
  sharedExperts: 2,
  specificExperts: 2,
  expertArch: [32, 16],
};

function padded(inputs: CtrInputs): CtrInputs {
  const s = inputs.split, T = SHAPE.historyLength, A = SHAPE.attrFields;
  for (let r = 0; r < s.size; r++) {
    for (let t = 0; t < T; t++) {
      const pad = r % 5 === 0 ? true : r % 5 === 1 ? t === 1 : t >= T - (r % 5);
      if (!pad || r % 7 === 3) continue;
      s.histItem[r * T + t] = s.histRating[r * T + t] = 0;
      for (let f = 0; f < A; f++) s.histAttrs[(r * T + t) * A + f] = 0;
    }
  }
  return inputs;
}

const CASES: [string, "gru4rec" | "dien", Partial<ModelConfig>][] = [
  ["gru4rec", "gru4rec", { gruHidden: 24 }],
  ...(["gru", "aigru", "agru", "augru"] as const).map((
    e,
  ): [string, "dien", Partial<ModelConfig>] => [`dien (${e})`, "dien", { interestEvolution: e }]),
];

for (const [label, name, extra] of CASES) {
  Deno.test(`onnx export of ${label} + HEA on padded histories matches predict to 1e-5`, async () => {
    const dims = { userDim: HEA.userDim, itemDim: HEA.itemDim };
    const train = padded(syntheticInputs(SHAPE, { size: 600, seed: 1, knowledge: dims }));
    const test = padded(syntheticInputs(SHAPE, { size: 300, seed: 2, knowledge: dims }));
    const model = createModel(
      name,
      smallConfig(SHAPE, { embedDim: 16, mlp: [64, 32], knowledge: HEA, ...extra }),
    );
    fit(model, { train }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
    const onnx = exportOnnx(model);
    for (const batchSize of [64, 300]) {
      const { maxAbsDiff, samples } = await checkOnnxExport(model, onnx, test, { batchSize });
      assert.equal(samples, 300);
      assert.ok(maxAbsDiff <= 1e-5, `${label}, batch ${batchSize}: max |Δp| ${maxAbsDiff}`);
    }
  });
}

Deno.test("onnx export of dien and gru4rec: a longer history adds steps, not copies of the GRUs", () => {
  for (const name of ["dien", "gru4rec"] as const) {
    const bytes = (historyLength: number) =>
      exportOnnx(createModel(name, smallConfig({ ...SHAPE, historyLength }, { embedDim: 32 })))
        .length;
    const short = bytes(2), long = bytes(4);
    const model = createModel(name, smallConfig(SHAPE, { embedDim: 32 }));
    // One more copy of a GRU's hidden weights: the smallest of its [3H, H] tensors.
    const oneCopy = Math.min(
      ...model.store.params.filter((p) => p.name.endsWith("weight_hh")).map((p) => p.value.length),
    ) * 4;
    assert.ok(long - short < oneCopy, `${name}: ${long} vs ${short} bytes`);
  }
});
