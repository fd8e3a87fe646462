import assert from "node:assert/strict";
import { join } from "node:path";
import { inspectOnnxModel } from "../../../adapters/onnx/graph.ts";
import { createModel } from "../../../backbone/create_model.ts";
import { encodeSafetensors, saveModel } from "../../../backbone/safetensors.ts";
import { SMALL, smallConfig } from "../../backbone/synthetic.ts";

async function exportCli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/export.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("deno task export: writes and checks the bundle's model; clear one-line errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "r4ec-export-" });
  try {
    const bundle = join(dir, "bundle");
    await Deno.mkdir(bundle);
    const model = createModel(
      "din",
      smallConfig(SMALL, {
        knowledge: {
          userDim: 6,
          itemDim: 6,
          adaptor: "hea",
          sharedExperts: 1,
          specificExperts: 2,
          expertArch: [8, 4],
        },
      }),
    );
    await saveModel(model, join(bundle, "model"));
    const ok = await exportCli("--model", bundle, "--samples", "64");
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /wrote .*model\.onnx \(\d+\.\d\d MiB\): din \+ hea knowledge adaptor, opset 13/,
    );
    assert.match(ok.stdout, /input hist_item int64 \[batch, 3\]: the user's last 3 items/);
    assert.match(ok.stdout, /input user_knowledge float32 \[batch, 6\]/);
    assert.match(
      ok.stdout,
      /checked with onnxruntime-node: max \|Δ probability\| \S+ vs predict on 64/,
    );
    const written = inspectOnnxModel(await Deno.readFile(join(bundle, "model.onnx")));
    assert.equal(written.metadata["r4ec.model"], "din");

    const out = join(dir, "elsewhere.onnx");
    const elsewhere = await exportCli("--model", bundle, "--out", out, "--no-check");
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.ok(!elsewhere.stdout.includes("checked"));
    assert.ok((await Deno.stat(out)).size > 1000);

    const empty = join(dir, "empty");
    await Deno.mkdir(empty);
    const missing = await exportCli("--model", empty);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^error: export: .*empty\/model\.safetensors not found: .* holds no model weights/,
    );

    const unknown = join(dir, "unknown");
    await Deno.mkdir(unknown);
    // The same file with another model name of the same length in its JSON header.
    const renamed = encodeSafetensors(model);
    const n = Number(new DataView(renamed.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(renamed.subarray(8, 8 + n));
    renamed.set(
      new TextEncoder().encode(header.replace('"r4ec.model":"din"', '"r4ec.model":"gbm"')),
      8,
    );
    await Deno.writeFile(join(unknown, "model.safetensors"), renamed);
    const r = await exportCli("--model", unknown);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: .*model\.safetensors: unknown model "gbm" .*r4ec knows din/);

    const noFlag = await exportCli();
    assert.equal(noFlag.code, 2);
    assert.match(noFlag.stderr, /^error: bad flags: --model: required/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
