import assert from "node:assert/strict";
import { join } from "node:path";
import { localModelKey, resolveLocalModel } from "../../adapters/local_model.ts";

/** A folder laid out as transformers.js expects (the files' contents are not read here). */
async function modelFolder(parent: string, name: string, skip: string[] = []): Promise<string> {
  const dir = join(parent, name);
  await Deno.mkdir(join(dir, "onnx"), { recursive: true });
  for (const file of ["config.json", "tokenizer.json", "onnx/model.onnx"]) {
    if (!skip.includes(file)) await Deno.writeTextFile(join(dir, file), `{"of": "${name}"}`);
  }
  return dir;
}

Deno.test("resolveLocalModel: folders are checked, names looked up, the rest are Hub ids", async () => {
  const root = await Deno.makeTempDir();
  try {
    const good = await modelFolder(root, "tiny");
    assert.deepEqual(resolveLocalModel(good), { folder: good });
    // A bare name under the models folder (R4EC_MODELS_DIR by default).
    assert.deepEqual(resolveLocalModel("tiny", { modelsDir: root }), { folder: good });
    assert.deepEqual(resolveLocalModel("org/model", { modelsDir: root }), { hubId: "org/model" });
    // What looks like a path must be one.
    assert.throws(
      () => resolveLocalModel(join(root, "nope")),
      /^Error: no model folder at .*nope$/,
    );
    assert.throws(() => resolveLocalModel("./nope"), /no model folder at .*\/nope$/);
    // Each file transformers.js needs is named when missing.
    const noConfig = await modelFolder(root, "a", ["config.json"]);
    assert.throws(() => resolveLocalModel(noConfig), /model folder .*\/a has no config\.json$/);
    const noTokenizer = await modelFolder(root, "b", ["tokenizer.json"]);
    assert.throws(() => resolveLocalModel(noTokenizer), /\/b has no tokenizer\.json$/);
    const noWeights = await modelFolder(root, "c", ["onnx/model.onnx"]);
    assert.throws(() => resolveLocalModel(noWeights), /\/c has no onnx\/\*\.onnx weights$/);
    assert.throws(() => resolveLocalModel("a", { modelsDir: root }), /\/a has no config\.json$/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("localModelKey: the same model anywhere has one key; another model has another", async () => {
  const root = await Deno.makeTempDir();
  try {
    const one = await modelFolder(join(root, "x"), "tiny");
    const copy = await modelFolder(join(root, "y"), "tiny");
    const other = await modelFolder(join(root, "z"), "tiny");
    await Deno.writeTextFile(join(other, "config.json"), `{"changed": true}`);
    assert.match(await localModelKey(one), /^local\/tiny@[0-9a-f]{12}$/);
    assert.equal(await localModelKey(copy), await localModelKey(one));
    assert.notEqual(await localModelKey(other), await localModelKey(one));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
