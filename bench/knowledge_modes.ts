/**
 * Online, batch-file, Batch-API and sharded knowledge runs store the same knowledge: the real
 * `deno task knowledge` (child processes) generates ML-100K knowledge with one R4 round in four
 * modes, each into its own fresh store under a temp dir, all against local fakes on 127.0.0.1 that
 * answer deterministically from the request (`tests/fixtures/r4_answers.ts`):
 *
 * 1. `online`: the fake OpenAI-compatible chat server;
 * 2. `batch files`: `--batch-out`, each file answered by the `vllm run-batch` stand-in,
 *    `--batch-in`, stage after stage until no file is written;
 * 3. `Batch API`: `--batch-api` against the fake Batch server;
 * 4. `4 shards`: `--shard 0/4` … `3/4` online, one after another, then `deno task store merge`.
 *
 * Every mode uses the same LLM spec (the chat server's URL): the spec is part of every key, and
 * the batch modes never call it. The stores are then compared with the online one: final knowledge
 * (key → text), its count and duplicate keys, and the generations (key → answer). A Markdown table
 * goes to stdout; the exit code is 1 when any mode differs or any run fails.
 *
 * ```sh
 * deno run -A bench/knowledge_modes.ts [--data ../shared/data/ml-100k] [--limit N] \
 *   [--concurrency 8] [--keep]
 * ```
 *
 * `--limit N` runs only the first N tasks (a quick smoke test); `--keep` leaves the temp dir.
 *
 * @module
 */
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { openStore } from "../adapters/store/duckdb_store.ts";
import { stageTokens } from "../eval/token_usage.ts";
import { startBatchServer } from "../tests/fixtures/fake_batch_server.ts";
import { promptText, startOpenAIServer } from "../tests/fixtures/openai_server.ts";
import { r4Answer, runBatchStandIn } from "../tests/fixtures/r4_answers.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data/ml-100k" },
    limit: { type: "string" },
    concurrency: { type: "string", default: "8" },
    keep: { type: "boolean", default: false },
  },
});

/** What one mode did: the store it filled, its tasks, LLM requests and wall time. */
interface ModeRun {
  mode: string;
  store: string;
  tasks: number;
  requests: number;
  wallMs: number;
}

/** What a store holds, read back for the comparison. */
interface StoreContents {
  finals: Map<string, string>;
  knowledgeRows: number;
  generations: Map<string, string>;
  generationRows: number;
  /** Prompt + completion tokens per stage and round, e.g. `reason-r0: 1234`. */
  tokens: string[];
}

/** Runs `cli/<name>.ts` as `deno task <name>` does; a failing run throws with its stderr. */
async function cli(name: string, args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`../cli/${name}.ts`, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code !== 0) throw new Error(`${name} ${args.join(" ")} exited ${out.code}:\n${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Runs a knowledge job that must finish every task it was given, and returns its summary. */
// deno-lint-ignore no-explicit-any
async function knowledge(args: string[]): Promise<any> {
  const summary = await cli("knowledge", args);
  if (summary.failed !== 0) throw new Error(`knowledge failed: ${JSON.stringify(summary)}`);
  return summary;
}

/** Timed: `fn`'s result with its wall time. */
async function timed<T>(fn: () => Promise<T>): Promise<T & { wallMs: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { ...result, wallMs: performance.now() - t0 };
}

/** Batch files, stage by stage: write, answer as `vllm run-batch` would, import, write the next. */
async function batchFiles(dir: string, args: (store: string) => string[]): Promise<ModeRun> {
  const store = join(dir, "files.duckdb");
  let results: string[] = [], requests = 0, tasks = 0;
  for (let step = 0;; step++) {
    if (step > 10) throw new Error("batch files: still writing files after 10 steps");
    const out = join(dir, `requests-${step}`), answered = join(dir, `results-${step}`);
    const summary = await knowledge([
      ...args(store),
      `--batch-out=${out}`,
      ...results.map((f) => `--batch-in=${f}`),
    ]);
    const { failed, unknown, duplicates, files } = summary.batch;
    if (failed || unknown || duplicates) {
      throw new Error(`batch files: ${JSON.stringify(summary.batch)}`);
    }
    tasks = summary.tasks;
    if (files.length === 0) break;
    results = [];
    await Deno.mkdir(answered, { recursive: true });
    for (const request of files as string[]) {
      const lines = await Deno.readTextFile(request);
      requests += lines.split("\n").filter((l) => l.trim() !== "").length;
      results.push(join(answered, basename(request)));
      await Deno.writeTextFile(results.at(-1)!, runBatchStandIn(lines));
    }
    console.error(`batch files: step ${step} wrote ${files.map((f: string) => basename(f))}`);
  }
  return { mode: "batch files", store, tasks, requests, wallMs: 0 };
}

/** The Batch API: one run against the fake Batch server, every stage of the round. */
async function batchApi(dir: string, args: (store: string) => string[]): Promise<ModeRun> {
  await using api = startBatchServer({ pollsToFinish: 2 });
  const store = join(dir, "api.duckdb");
  const summary = await knowledge([
    ...args(store),
    `--batch-api=${api.url}`,
    "--batch-poll-ms=20",
    `--batch-out=${join(dir, "api-files")}`,
  ]);
  if (summary.batch.queued !== 0) throw new Error(`Batch API: ${summary.batch.queued} queued`);
  const requests = [...api.submissions.values()].reduce((a, b) => a + b, 0);
  return { mode: "Batch API", store, tasks: summary.tasks, requests, wallMs: 0 };
}

/** Four shards online, one after another, merged into one store. */
async function shards(
  dir: string,
  args: (store: string) => string[],
  requestsSoFar: () => number,
): Promise<ModeRun> {
  const before = requestsSoFar();
  const parts: string[] = [];
  let tasks = 0;
  for (let i = 0; i < 4; i++) {
    parts.push(join(dir, `shard${i}.duckdb`));
    tasks += (await knowledge([...args(parts[i]), `--shard=${i}/4`])).tasks;
  }
  const store = join(dir, "merged.duckdb");
  const merged = await cli("store", ["merge", ...parts, `--into=${store}`]);
  if ((merged.missingShards as string[]).length) throw new Error(`merge: ${merged.missingShards}`);
  return { mode: "4 shards merged", store, tasks, requests: requestsSoFar() - before, wallMs: 0 };
}

/** Final knowledge, generations and tokens per stage of a store. */
async function contents(path: string): Promise<StoreContents> {
  await using store = await openStore(path, { readOnly: true });
  const records = await store.listKnowledge();
  const [{ n }] = await store.query("SELECT count(*) AS n FROM knowledge");
  const rows = await store.query("SELECT key, output FROM generations");
  return {
    finals: new Map(records.map((k) => [k.key, k.final.text])),
    knowledgeRows: Number(n),
    generations: new Map(rows.map((r) => [String(r.key), String(r.output)])),
    generationRows: rows.length,
    tokens: stageTokens(records).map((s) =>
      `${s.stage}-r${s.round}: ${s.prompt + s.completion}${
        s.unknown ? ` (+${s.unknown} unknown)` : ""
      }`
    ),
  };
}

/** Whether two maps hold the same keys, and the same value under each. */
function compare(
  a: Map<string, string>,
  b: Map<string, string>,
): { keys: boolean; values: boolean } {
  const keys = a.size === b.size && [...a.keys()].every((k) => b.has(k));
  return { keys, values: keys && [...a].every(([k, v]) => b.get(k) === v) };
}

/** The Markdown table of the runs against the online one; `ok` when every mode agrees. */
function table(runs: ModeRun[], stores: StoreContents[]): { lines: string[]; ok: boolean } {
  const yes = (b: boolean) => b ? "yes" : "**NO**";
  let ok = true;
  const lines = [
    "| mode | tasks | final texts | keys = online | texts = online | duplicate keys (knowledge / generations) | generations (= online) | LLM requests | tokens (prompt + completion) by stage | wall time |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  runs.forEach((run, i) => {
    const s = stores[i], online = stores[0];
    const finals = compare(s.finals, online.finals);
    const generations = compare(s.generations, online.generations);
    const dupKnowledge = s.knowledgeRows - s.finals.size;
    const dupGenerations = s.generationRows - s.generations.size;
    ok &&= finals.values && generations.values && dupKnowledge === 0 && dupGenerations === 0 &&
      run.tasks === runs[0].tasks && s.finals.size === run.tasks;
    lines.push(
      `| ${run.mode} | ${run.tasks} | ${s.finals.size} | ${yes(finals.keys)} | ${
        yes(finals.values)
      } | ${dupKnowledge} / ${dupGenerations} | ${s.generations.size} (${
        yes(generations.values)
      }) | ${run.requests} | ${s.tokens.join(", ")} | ${(run.wallMs / 1000).toFixed(1)} s |`,
    );
  });
  return { lines, ok };
}

async function main(): Promise<number> {
  const data = flags.data!;
  if (!(await Deno.stat(join(data, "u.data")).catch(() => null))) {
    console.log(`knowledge_modes: skipped, no ML-100K at ${data} (u.data missing)`);
    return 0;
  }
  const dir = await Deno.makeTempDir({ prefix: "knowledge_modes_" });
  await using chat = startOpenAIServer({ script: (req) => ({ text: r4Answer(promptText(req)) }) });
  const llm = `endpoint:${chat.url}#fake-llm`;
  const args = (store: string) => [
    "--dataset=ml-100k",
    `--data=${data}`,
    "--rounds=1",
    `--actor=${llm}`,
    `--reflector=${llm}`,
    `--store=${store}`,
    `--concurrency=${flags.concurrency}`,
    ...(flags.limit ? [`--limit=${flags.limit}`] : []),
  ];
  const modes: (() => Promise<ModeRun>)[] = [
    async () => {
      const store = join(dir, "online.duckdb");
      const summary = await knowledge(args(store));
      return {
        mode: "online",
        store,
        tasks: summary.tasks,
        requests: chat.requests.length,
        wallMs: 0,
      };
    },
    () => batchFiles(dir, args),
    () => batchApi(dir, args),
    () => shards(dir, args, () => chat.requests.length),
  ];
  const runs: ModeRun[] = [];
  for (const mode of modes) {
    runs.push(await timed(mode));
    console.error(
      `knowledge_modes: ${runs.at(-1)!.mode} done in ${(runs.at(-1)!.wallMs / 1000).toFixed(1)} s`,
    );
  }
  const stores = await Promise.all(runs.map((r) => contents(r.store)));
  const { lines, ok } = table(runs, stores);
  console.log(lines.join("\n"));
  if (!ok) console.log("\nknowledge_modes: the modes DIFFER (see the table)");
  if (flags.keep) console.error(`knowledge_modes: stores kept in ${dir}`);
  else await Deno.remove(dir, { recursive: true });
  return ok ? 0 : 1;
}

Deno.exit(await main());
