import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import { Adam } from "../../backbone/adam.ts";
import { ParamStore } from "../../backbone/param.ts";
import { bceWithLogits } from "../../backbone/loss.ts";
import { evaluate, fit, predict } from "../../backbone/trainer.ts";
import { MODEL_NAMES } from "../../backbone/types.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

const SHAPE = { ...SMALL, items: 60 };
const train = syntheticInputs(SHAPE, { size: 3000, seed: 1 });
const valid = syntheticInputs(SHAPE, { size: 600, seed: 2 });
const test = syntheticInputs(SHAPE, { size: 800, seed: 3 });

Deno.test("bceWithLogits is stable for large logits and has the right gradient", () => {
  const d = new Float64Array(3);
  const loss = bceWithLogits(new Float64Array([1000, -1000, 0]), [1, 0, 1], d, 3);
  assert.ok(Math.abs(loss - Math.log(2) / 3) < 1e-12);
  assert.deepEqual(Array.from(d), [0, 0, -0.5 / 3]);
  const big = bceWithLogits(new Float64Array([-800]), [1], d, 1);
  assert.ok(Math.abs(big - 800) < 1e-9);
});

Deno.test("Adam: first step moves each weight by lr against the gradient sign", () => {
  const store = new ParamStore({ seed: 1 });
  const w = store.add("w", [3], { kind: "zeros" });
  const adam = new Adam(store.params, { lr: 0.01 });
  w.grad.set([2, -0.5, 0]);
  adam.step();
  assert.ok(Math.abs(w.value[0] + 0.01) < 1e-6);
  assert.ok(Math.abs(w.value[1] - 0.01) < 1e-6);
  assert.equal(w.value[2], 0);
  assert.deepEqual(Array.from(w.grad), [0, 0, 0]); // cleared
});

Deno.test("Adam: lazy updates leave untouched embedding rows alone, dense ones move them", () => {
  for (const mode of ["lazy", "dense"] as const) {
    const store = new ParamStore({ seed: 1 });
    const table = store.add("t", [4, 2], { kind: "zeros" }, { sparse: true });
    const adam = new Adam(store.params, { lr: 0.1, embeddingUpdate: mode });
    table.grad[2] = 1;
    table.markRow(1);
    adam.step();
    const row1 = table.value[2];
    table.grad[0] = 1; // row 0 now; row 1 has momentum only
    table.markRow(0);
    adam.step();
    const row1Moved = table.value[2] !== row1; // the second step moves row 1 only if dense
    assert.equal(row1Moved, mode === "dense", mode);
    assert.equal(table.value[6], 0, `${mode}: row 3 never had a gradient`);
  }
});

for (const name of MODEL_NAMES) {
  Deno.test(`${name}: training lifts validation AUC well above chance`, () => {
    const model = createModel(
      name,
      smallConfig(SHAPE, { embedDim: 8, mlp: [16, 8], attentionSize: 8 }),
    );
    const before = evaluate(model, valid).auc;
    const result = fit(model, { train, valid }, { epochs: 4, batchSize: 64, lr: 3e-3, log: false });
    assert.equal(result.epochs.length, 4);
    assert.ok(result.best!.auc > 0.7, `${name}: valid AUC ${result.best!.auc} (before ${before})`);
    // The model holds the best epoch's weights at the end.
    const after = evaluate(model, valid, { batchSize: 64 });
    assert.ok(Math.abs(after.auc - result.best!.auc) < 1e-12);
  });
}

Deno.test("fit is deterministic: same seed, same weights and AUC to the last digit", () => {
  const run = () => {
    const model = createModel("din", smallConfig(SHAPE, { seed: 42 }));
    const r = fit(model, { train, test }, { epochs: 2, batchSize: 100, lr: 2e-3, log: false });
    return { model, auc: r.epochs[1].test!.auc };
  };
  const a = run(), b = run();
  assert.equal(a.auc, b.auc);
  a.model.store.params.forEach((p, i) => assert.deepEqual(p.value, b.model.store.params[i].value));
});

Deno.test("early stopping: patience counts epochs without gain and best weights come back", () => {
  const model = createModel("deepfm", smallConfig(SHAPE, { embedDim: 8 }));
  const lines: string[] = [];
  // A large lr makes validation AUC fall after the first epochs.
  const r = fit(model, { train, valid }, {
    epochs: 30,
    batchSize: 32,
    lr: 0.05,
    patience: 2,
    log: (l) => lines.push(l),
  });
  assert.ok(r.stoppedEarly, "30 epochs at lr 0.05 should overfit and stop");
  assert.equal(r.epochs.length, r.bestEpoch + 2);
  assert.ok(lines.some((l) => l.includes("early stop")));
  const best = Math.max(...r.epochs.map((e) => e.valid!.auc));
  assert.equal(r.best!.auc, best);
  assert.equal(evaluate(model, valid, { batchSize: 32 }).auc, best);
});

Deno.test("cosine schedule and clipping run and still learn", () => {
  const model = createModel("dcnv2", smallConfig(SHAPE, { embedDim: 8 }));
  const r = fit(model, { train, valid }, {
    epochs: 4,
    batchSize: 64,
    lr: 1e-2,
    schedule: "cosine",
    clipNorm: 1,
    log: false,
  });
  assert.ok(r.best!.auc > 0.7, `AUC ${r.best!.auc}`);
});

Deno.test("predict returns probabilities in sample order, batch-size independent without Dice", () => {
  const model = createModel("autoint", smallConfig(SHAPE, { attentionSize: 8 }));
  const a = predict(model, test, { batchSize: 7 });
  const b = predict(model, test, { batchSize: 1000 });
  assert.equal(a.length, test.split.size);
  for (let i = 0; i < a.length; i++) {
    assert.ok(a[i] > 0 && a[i] < 1);
    assert.ok(Math.abs(a[i] - b[i]) < 1e-6);
  }
});

Deno.test("knowledge flows through HEA with unequal widths and missing user rows", () => {
  // Item knowledge = the planted item quality (the strongest signal) in one dimension.
  const withK = (inputs: typeof train) => {
    const quality = new Float32Array(SHAPE.items * 2);
    const items = inputs.split;
    // Derive per-item click rate on the training split as "knowledge" (a statistics control).
    const clicks = new Float64Array(SHAPE.items), seen = new Float64Array(SHAPE.items);
    for (let i = 0; i < train.split.size; i++) {
      clicks[train.split.item[i]] += train.split.label[i];
      seen[train.split.item[i]]++;
    }
    for (let it = 0; it < SHAPE.items; it++) {
      quality[it * 2] = seen[it] ? clicks[it] / seen[it] - 0.5 : 0;
      quality[it * 2 + 1] = 1;
    }
    const userData = new Float32Array(2);
    return {
      split: items,
      userKnowledge: { dim: 1, data: userData, row: new Int32Array(items.size).fill(-1) },
      itemKnowledge: { dim: 2, data: quality, row: items.item.slice() },
    };
  };
  const config = smallConfig(SHAPE, {
    embedDim: 4,
    mlp: [16, 8],
    knowledge: {
      userDim: 1,
      itemDim: 2,
      adaptor: "hea",
      sharedExperts: 2,
      specificExperts: 6,
      expertArch: [16, 4],
    },
  });
  const model = createModel("dcnv2", config);
  const r = fit(model, { train: withK(train), valid: withK(valid) }, {
    epochs: 3,
    batchSize: 64,
    lr: 3e-3,
    log: false,
  });
  assert.ok(r.best!.auc > 0.7, `AUC ${r.best!.auc}`);
});
