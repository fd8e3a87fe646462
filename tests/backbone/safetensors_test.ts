import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadModel,
  loadWeights,
  modelFromSafetensors,
  saveModel,
} from "../../backbone/safetensors.ts";
import { predict } from "../../backbone/trainer.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

const knowledge = { userDim: 5, itemDim: 5 };
const config = smallConfig(SMALL, {
  knowledge: {
    ...knowledge,
    adaptor: "hea",
    sharedExperts: 2,
    specificExperts: 3,
    expertArch: [6, 4],
  },
});

Deno.test("safetensors round trip: same tensors, same predictions", async () => {
  const model = createModel("din", config);
  const dir = await Deno.makeTempDir();
  await saveModel(model, `${dir}/din`);
  const description = JSON.parse(await Deno.readTextFile(`${dir}/din.json`));
  assert.equal(description.model, "din");
  assert.equal(description.tensors.length, model.store.params.length);
  assert.deepEqual(
    description.state.map((t: { name: string }) => t.name),
    model.store.states.map((t) => t.name),
  );
  const loaded = await loadModel(`${dir}/din`);
  assert.equal(loaded.name, "din");
  loaded.store.params.forEach((p, i) => assert.deepEqual(p.value, model.store.params[i].value));
  loaded.store.states.forEach((t, i) => assert.deepEqual(t.value, model.store.states[i].value));
  const inputs = syntheticInputs(SMALL, { size: 50, seed: 4, knowledge });
  assert.deepEqual(predict(loaded, inputs), predict(model, inputs));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("safetensors layout: 8-byte LE header length, F32 entries, metadata", () => {
  const model = createModel("dcnv2", smallConfig(SMALL));
  const bytes = encodeSafetensors(model);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.equal(header.__metadata__["r4ec.model"], "dcnv2");
  assert.deepEqual(header["embedding.item"].shape, [SMALL.items, 4]);
  assert.equal(header["embedding.item"].dtype, "F32");
  const last = model.store.params.at(-1)!;
  assert.equal(header[last.name].data_offsets[1], bytes.length - 8 - n);
  const decoded = decodeSafetensors(bytes);
  assert.deepEqual(
    decoded.tensors.get("cross.0.weight")!.data,
    model.store.get("cross.0.weight").value,
  );
});

Deno.test("loading weights of another model is a clear error", () => {
  const din = createModel("din", smallConfig(SMALL));
  const dcn = createModel("dcn", smallConfig(SMALL));
  assert.throws(
    () => loadWeights(dcn, encodeSafetensors(din), "din.safetensors"),
    /weights are for model "din", not "dcn"/,
  );
  // Same model name but another configuration: a missing or mis-shaped tensor is named.
  const wide = createModel("din", smallConfig(SMALL, { embedDim: 6 }));
  assert.throws(
    () => loadWeights(wide, encodeSafetensors(din)),
    /"embedding.item" has shape \[40,4\] but the model expects \[40,6\]/,
  );
  const withK = createModel("din", config);
  assert.throws(
    () => loadWeights(withK, encodeSafetensors(din)),
    /tensor "adaptor\.[^"]+" of model "din" is missing/,
  );
});

Deno.test("a truncated file is a clear error", () => {
  const bytes = encodeSafetensors(createModel("deepfm", smallConfig(SMALL)));
  assert.throws(
    () => modelFromSafetensors(bytes.subarray(0, 5), "x.safetensors"),
    /x.safetensors: truncated safetensors file \(5 bytes/,
  );
  assert.throws(
    () => modelFromSafetensors(bytes.subarray(0, 40)),
    /truncated safetensors file: header says/,
  );
  assert.throws(
    () => modelFromSafetensors(bytes.subarray(0, bytes.length - 3)),
    /truncated safetensors file: tensor "[^"]+" needs data bytes/,
  );
  const garbage = new Uint8Array(16);
  new DataView(garbage.buffer).setBigUint64(0, 8n, true);
  assert.throws(() => modelFromSafetensors(garbage), /corrupt safetensors header/);
});

/** A safetensors file of `model` without the tensors `drop` names (a file from older code). */
function without(bytes: Uint8Array, drop: (name: string) => boolean): Uint8Array {
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const kept: Record<string, unknown> = { __metadata__: header.__metadata__ };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__" || drop(name)) continue;
    const [from, to] = (e as { data_offsets: [number, number] }).data_offsets;
    chunks.push(bytes.subarray(8 + n + from, 8 + n + to));
    kept[name] = { ...(e as object), data_offsets: [offset, offset + to - from] };
    offset += to - from;
  }
  const json = new TextEncoder().encode(JSON.stringify(kept));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

Deno.test("DIN weights without running statistics (older files) are a clear error", () => {
  const bytes = encodeSafetensors(createModel("din", smallConfig(SMALL)));
  const old = without(bytes, (name) => name.includes(".running_"));
  assert.ok(modelFromSafetensors(without(bytes, () => false)), "the helper keeps a valid file");
  assert.throws(
    () => modelFromSafetensors(old, "old/model.safetensors"),
    /old\/model.safetensors: state tensor "attention.dice0.running_mean" of model "din" is missing: .*retrain/,
  );
});
