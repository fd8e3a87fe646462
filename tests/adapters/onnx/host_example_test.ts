import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { scoreCandidates } from "../../../adapters/http/scoring.ts";
import { servingData, trainedBundle } from "../http/serving_fixture.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/onnx_host.mjs", import.meta.url));

function nodeAvailable(): boolean {
  try {
    return new Deno.Command("node", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "examples/onnx_host.mjs: plain Node with onnxruntime-node scores as r4ec serving does",
  ignore: !nodeAvailable() && (console.warn("skipping: no `node` on PATH"), true),
  fn: async () => {
    const data = await servingData();
    try {
      const d = data.dataset;
      for (const backbone of ["din", "deepfm"] as const) {
        const { bundle } = await trainedBundle(data, backbone);
        const user = d.users.raw[4], items = [d.items.raw[3], d.items.raw[9], d.items.raw[21]];
        const out = await new Deno.Command("node", {
          args: [EXAMPLE, bundle.dir, user, ...items],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, stderr);
        const body = JSON.parse(new TextDecoder().decode(out.stdout));
        // r4ec's own scoring of the same request: the bundle's latest history, no knowledge.
        const T = bundle.manifest.historyLength, u = bundle.userIndex.get(user)!;
        const ours = scoreCandidates(bundle, {
          items: Int32Array.from(items, (i) => bundle.itemIndex.get(i)!),
          historyItem: Int32Array.from(bundle.manifest.users.historyItem.slice(u * T, u * T + T)),
          historyRating: Int32Array.from(
            bundle.manifest.users.historyRating.slice(u * T, u * T + T),
          ),
        });
        assert.equal(body.user, user);
        body.scores.forEach((s: { item: string; score: number }, i: number) => {
          assert.equal(s.item, items[i]);
          assert.ok(Math.abs(s.score - ours[i]) <= 1e-5, `${backbone} ${s.item}: ${s.score}`);
        });
      }
    } finally {
      await data.close();
    }
  },
});
