import assert from "node:assert/strict";
import { hfEmbedder } from "../../../adapters/embed/hf.ts";
import type { EmbedProgress } from "../../../adapters/embed/progress.ts";
import { startFeatureExtractionServer } from "./feature_extraction_server.ts";

const TEXTS = ["a slow-burning drama", "loud action", "music documentaries", "FAIL-free comedy"];

Deno.test("hf: endpointUrl posts batches to the endpoint and returns its vectors", async () => {
  const server = startFeatureExtractionServer();
  try {
    const events: EmbedProgress[] = [];
    const embedder = await hfEmbedder({
      endpointUrl: `${server.origin}/endpoint`,
      accessToken: "secret-token",
      normalize: true,
      truncate: true,
      batchSize: 3,
      onProgress: (p) => events.push(p),
    });
    assert.equal(embedder.dim, server.dim); // read from a probe request
    assert.equal(embedder.id, `hf:${server.origin}/endpoint:norm:trunc`);
    const texts = TEXTS.slice(0, 3).concat(["thrillers", "westerns"]);
    const vectors = await embedder.embed(texts);
    assert.deepEqual(vectors, await server.vectorsFor(texts));
    const posts = server.requests.slice(1); // after the probe
    assert.deepEqual(posts.map((r) => r.body), [
      { inputs: texts.slice(0, 3), normalize: true, truncate: true },
      { inputs: texts.slice(3), normalize: true, truncate: true },
    ]);
    assert.ok(posts.every((r) => r.path === "/endpoint" && r.method === "POST"));
    assert.ok(posts.every((r) => r.authorization === "Bearer secret-token"));
    assert.deepEqual(events.map((p) => [p.done, p.total]), [[3, 5], [5, 5]]);
  } finally {
    await server.close();
  }
});

Deno.test("hf: a model id with a provider goes through the Hub mapping and the router route", async () => {
  const server = startFeatureExtractionServer();
  try {
    const embedder = await hfEmbedder({
      model: "test-org/route-model",
      provider: "hf-inference",
      accessToken: "hf_test",
      dim: server.dim,
      fetch: server.fetch,
    });
    assert.equal(embedder.id, "hf:test-org/route-model@hf-inference");
    const vectors = await embedder.embed(TEXTS.slice(0, 2));
    assert.deepEqual(vectors, await server.vectorsFor(TEXTS.slice(0, 2)));
    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /api/models/test-org/route-model?expand[]=inferenceProviderMapping",
      "POST /hf-inference/models/test-org/route-model/pipeline/feature-extraction",
    ]);
    assert.deepEqual(server.requests[1].body, { inputs: TEXTS.slice(0, 2) });
  } finally {
    await server.close();
  }
});

Deno.test("hf: server errors and malformed answers are reported with the request", async () => {
  const server = startFeatureExtractionServer();
  try {
    const embedder = await hfEmbedder({
      endpointUrl: `${server.origin}/endpoint`,
      dim: server.dim,
    });
    await assert.rejects(
      embedder.embed(["ok", "this will FAIL"]),
      /hfEmbedder\(http:\/\/127\.0\.0\.1:\d+\/endpoint\): feature-extraction request for 2 texts failed \(HTTP 422\): .*cannot embed FAIL/,
    );
    const tokens = await hfEmbedder({
      endpointUrl: `${server.origin}/token-level`,
      dim: server.dim,
    });
    await assert.rejects(tokens.embed(["x"]), /answer\[0\] is token-level \(2 tokens\)/);
    const wrongDim = await hfEmbedder({ endpointUrl: `${server.origin}/endpoint`, dim: 99 });
    await assert.rejects(wrongDim.embed(["x"]), /texts\[0\] got a 12-d vector, expected 99/);
  } finally {
    await server.close();
  }
});

Deno.test("hf: 503 answers are retried with backoff, up to maxRetries", async () => {
  const server = startFeatureExtractionServer();
  try {
    const embedder = await hfEmbedder({
      endpointUrl: `${server.origin}/endpoint`,
      dim: server.dim,
      maxRetries: 2,
      retryDelayMs: 5,
    });
    server.failNext(2);
    assert.deepEqual(await embedder.embed(["jazz"]), await server.vectorsFor(["jazz"]));
    assert.equal(server.requests.length, 3);
    server.failNext(3);
    await assert.rejects(
      embedder.embed(["blues"]),
      /failed \(HTTP 503\) after 3 attempts: .*Model is loading/,
    );
    assert.equal(server.requests.length, 6);
  } finally {
    await server.close();
  }
});

Deno.test("hf: bad options are rejected before any request", async () => {
  await assert.rejects(hfEmbedder({}), /give a model id or an endpointUrl/);
  await assert.rejects(
    hfEmbedder({ endpointUrl: "http://127.0.0.1:1/x", provider: "together" }),
    /provider cannot be combined/,
  );
  await assert.rejects(
    hfEmbedder({ model: "m", provider: "nope", dim: 3 }),
    /unknown provider "nope"/,
  );
  await assert.rejects(hfEmbedder({ endpointUrl: "ftp://x", dim: 3 }), /must be an http\(s\) URL/);
});
