/**
 * A Node host of the built npm package (`deno task build:npm`), run by tests/node/host_test.ts from
 * a folder whose `node_modules/@r4ec/r4ec` is the build output, so every import goes through the
 * package's `exports` as a user's would. It runs the README's library example on the synthetic
 * dataset, trains one backbone for an epoch (WebAssembly kernels, data-parallel worker threads),
 * serves `r4ecRouter()` with `@hono/node-server` on 127.0.0.1 and scores a request over HTTP, and
 * checks that the Deno-only entry point fails at import naming the alternative. Prints one JSON
 * line of results; any failure exits non-zero.
 *
 * `node host.mjs --train-only` prints only the training figures (bench/node_throughput.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import * as r4ec from "@r4ec/r4ec";
import { trainEpoch } from "./train_epoch.mjs";

const {
  groundedReflector,
  knowledgeTasks,
  loadServingBundle,
  openStore,
  prepareDataset,
  profileActor,
  r4,
  r4ecRouter,
  saveServingBundle,
} = r4ec;

// The README's library example ("As a library"), as written there.
const { dataset } = await prepareDataset({ dataset: "synthetic" });
const actor = profileActor({ dataset });
const loop = r4({ actor, reflector: groundedReflector({ actor }), rounds: 1 });
const result = await loop.run(knowledgeTasks(dataset)[0], {});
assert.ok(result.final.text.length > 0, "the R4 loop wrote no knowledge");

const training = await trainEpoch(r4ec, dataset);
assert.ok(Number.isFinite(training.trainLoss), "training loss is not finite");
assert.ok(training.validAuc > 0.5, `one epoch learned nothing (AUC ${training.validAuc})`);
const trainingFigures = {
  runtime: `node ${process.versions.node}`,
  samples: training.samples,
  seconds: training.seconds,
  samplesPerSecond: training.samplesPerSecond,
  validAuc: training.validAuc,
};
if (process.argv.includes("--train-only")) {
  console.log(JSON.stringify(trainingFigures));
  process.exit(0);
}

const wasm = r4ec.wasmKernelsOn();
assert.ok(wasm, "the WebAssembly kernels did not load on Node");

let denoOnly = "";
try {
  await import("@r4ec/r4ec/deno");
} catch (e) {
  denoOnly = e.message;
}
assert.match(denoOnly, /Deno-only.*@hono\/node-server.*r4ecRouter/s);

const dir = await mkdtemp(join(tmpdir(), "r4ec-node-host-"));
const store = await openStore(join(dir, "store.duckdb"));
let server;
try {
  // A model without knowledge: the encoder is saved with the bundle but scoring does not read it.
  const encoder = r4ec.fitHashingEmbedder([result.final.text], { dim: 32 });
  await saveServingBundle(join(dir, "bundle"), { model: training.model, dataset, encoder });
  const router = r4ecRouter({ store, bundle: await loadServingBundle(join(dir, "bundle")) });
  const address = await new Promise((resolve) => {
    server = serve({ fetch: router.fetch, port: 0, hostname: "127.0.0.1" }, resolve);
  });
  const items = dataset.items.raw.slice(1, 6); // raw[0] is the padding id
  const response = await fetch(`http://127.0.0.1:${address.port}/v1/score`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: dataset.users.raw[1], items }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.deepEqual(body.scores.map((s) => s.item), items);
  for (const s of body.scores) assert.ok(s.score > 0 && s.score < 1, `score ${s.score}`);
  console.log(JSON.stringify({
    readmeExample: { rounds: result.rounds.length, text: result.final.text.slice(0, 60) },
    training: trainingFigures,
    wasm,
    http: { status: response.status, scored: body.scores.length, port: address.port },
    denoOnly,
  }));
} finally {
  await new Promise((resolve) => server ? server.close(resolve) : resolve());
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
