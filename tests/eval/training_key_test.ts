import assert from "node:assert/strict";
import { BACKBONES } from "../../backbone/mod.ts";
import { trainingKey } from "../../eval/trainings.ts";

const ctx = { fingerprint: "9676762021a570c8", knowledgeId: { history: "hist-1" } };
const options = { epochs: 2, patience: 2, batchSize: 256, lr: 0.001 };

Deno.test("training key: a backbone never changed keeps the key its stored results were saved under", () => {
  assert.equal(BACKBONES.din.version, undefined);
  assert.equal(
    trainingKey(ctx, options, "din", "history", 1),
    JSON.stringify({
      format: 2,
      fingerprint: "9676762021a570c8",
      knowledge: "hist-1",
      backbone: "din",
      condition: "history",
      seed: 1,
      epochs: 2,
      patience: 2,
      batchSize: 256,
      lr: 0.001,
    }),
  );
});

Deno.test("training key: a backbone whose results changed is keyed by its version", () => {
  const key = JSON.parse(trainingKey(ctx, options, "xdeepfm", "history", 1));
  assert.equal(key.backboneVersion, BACKBONES.xdeepfm.version);
  assert.ok(BACKBONES.xdeepfm.version! >= 2);
  assert.equal(JSON.parse(trainingKey(ctx, options, "fibinet", "base", 1)).backboneVersion, 2);
});
