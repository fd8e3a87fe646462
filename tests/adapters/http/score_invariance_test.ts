import assert from "node:assert/strict";
import { join } from "node:path";
import type { R4ecRouter } from "../../../adapters/http/router.ts";
import { candidateInputs } from "../../../adapters/http/scoring.ts";
import { ONNX_FILE } from "../../../adapters/onnx/export.ts";
import { onnxPredict, onnxSession } from "../../../adapters/onnx/onnxruntime.ts";
import { SeededRandom } from "../../../util/random.ts";
import { predict } from "../../../backbone/trainer.ts";
import { MODEL_NAMES } from "../../../backbone/types.ts";
import { servingData, trainedBundle } from "./serving_fixture.ts";
import { checkedRouter } from "./checked_answers.ts";

type Score = { item: string; score: number };

function post(app: R4ecRouter, path: string, body: unknown) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

Deno.test("every backbone's bundle: a score does not depend on the other candidates", async (t) => {
  const data = await servingData();
  const d = data.dataset;
  // The fixture's 60 items; the 60-candidate request lists them in reverse, so that both the
  // other candidates and the position in the request change.
  const all = d.items.raw.slice(1);
  assert.equal(all.length, 60);
  const shuffled = [...all].reverse();
  const probe = all[6]; // has knowledge and a vector
  try {
    for (const backbone of MODEL_NAMES) {
      await t.step(backbone, async () => {
        const { bundle } = await trainedBundle(data, backbone);
        const app = checkedRouter({ store: data.store, bundle });
        const user = d.users.raw[2];
        const scoreOf = async (items: string[]) => {
          const res = await post(app, "/v1/score", { user, items });
          assert.equal(res.status, 200, await res.clone().text());
          const body = (await res.json()) as { scores: Score[] };
          return new Map(body.scores.map((s) => [s.item, s.score]));
        };
        const alone = (await scoreOf([probe])).get(probe)!;
        const ten = await scoreOf([...all.slice(0, 10)]);
        const sixty = await scoreOf(shuffled);
        assert.ok(ten.size === 10 && sixty.size === all.length);
        for (const [name, page] of [["10", ten], ["60", sixty]] as const) {
          const d = Math.abs(page.get(probe)! - alone);
          assert.ok(d <= 1e-6, `${backbone}: among ${name} differs by ${d}`);
        }
        // Every candidate of the 10 scores the same among the 60.
        for (const [item, s] of ten) {
          assert.ok(Math.abs(sixty.get(item)! - s) <= 1e-6, `${backbone}: ${item}`);
        }
        // /v1/rank: the top 10 of the 60 in the order of their scores, and a page of 10 ranks
        // its candidates as the 60-candidate list orders them.
        const rank = async (items: string[], k: number) => {
          const res = await post(app, "/v1/rank", { user, items, k });
          const body = (await res.json()) as { items: { item: string }[] };
          return body.items.map((i) => i.item);
        };
        const byScore = [...sixty].sort((a, b) => b[1] - a[1]).map(([item]) => item);
        assert.deepEqual(await rank(shuffled, 10), byScore.slice(0, 10));
        const page = all.slice(0, 10);
        assert.deepEqual(await rank(page, 10), byScore.filter((i) => page.includes(i)));

        // The bundle's model.onnx scores these candidates as the bundle's model does.
        const onnx = join(bundle.dir, ONNX_FILE);
        const items = Int32Array.from(all, (raw) => bundle.itemIndex.get(raw)!);
        const T = bundle.manifest.historyLength, u = bundle.userIndex.get(user)!;
        const rng = new SeededRandom(9), dim = bundle.manifest.encoder.dim;
        const vector = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
        const inputs = candidateInputs(bundle, {
          items,
          historyItem: Int32Array.from(bundle.manifest.users.historyItem.slice(u * T, u * T + T)),
          historyRating: Int32Array.from(
            bundle.manifest.users.historyRating.slice(u * T, u * T + T),
          ),
          userVector: vector(dim),
          itemVectors: [...items].map((_, i) => (i % 3 === 0 ? null : vector(dim))),
        });
        const session = await onnxSession(onnx);
        try {
          const theirs = await onnxPredict(session, bundle.model.config, inputs);
          const ours = predict(bundle.model, inputs);
          for (let i = 0; i < ours.length; i++) {
            assert.ok(Math.abs(theirs[i] - ours[i]) <= 1e-5, `${backbone} onnx sample ${i}`);
          }
        } finally {
          await session.release();
        }
      });
    }
  } finally {
    await data.close();
  }
});
