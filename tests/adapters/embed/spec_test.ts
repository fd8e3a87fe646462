import assert from "node:assert/strict";
import {
  embedderFromSpec,
  fitHashingEmbedder,
  parseEmbedderSpec,
} from "../../../adapters/embed/mod.ts";
import { startFeatureExtractionServer } from "./feature_extraction_server.ts";
import { sharedModel } from "../../helpers.ts";

const GLOVE = sharedModel("glove-twitter-25d-avg");

Deno.test("parseEmbedderSpec: the three kinds and their options", () => {
  assert.deepEqual(parseEmbedderSpec("hashing"), { kind: "hashing", options: {} });
  assert.deepEqual(parseEmbedderSpec("hashing#dim=512,seed=7,ngrams=1,tf=raw"), {
    kind: "hashing",
    options: { dim: 512, seed: 7, ngrams: 1, sublinearTf: false },
  });
  assert.deepEqual(parseEmbedderSpec("transformers:Xenova/bge-m3#pooling=cls,maxTokens=2048"), {
    kind: "transformers",
    model: "Xenova/bge-m3",
    options: { pooling: "cls", maxTokens: 2048 },
  });
  assert.deepEqual(parseEmbedderSpec("transformers:../models/my model"), {
    kind: "transformers",
    model: "../models/my model",
    options: {},
  });
  assert.deepEqual(parseEmbedderSpec("hf:BAAI/bge-m3@together#normalize=true,prompt=query"), {
    kind: "hf",
    model: "BAAI/bge-m3",
    provider: "together",
    options: { normalize: true, promptName: "query" },
  });
  assert.deepEqual(parseEmbedderSpec("hf:BAAI/bge-m3"), {
    kind: "hf",
    model: "BAAI/bge-m3",
    options: {},
  });
  assert.deepEqual(parseEmbedderSpec("hf:http://127.0.0.1:8080/embed?x=1#dim=3"), {
    kind: "hf",
    endpointUrl: "http://127.0.0.1:8080/embed?x=1",
    options: { dim: 3 },
  });
});

Deno.test("parseEmbedderSpec: bad specs name the spec and the part", () => {
  assert.throws(() => parseEmbedderSpec("word2vec"), /"word2vec": unknown kind "word2vec"/);
  assert.throws(() => parseEmbedderSpec("hashing#dim=-3"), /option dim:/);
  assert.throws(() => parseEmbedderSpec("hashing#size=3"), /option size:/);
  assert.throws(() => parseEmbedderSpec("hashing#dim"), /option "dim" is not key=value/);
  assert.throws(() => parseEmbedderSpec("transformers"), /give a model/);
  assert.throws(() => parseEmbedderSpec("transformers:x#pooling=max"), /option pooling:/);
  assert.throws(() => parseEmbedderSpec("hf:model@"), /empty model or provider/);
});

Deno.test({
  name: "embedderFromSpec: a transformers.js model folder",
  ignore: GLOVE === undefined,
  async fn() {
    const glove = await embedderFromSpec(`transformers:${GLOVE}#pooling=cls,normalize=false`);
    assert.equal(glove.dim, 25);
    assert.match(glove.id, /:cls:raw:max512$/);
    await glove.dispose?.();
  },
});

Deno.test("embedderFromSpec: builds the hashing and hf kinds", async () => {
  const corpus = ["likes jazz", "likes war films", "hates musicals"];
  const hashing = await embedderFromSpec("hashing#dim=64,seed=5", { corpus });
  assert.equal(hashing.id, fitHashingEmbedder(corpus, { dim: 64, seed: 5 }).id);
  await assert.rejects(embedderFromSpec("hashing"), /needs a corpus/);
  const restored = await embedderFromSpec("hashing", {
    hashingState: JSON.parse(JSON.stringify(hashing)),
  });
  assert.equal(restored.id, hashing.id);
  await assert.rejects(
    embedderFromSpec("hashing#dim=32", { hashingState: JSON.parse(JSON.stringify(hashing)) }),
    /saved hashing state has dim=64, spec asks 32/,
  );

  const server = startFeatureExtractionServer();
  try {
    const hf = await embedderFromSpec(`hf:${server.origin}/endpoint#batchSize=2`);
    assert.equal(hf.dim, server.dim);
    assert.deepEqual(await hf.embed(corpus), await server.vectorsFor(corpus));
  } finally {
    await server.close();
  }
});
