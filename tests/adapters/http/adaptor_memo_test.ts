import assert from "node:assert/strict";
import { memoizeKnowledgeAdaptor } from "../../../adapters/http/adaptor_memo.ts";
import { candidateInputs } from "../../../adapters/http/scoring.ts";
import { createModel } from "../../../backbone/create_model.ts";
import { predict } from "../../../backbone/trainer.ts";
import { SeededRandom } from "../../../util/random.ts";
import type { ModelConfig, ModelName } from "../../../backbone/types.ts";

const config = (adaptor: "hea" | "mlp"): ModelConfig => ({
  items: 30,
  attributes: 5,
  attrFields: 1,
  historyLength: 3,
  ratingValues: 6,
  embedDim: 8,
  mlp: [16, 8],
  seed: 3,
  knowledge: {
    userDim: 12,
    itemDim: 12,
    adaptor,
    sharedExperts: 1,
    specificExperts: 2,
    expertArch: [16, 8],
  },
});

for (const [name, adaptor] of [["din", "hea"], ["dcnv2", "mlp"], ["autoint", "hea"]] as const) {
  Deno.test(`adaptor memo (${name}/${adaptor}): same scores as without, repeats served from the memo`, () => {
    const c = config(adaptor);
    if (name === "autoint") c.knowledge!.expertArch = [16, c.embedDim!];
    const plain = createModel(name as ModelName, c), memo = createModel(name as ModelName, c);
    const stats = memoizeKnowledgeAdaptor(memo)!;
    const rng = new SeededRandom(9);
    const vec = () => Float32Array.from({ length: 12 }, () => rng.uniform() * 2 - 1);
    const itemVectors = Array.from({ length: 30 }, vec);
    const itemAttrs = Int32Array.from({ length: 30 }, (_, i) => i % 5);
    const score = (model: typeof plain, user: Float32Array | null, items: number[]) =>
      predict(
        model,
        candidateInputs({ model, itemAttrs }, {
          items: Int32Array.from(items),
          historyItem: Int32Array.of(0, 4, 9),
          historyRating: Int32Array.of(0, 5, 2),
          userVector: user,
          itemVectors: items.map((i) => (i % 7 === 0 ? null : itemVectors[i])),
        }),
        { batchSize: items.length },
      );
    const userA = vec(), userB = vec();
    const requests: [Float32Array | null, number[]][] = [
      [userA, [1, 2, 3, 7, 8, 2, 2]],
      [userA, [3, 2, 1, 14, 20]],
      [userB, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
      [null, [5, 6]],
    ];
    for (const [user, items] of requests) {
      const a = score(plain, user, items), b = score(memo, user, items);
      a.forEach((p, i) => assert.ok(Math.abs(p - b[i]) < 1e-6, `${p} vs ${b[i]}`));
    }
    assert.ok(stats.hits > stats.misses, JSON.stringify(stats));
    // The knowledge matters to the scores, so a wrong memo answer would show above.
    const [pa] = score(plain, userA, [1]), [pb] = score(plain, userB, [1]);
    assert.ok(Math.abs(pa - pb) > 1e-5, `${pa} vs ${pb}`);
    // A changed vector with the same identity is recomputed, not served stale.
    const before = stats.misses;
    userA[0] += 0.5;
    const a = score(plain, userA, [1, 2]), b = score(memo, userA, [1, 2]);
    a.forEach((p, i) => assert.ok(Math.abs(p - b[i]) < 1e-6));
    assert.equal(stats.misses, before + 1);
  });
}

Deno.test("adaptor memo: a model without knowledge is left alone", () => {
  const { knowledge: _, ...c } = config("hea");
  assert.equal(memoizeKnowledgeAdaptor(createModel("deepfm", c)), undefined);
});
