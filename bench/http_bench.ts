/**
 * Serving benchmarks. Setup (both modes): a synthetic dataset (300 users, 450 movies), R4 knowledge
 * for every user window and item from the deterministic profile actor and grounded reflector (no
 * LLM), 256-d hashing vectors in a temp DuckDB store, a DIN of the reference size (d = 32, MLP
 * [200, 80], HEA 2 shared + 6 specific experts of [128, 32]) trained one epoch, written as a serving
 * bundle.
 *
 * - `deno bench -A bench/http_bench.ts`: in-process latency of the router (`app.request`, no
 *   network): `POST /v1/score` with 100 candidates and `GET /v1/users/:id/knowledge`.
 * - `deno run -A bench/http_bench.ts [--seconds N] [--connections N]`: a load test over
 *   127.0.0.1: starts `cli/serve.ts` as a subprocess and drives it with `wrk` (Debian package
 *   `wrk`), for `/v1/score` with 100 candidates (a different user per request), then for the
 *   knowledge GET; prints requests/s, latency percentiles and errors as Markdown. Recorded results:
 *   bench/results/http.md.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fitHashingEmbedder } from "../adapters/embed/hashing.ts";
import { textHash } from "../adapters/embed/text_hash.ts";
import { loadServingBundle, saveServingBundle } from "../adapters/http/bundle.ts";
import type { ServingStore } from "../adapters/http/knowledge_cache.ts";
import { r4ecRouter } from "../adapters/http/router.ts";
import { openStore } from "../adapters/store/duckdb_store.ts";
import { createModel, fit, modelConfigFor } from "../backbone/mod.ts";
import { prepareDataset } from "../datasets/prepare.ts";
import type { CtrDataset } from "../datasets/types.ts";
import { knowledgeInputs, knowledgeMatrices } from "../eval/knowledge_vectors.ts";
import { groundedReflector } from "../plugins/grounded_reflector.ts";
import { runKnowledgeJob } from "../plugins/knowledge_job.ts";
import { profileActor } from "../plugins/profile/mod.ts";
import { r4 } from "../plugins/r4.ts";
import { knowledgeTasks } from "../plugins/tasks.ts";

const PREFIX = "bench|";
const CANDIDATES = 100;

/** Writes the store and bundle into `dir`; returns the dataset and paths. */
async function setup(
  dir: string,
): Promise<{ dataset: CtrDataset; storePath: string; bundleDir: string }> {
  const { dataset: d } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 300, items: 450, seed: 7 },
  });
  const storePath = join(dir, "store.duckdb");
  const store = await openStore(storePath);
  const actor = profileActor({ dataset: d });
  await runKnowledgeJob({
    tasks: knowledgeTasks(d).map((t) => ({ ...t, key: PREFIX + t.key })),
    stage: r4({ actor, reflector: groundedReflector({ actor }), rounds: 1 }),
    store,
  });
  const records = await store.listKnowledge({ keyPrefix: PREFIX });
  const texts = records.map((r) => r.final.text);
  const embedder = fitHashingEmbedder(texts, { dim: 256 });
  const vectors = await embedder.embed(texts);
  const unique = new Map(texts.map((t, i) => [textHash(t), vectors[i]]));
  await store.putVectors(
    embedder.id,
    [...unique].map(([textHash, vector]) => ({ textHash, vector })),
  );
  const byKey = new Map(records.map((r, i) => [r.key.slice(PREFIX.length), vectors[i]]));
  const matrices = knowledgeMatrices(d, 256, (k) => byKey.get(k));
  const model = createModel(
    "din",
    modelConfigFor(d, {
      knowledge: { userDim: 256, itemDim: 256 }, // HEA with its default experts
    }),
  );
  fit(model, { train: { split: d.train, ...knowledgeInputs(matrices, d.train) } }, {
    epochs: 1,
    log: false,
  });
  const bundleDir = join(dir, "bundle");
  await saveServingBundle(bundleDir, {
    model,
    dataset: d,
    encoder: embedder,
    knowledgePrefix: PREFIX,
  });
  await store.close();
  return { dataset: d, storePath, bundleDir };
}

/** Request bodies: 100 candidates each, users and candidates rotating deterministically. */
function scoreBodies(d: CtrDataset, count: number): string[] {
  const users = d.users.raw.length - 1, items = d.items.raw.length - 1;
  return Array.from({ length: count }, (_, k) =>
    JSON.stringify({
      user: d.users.raw[1 + (k % users)],
      items: Array.from({ length: CANDIDATES }, (_, j) =>
        d.items.raw[1 + ((k * 37 + j * 7) % items)]),
    }));
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string" },
      connections: { type: "string" },
      workers: { type: "string" },
    },
  });
  const seconds = Number(values.seconds ?? 15), connections = Number(values.connections ?? 8);
  const workers = Number(values.workers ?? 1);
  const dir = await Deno.makeTempDir({ prefix: "r4ec-http-bench-" });
  const t0 = performance.now();
  const { dataset: d, storePath, bundleDir } = await setup(dir);
  console.error(`setup: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Several workers share one port, so it must be fixed: take a free one.
  let fixedPort = 0;
  if (workers > 1) {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    fixedPort = (probe.addr as Deno.NetAddr).port;
    probe.close();
  }
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../cli/serve.ts", import.meta.url).pathname,
      "--store",
      storePath,
      "--model",
      bundleDir,
      "--port",
      String(fixedPort),
      "--workers",
      String(workers),
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "", port = 0;
  while ((banner.match(/: serving /g) ?? []).length < workers) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`serve exited:\n${banner}`);
    banner += value;
    port = Number(banner.match(/at http:\/\/127\.0\.0\.1:(\d+)/)?.[1] ?? 0);
  }
  console.error(banner.trim());
  const drain = (async () => {
    for (;;) if ((await reader.read()).done) break;
  })();
  const url = `http://127.0.0.1:${port}`;
  try {
    const bodies = scoreBodies(d, 200);
    const lua = join(dir, "score.lua");
    await Deno.writeTextFile(
      lua,
      `bodies = {${bodies.map((b) => `[==[${b}]==]`).join(",\n")}}\n` +
        `counter = 0\n` +
        `request = function()\n  counter = counter + 1\n` +
        `  return wrk.format("POST", "/v1/score", {["Content-Type"] = "application/json"}, ` +
        `bodies[(counter % #bodies) + 1])\nend\n` +
        `response = function(status, headers, body)\n  if status ~= 200 then print("status " .. status) end\nend\n`,
    );
    const getLua = join(dir, "get.lua");
    const users = d.users.raw.slice(1);
    await Deno.writeTextFile(
      getLua,
      `users = {${users.map((u) => JSON.stringify(u)).join(",")}}\n` +
        `counter = 0\n` +
        `request = function()\n  counter = counter + 1\n` +
        `  return wrk.format("GET", "/v1/users/" .. users[(counter % #users) + 1] .. "/knowledge")\nend\n`,
    );
    const wrk = async (args: string[]) => {
      const out = await new Deno.Command("wrk", { args, stdout: "piped", stderr: "piped" })
        .output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      if (!out.success) throw new Error(`wrk failed:\n${text}`);
      return text;
    };
    // CPU seconds the server processes (main and its workers) have used, from /proc/<pid>/stat.
    const serverCpu = async () => {
      let total = 0;
      for await (const entry of Deno.readDir("/proc")) {
        if (!/^\d+$/.test(entry.name)) continue;
        const text = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
        const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
        if (Number(entry.name) !== server.pid && Number(fields[1]) !== server.pid) continue;
        total += (Number(fields[11]) + Number(fields[12])) / 100;
      }
      return total;
    };
    const requestsOf = (text: string) => Number(text.match(/(\d+) requests in/)?.[1] ?? NaN);
    const run = async (script: string, label: string) => {
      await wrk(["-t1", "-c4", "-d3s", "-s", script, url]); // warm-up: JIT and caches
      const cpu0 = await serverCpu();
      const text = await wrk(
        ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url],
      );
      const cpuMs = (await serverCpu() - cpu0) * 1000 / requestsOf(text);
      console.log(
        `## ${label} (${connections} connections, ${seconds} s, ${workers} server process(es))\n`,
      );
      console.log("```\n" + text.trim() + "\n```\n");
      console.log(
        `server CPU time per request: ${cpuMs.toFixed(3)} ms (one free core: about ` +
          `${(1000 / cpuMs).toFixed(0)} requests/s)\n`,
      );
    };
    await run(lua, `POST /v1/score, ${CANDIDATES} candidates, users rotating`);
    await run(getLua, "GET /v1/users/:id/knowledge, users rotating");
    const load = await Deno.readTextFile("/proc/loadavg").catch(() => "?");
    console.log(`load average after the run: ${load.trim()}`);
  } finally {
    server.kill("SIGTERM");
    await server.status;
    await drain;
    await Deno.remove(dir, { recursive: true });
  }
} else {
  // In-process: the store's contents are copied into memory and the DuckDB file closed, so the
  // benchmark measures the router and the model (the warm path never reads the store anyway) and
  // no native handle is open when `deno bench` exits.
  const dir = await Deno.makeTempDir({ prefix: "r4ec-http-bench-" });
  const { dataset: d, storePath, bundleDir } = await setup(dir);
  const duck = await openStore(storePath);
  const records = new Map(
    (await duck.listKnowledge({ keyPrefix: PREFIX })).map((r) => [r.key, r] as const),
  );
  const bundle = await loadServingBundle(bundleDir);
  const vectors = await duck.getVectors(
    bundle.manifest.encoder.id,
    [...records.values()].map((r) => textHash(r.final.text)),
  );
  await duck.close();
  await Deno.remove(dir, { recursive: true });
  const store: ServingStore = {
    listKnowledge: (f) => Promise.resolve((f.keys ?? []).flatMap((k) => records.get(k) ?? [])),
    getKnowledge: (k) => Promise.resolve(records.get(k)),
    putKnowledge: (r) => Promise.resolve(void records.set(r.key, r)),
    getVectors: (_e, hashes) =>
      Promise.resolve(new Map(hashes.flatMap((h) => vectors.has(h) ? [[h, vectors.get(h)!]] : []))),
    putVectors: (_e, entries) =>
      Promise.resolve(entries.forEach((e) => vectors.set(e.textHash, e.vector))),
  };
  const app = r4ecRouter({ store, bundle });
  const bodies = scoreBodies(d, 200);
  // Warm every user's and item's entries, as a long-running server has them.
  for (const body of bodies) {
    await app.request("/v1/score", { method: "POST", body });
  }
  for (let u = 1; u < d.users.raw.length; u++) {
    await app.request(`/v1/users/${d.users.raw[u]}/knowledge`);
  }
  let k = 0;
  Deno.bench(`POST /v1/score, ${CANDIDATES} candidates (in-process)`, async () => {
    const res = await app.request("/v1/score", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: bodies[k++ % bodies.length],
    });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.arrayBuffer();
  });
  Deno.bench("GET /v1/users/:id/knowledge (in-process)", async () => {
    const res = await app.request(`/v1/users/${d.users.raw[1 + (k++ % 300)]}/knowledge`);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.arrayBuffer();
  });
}
