import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import {
  backboneNames,
  BACKBONES,
  MODEL_NAMES,
  registerBackbone,
  resolveConfig,
} from "../../backbone/registry.ts";
import { encodeSafetensors, modelFromSafetensors } from "../../backbone/safetensors.ts";
import { evaluate, fit, predict } from "../../backbone/trainer.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";
import { toyBackbone } from "./toy_backbone.ts";

const SHAPE = { ...SMALL, items: 60 };

Deno.test("adding a backbone: its own file plus one registration makes it creatable and trainable", () => {
  assert.ok(!backboneNames().includes("toy"));
  assert.throws(
    () => createModel("toy", smallConfig(SHAPE)),
    /unknown model "toy"; expected one of din, /,
  );
  registerBackbone("toy", toyBackbone);
  assert.deepEqual(backboneNames(), [...MODEL_NAMES, "toy"]);

  // Created by name; its own default and the shared ones are filled in.
  const config = smallConfig(SHAPE, { embedDim: 8, seed: 11 });
  const model = createModel("toy", config);
  assert.equal(model.name, "toy");
  assert.equal((model.config as { toyHidden?: number }).toyHidden, 6);
  assert.deepEqual(model.config.mlp, config.mlp);
  assert.throws(
    () => createModel("toy", { ...config, toyHidden: 0 } as typeof config),
    /toyHidden must be a positive integer, got 0/,
  );

  // Trained by the same `fit` as every backbone.
  const train = syntheticInputs(SHAPE, { size: 3000, seed: 1 });
  const valid = syntheticInputs(SHAPE, { size: 600, seed: 2 });
  const before = evaluate(model, valid).auc;
  const result = fit(model, { train, valid }, { epochs: 4, batchSize: 64, lr: 3e-3, log: false });
  assert.ok(result.best!.auc > 0.7, `toy: valid AUC ${result.best!.auc} (before ${before})`);

  // Saved and loaded back by name like a built-in.
  const loaded = modelFromSafetensors(encodeSafetensors(model));
  assert.equal(loaded.name, "toy");
  assert.deepEqual(predict(loaded, valid), predict(model, valid));

  assert.throws(() => registerBackbone("toy", toyBackbone), /already registered/);
  assert.throws(() => registerBackbone("Bad Name", toyBackbone), /must match/);
});

Deno.test("the record holds every backbone's defaults, and resolving fills them in once", () => {
  assert.deepEqual(MODEL_NAMES, [
    "din",
    "dcn",
    "dcnv2",
    "deepfm",
    "autoint",
    "xdeepfm",
    "fibinet",
    "fignn",
    "gru4rec",
    "dien",
  ]);
  const sizes = { items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6 };
  for (const name of MODEL_NAMES) {
    const c = resolveConfig(name, {
      ...sizes,
      knowledge: { userDim: 8, itemDim: 4, expertArch: [16, 32] },
    });
    // Shared defaults (the reference's), then the backbone's own from its registry entry.
    assert.equal(c.embedDim, 32, name);
    assert.deepEqual(c.mlp, [200, 80], name);
    assert.equal(c.seed, 1234, name);
    assert.equal(c.dtype, "float32", name);
    assert.deepEqual(c.knowledge, {
      userDim: 8,
      itemDim: 4,
      adaptor: "hea",
      sharedExperts: 2,
      specificExperts: 6,
      expertArch: [16, 32],
    });
    for (const [key, value] of Object.entries(BACKBONES[name].defaults)) {
      assert.deepEqual((c as unknown as Record<string, unknown>)[key], value, `${name}.${key}`);
    }
  }
  // A resolved config resolves to itself, and defaults are copies (no shared mutable arrays).
  const din = resolveConfig("din", sizes);
  assert.deepEqual(resolveConfig("din", din), din);
  din.attentionMlp!.push(1);
  din.mlp.push(1);
  assert.deepEqual(resolveConfig("din", sizes).attentionMlp, [32, 16]);
  assert.deepEqual(resolveConfig("din", sizes).mlp, [200, 80]);
  // The MLP adaptor has no experts whatever was asked.
  const mlp = resolveConfig("deepfm", {
    ...sizes,
    knowledge: { userDim: 8, itemDim: 8, adaptor: "mlp" },
  });
  assert.deepEqual(mlp.knowledge, {
    userDim: 8,
    itemDim: 8,
    adaptor: "mlp",
    sharedExperts: 0,
    specificExperts: 0,
    expertArch: [128, 32],
  });
});
