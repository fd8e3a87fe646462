/**
 * What a user view of the knowledge viewer costs on a store of ML-1M size: the requests the page
 * makes for one user (`GET /v1/search/:id`, then `GET /v1/users/:id/knowledge` and
 * `GET /v1/users/:id/held-back-scores` together), timed over real HTTP on 127.0.0.1.
 *
 * The store is written in a temp folder through the store's API (`tests/adapters/store/sized_store.ts`:
 * 6,040 users and 3,706 items, two rounds of knowledge each, three LLM generations per record),
 * with a hashing encoder's vector of every final text added. The bundle is a DIN with the HEA
 * adaptor (256-d knowledge) on a synthetic dataset of ML-1M's user and item counts, saved under
 * the name `ml-1m` so its keys are the store's; its weights are initialised, not trained (a view's
 * cost does not depend on what the weights are).
 *
 * Three passes over the same users: cold (no preload: each view reads its record from the store),
 * warm (the same views again, answers cached), and preloaded (a new router that loaded every record
 * and vector at start, as `deno task serve` does by default).
 *
 * `deno run -A bench/viewer_bench.ts [--views N]` prints Markdown; recorded results:
 * bench/results/viewer.md.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fitHashingEmbedder } from "../adapters/embed/hashing.ts";
import { textHash } from "../adapters/embed/text_hash.ts";
import { loadServingBundle, saveServingBundle } from "../adapters/http/bundle.ts";
import { r4ecRouter } from "../adapters/http/router.ts";
import { openStore } from "../adapters/store/duckdb_store.ts";
import { createModel, modelConfigFor } from "../backbone/mod.ts";
import { prepareDataset } from "../datasets/prepare.ts";
import { writeSizedStore } from "../tests/adapters/store/sized_store.ts";

const { values } = parseArgs({ args: Deno.args, options: { views: { type: "string" } } });
const views = Number(values.views ?? 60);
const USERS = 6040, ITEMS = 3706, DIM = 256;

const dir = await Deno.makeTempDir({ prefix: "r4ec-viewer-bench-" });
const t0 = performance.now();
const path = join(dir, "store.duckdb");
await writeSizedStore(path, { users: USERS, items: ITEMS });
const store = await openStore(path);
const records = await store.listKnowledge({ keyPrefix: "ml-1m:" });
const texts = records.map((r) => r.final.text);
const embedder = fitHashingEmbedder(texts, { dim: DIM, seed: 1 });
const vectors = await embedder.embed(texts);
await store.putVectors(
  embedder.id,
  texts.map((text, i) => ({ textHash: textHash(text), vector: vectors[i] })),
);
const { dataset } = await prepareDataset({
  dataset: "synthetic",
  synthetic: { users: USERS, items: ITEMS, seed: 1 },
});
const model = createModel(
  "din",
  modelConfigFor(dataset, {
    embedDim: 16,
    mlp: [200, 80],
    seed: 1,
    knowledge: {
      userDim: DIM,
      itemDim: DIM,
      adaptor: "hea",
      sharedExperts: 2,
      specificExperts: 3,
      expertArch: [256, 64],
    },
  }),
);
const bundleDir = join(dir, "bundle");
await saveServingBundle(bundleDir, {
  model,
  dataset: { ...dataset, name: "ml-1m" },
  encoder: embedder,
  knowledgePrefix: "",
  onnx: false,
});
const bundle = await loadServingBundle(bundleDir);
const setupSeconds = (performance.now() - t0) / 1000;

/** One user view's milliseconds: in all, and each request's (the last two run together). */
interface ViewTimes {
  total: number;
  search: number;
  knowledge: number;
  scores: number;
}

/** Times one user view as the page makes it. */
async function userView(base: string, user: string): Promise<ViewTimes> {
  const get = async (p: string) => {
    const t = performance.now();
    const res = await fetch(`${base}/v1/${p}`);
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return { body: await res.json(), ms: performance.now() - t };
  };
  const started = performance.now();
  const found = await get(`search/${user}`);
  if (found.body.users[0]?.id !== user) throw new Error(`search ${user} did not find the user`);
  const [knowledge, scores] = await Promise.all([
    get(`users/${user}/knowledge`),
    get(`users/${user}/held-back-scores`),
  ]);
  if (knowledge.body.knowledge.length !== 1 || scores.body.items.length === 0) {
    throw new Error(`user ${user}: no knowledge or no held-back scores`);
  }
  const total = performance.now() - started;
  return { total, search: found.ms, knowledge: knowledge.ms, scores: scores.ms };
}

/** Quantile `q` of `ms`. */
function quantile(ms: number[], q: number): number {
  const s = ms.toSorted((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** A table row: the view's median, p90 and max, then each request's median. */
function row(name: string, times: ViewTimes[]): string {
  const total = times.map((t) => t.total);
  const median = (k: keyof ViewTimes) => quantile(times.map((t) => t[k]), 0.5).toFixed(1);
  return `| ${name} | ${median("total")} | ${quantile(total, 0.9).toFixed(1)} | ` +
    `${Math.max(...total).toFixed(1)} | ${median("search")} | ${median("knowledge")} | ` +
    `${median("scores")} |`;
}

// Users spread over the id range, the same in every pass.
const users = Array.from({ length: views }, (_, i) => String(1 + Math.floor(i * USERS / views)));
const passes: [string, ViewTimes[]][] = [];
for (const preload of [false, true]) {
  const router = r4ecRouter({ store, bundle, ui: true });
  const preloadStart = performance.now();
  if (preload) await router.serving.preload();
  const preloadMs = performance.now() - preloadStart;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, router.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const page = performance.now();
  for (const file of ["", "viewer.js", "render.js", "word_diff.js", "viewer.css"]) {
    await (await fetch(`${base}/ui/${file}`)).text();
  }
  const pageMs = performance.now() - page;
  const first: ViewTimes[] = [];
  for (const u of users) first.push(await userView(base, u));
  const again: ViewTimes[] = [];
  for (const u of users) again.push(await userView(base, u));
  if (preload) {
    passes.push([`preloaded (preload ${(preloadMs / 1000).toFixed(1)} s)`, first]);
  } else {
    passes.push([`cold (page files ${pageMs.toFixed(1)} ms)`, first], [
      "warm (second view)",
      again,
    ]);
  }
  await server.shutdown();
}
await store.close();
await Deno.remove(dir, { recursive: true });

console.log(
  `Setup (store, vectors, dataset, bundle): ${setupSeconds.toFixed(1)} s; ` +
    `${records.length} knowledge records; ${views} user views per pass.\n`,
);
console.log(
  "| pass | median ms per user view | p90 | max | search (median) | knowledge GET | held-back scores |",
);
console.log("|---|---|---|---|---|---|---|");
for (const [name, times] of passes) console.log(row(name, times));
