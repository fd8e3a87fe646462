import assert from "node:assert/strict";
import { env, pipeline } from "@huggingface/transformers";
import { transformersEmbedder } from "../../../adapters/embed/transformers.ts";
import type { EmbedProgress } from "../../../adapters/embed/progress.ts";
import { readOnnxGraph } from "./onnx_initializers.ts";
import { sharedModel } from "../../helpers.ts";
import { dirname } from "node:path";

const glove = sharedModel("glove-twitter-25d-avg");
const GLOVE = glove ?? "";
const MODELS = `${dirname(GLOVE)}/`;
/** A test of the real GloVe model: skipped (with one line, above) when it is absent. */
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: glove === undefined, fn });

/** The model by hand: its word-level vocabulary and its embedding matrix E (graph: E[ids] * mask). */
async function gloveByHand() {
  const tokenizer = JSON.parse(await Deno.readTextFile(`${GLOVE}/tokenizer.json`));
  const vocab: Record<string, number> = tokenizer.model.vocab;
  const graph = await readOnnxGraph(`${GLOVE}/onnx/model.onnx`);
  assert.deepEqual(graph.nodes.map((n) => n.opType), [
    "Gather",
    "Constant",
    "Unsqueeze",
    "Cast",
    "Mul",
  ]);
  const table = graph.initializers.get(graph.nodes[0].inputs[0])!;
  const [, width] = table.dims;
  /** Lower-case, split on spaces and punctuation (BERT pre-tokenizer), unknown -> [UNK]. */
  const ids = (text: string) =>
    (text.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).map((w) =>
      vocab[w] ?? vocab["[UNK]"]
    );
  const row = (id: number) => table.data.subarray(id * width, (id + 1) * width);
  const mean = (text: string, limit = Infinity) => {
    const tokenIds = ids(text).slice(0, limit);
    const sum = new Float64Array(width);
    for (const id of tokenIds) row(id).forEach((x, h) => sum[h] += x);
    return { tokenIds, vector: sum.map((x) => x / tokenIds.length) };
  };
  const normalise = (v: Float64Array) => {
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    return v.map((x) => x / n);
  };
  return { vocab, ids, row, mean, normalise, width };
}

function assertClose(got: Float32Array, want: ArrayLike<number>, tolerance = 1e-6) {
  assert.equal(got.length, want.length);
  got.forEach((x, i) =>
    assert.ok(Math.abs(x - want[i]) <= tolerance, `dim ${i}: ${x} vs ${want[i]}`)
  );
}

test("transformers: GloVe mean pooling reproduces the hand-computed vector", async () => {
  const hand = await gloveByHand();
  const sentence = "The cat sat on the mat, zzqqxxv!";
  const { tokenIds, vector } = hand.mean(sentence);
  assert.ok(tokenIds.includes(hand.vocab["[UNK]"]), "sentence should contain an unknown word");
  assert.ok(hand.row(hand.vocab["[UNK]"]).every((x) => x === 0), "unknown words are zero vectors");

  const embedder = await transformersEmbedder(GLOVE, { pooling: "mean", normalize: true });
  try {
    assert.equal(embedder.dim, hand.width);
    const [got] = await embedder.embed([sentence]);
    assertClose(got, hand.normalise(vector));

    const raw = await transformersEmbedder(GLOVE, { pooling: "mean", normalize: false });
    assertClose((await raw.embed([sentence]))[0], vector);
    await raw.dispose();

    // Same answer as the library's own pooling in the pipeline.
    const extractor = await pipeline("feature-extraction", GLOVE, { local_files_only: true });
    const library = await extractor(sentence, { pooling: "mean", normalize: true });
    assertClose(got, library.data as Float32Array);
    await extractor.dispose();
  } finally {
    await embedder.dispose();
  }
});

test("transformers: cls pooling and maxTokens truncation", async () => {
  const hand = await gloveByHand();
  const sentence = "happy birthday to my best friend";
  const cls = await transformersEmbedder(GLOVE, { pooling: "cls" });
  const truncated = await transformersEmbedder(GLOVE, { maxTokens: 2, normalize: false });
  try {
    const [first] = await cls.embed([sentence]);
    assertClose(first, hand.normalise(Float64Array.from(hand.row(hand.ids(sentence)[0]))));
    assert.equal(truncated.maxTokens, 2);
    assert.match(truncated.id, /:mean:raw:max2$/);
    const [two] = await truncated.embed([sentence]);
    assertClose(two, hand.mean(sentence, 2).vector);
  } finally {
    await cls.dispose();
    await truncated.dispose();
  }
});

test("transformers: batches of mixed lengths give the same vectors as one by one", async () => {
  const texts = [
    "ok",
    "a much longer text about a family drama set in the countryside during a long hot summer",
    "",
    "sci-fi!",
    "the best movie i have seen this year, with great music and a clever plot twist",
    "love it",
    "what a boring and predictable film",
  ];
  const events: EmbedProgress[] = [];
  const batched = await transformersEmbedder(GLOVE, {
    batchSize: 3,
    onProgress: (p) => events.push(p),
  });
  const single = await transformersEmbedder(GLOVE, { batchSize: 1 });
  try {
    const together = await batched.embed(texts);
    const alone = await single.embed(texts);
    assert.equal(together.length, texts.length);
    together.forEach((v, i) => assertClose(v, alone[i], 1e-6));
    for (const [i, text] of texts.entries()) {
      assertClose((await single.embed([text]))[0], together[i], 1e-6);
    }
    assert.deepEqual(together[2], new Float32Array(25)); // empty text: no tokens, zero vector
    assert.deepEqual(events.map((p) => p.done), [3, 6, 7]);
  } finally {
    await batched.dispose();
    await single.dispose();
  }
});

test("transformers: model by id under localModelPath, and location-independent ids", async () => {
  const byId = await transformersEmbedder("glove-twitter-25d-avg", {
    localModelPath: MODELS,
    allowRemoteModels: false,
  });
  const copy = await Deno.makeTempDir();
  try {
    assert.equal(byId.id, "transformers:glove-twitter-25d-avg:mean:norm:max512");
    assert.equal(env.allowRemoteModels, false);
    const folder = `${copy}/glove-twitter-25d-avg`;
    await Deno.mkdir(`${folder}/onnx`, { recursive: true });
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
      await Deno.copyFile(`${GLOVE}/${f}`, `${folder}/${f}`);
    }
    const original = await transformersEmbedder(GLOVE);
    const copied = await transformersEmbedder(folder);
    assert.match(
      original.id,
      /^transformers:local\/glove-twitter-25d-avg@[0-9a-f]{12}:mean:norm:max512$/,
    );
    assert.equal(copied.id, original.id);
    assert.deepEqual(await copied.embed(["same vectors"]), await byId.embed(["same vectors"]));
    await original.dispose();
    await copied.dispose();
  } finally {
    await byId.dispose();
    await Deno.remove(copy, { recursive: true });
  }
});

Deno.test("transformers: a missing model is a clear error", async () => {
  const empty = await Deno.makeTempDir();
  try {
    await assert.rejects(
      transformersEmbedder("no-such-model-here", {
        localModelPath: empty,
        allowRemoteModels: false,
      }),
      /cannot load model "no-such-model-here"/,
    );
    await assert.rejects(
      transformersEmbedder(`${empty}/nowhere`),
      new RegExp(`^Error: transformersEmbedder: no model folder at ${empty}/nowhere$`),
    );
    await assert.rejects(
      transformersEmbedder(empty, { pooling: "max" as "mean" }),
      /pooling must be/,
    );
  } finally {
    await Deno.remove(empty);
  }
});
