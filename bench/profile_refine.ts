/**
 * Does refinement help the no-LLM profile actor? Runs reason -> grounded reflect -> refine (the R4
 * loop, one round) over every user and item task of the synthetic dataset and of ML-1M, and reports:
 *
 * - grounded accuracy (the reflector's held-back check) of the first and the final draft;
 * - held-out accuracy of verdicts from the first and the final draft on interactions the knowledge
 *   never saw: user knowledge (the window before the first target) on that user's test-period and
 *   training targets, item knowledge on test-period targets (probe: the target user's window), next
 *   to the majority-class rate;
 * - wall times of building the actor, reasoning, and the whole loop.
 *
 * Accuracy run (prints a Markdown table; figures go to bench/results/profile_refine.md):
 *   npx -y deno@2.9.6 run -A bench/profile_refine.ts [--ml1m=/work/shared/data/ml-1m] [--threshold=0.75]
 * Timing benches (reasoning throughput on the synthetic dataset):
 *   npx -y deno@2.9.6 bench -A bench/profile_refine.ts
 *
 * ML-1M is skipped with a message when its folder is absent.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { prepareDataset } from "../datasets/prepare.ts";
import type { CtrDataset, SampleSplit } from "../datasets/types.ts";
import { type GroundedEvidence, groundedReflector } from "../plugins/grounded_reflector.ts";
import { profileActor } from "../plugins/profile/mod.ts";
import { r4 } from "../plugins/r4.ts";
import { itemTaskKey, knowledgeTasks, userTaskKey } from "../plugins/tasks.ts";
import type { Draft, KnowledgeTask, RatedTitle } from "../plugins/types.ts";

/** Options of one measurement. */
export interface RefineBenchOptions {
  k?: number;
  threshold?: number;
  seed?: number;
  /** Cap on held-out samples scored per split (an even stride over the split). */
  maxHeldOut?: number;
}

/** Figures of one dataset. */
export interface RefineBenchResult {
  dataset: string;
  tasks: { user: number; item: number };
  refined: { user: number; item: number };
  grounded: Record<"user" | "item", { first: number; final: number; n: number }>;
  heldOut: Record<string, { first: number; final: number; majority: number; n: number }>;
  ms: { build: number; reason: number; loop: number };
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

function strideRows(size: number, cap: number): number[] {
  const step = Math.max(1, Math.ceil(size / cap));
  const rows: number[] = [];
  for (let r = 0; r < size; r += step) rows.push(r);
  return rows;
}

/** Runs the loop over every task of a prepared dataset and measures it. */
export async function measureRefinement(
  dataset: CtrDataset,
  options: RefineBenchOptions = {},
): Promise<RefineBenchResult> {
  const k = options.k ?? 4, threshold = options.threshold ?? 0.75, seed = options.seed ?? 0;
  const maxHeldOut = options.maxHeldOut ?? 60_000;
  let t = performance.now();
  const actor = profileActor({ dataset });
  const build = performance.now() - t;
  const tasks = knowledgeTasks(dataset);
  t = performance.now();
  for (const task of tasks) await actor.reason(task);
  const reason = performance.now() - t;
  const reflector = groundedReflector({ actor, k, threshold, seed });
  const loop = r4({ actor, reflector, rounds: 1 });
  t = performance.now();
  const results = [];
  for (const task of tasks) results.push({ task, result: await loop.run(task, {}) });
  const loopMs = performance.now() - t;

  const grounded = {
    user: { first: [] as number[], final: [] as number[] },
    item: { first: [] as number[], final: [] as number[] },
  };
  const refined = { user: 0, item: 0 };
  const firstOf = new Map<string, Draft>(), finalOf = new Map<string, Draft>();
  for (const { task, result } of results) {
    firstOf.set(task.key, result.first);
    finalOf.set(task.key, result.final);
    if (result.refinements > 0) refined[task.kind]++;
    const a = (await reflector.reflect(task, result.first)).evidence as GroundedEvidence;
    const b = (await reflector.reflect(task, result.final)).evidence as GroundedEvidence;
    if (a.accuracy === null || b.accuracy === null) continue;
    grounded[task.kind].first.push(a.accuracy);
    grounded[task.kind].final.push(b.accuracy);
  }

  // Held-out verdicts: interactions no knowledge text was built from.
  const taskByKey = new Map(tasks.map((task) => [task.key, task]));
  const userKey = (u: number) => userTaskKey(dataset.name, dataset.users.raw[u]);
  const itemKey = (i: number) => itemTaskKey(dataset.name, dataset.items.raw[i]);
  const window = new Map<number, RatedTitle[]>();
  for (const u of dataset.userInputs) {
    window.set(u.user, u.history.map((p) => ({ title: p.title, rating: p.rating, item: p.item })));
  }
  async function score(
    split: SampleSplit,
    keyOf: (row: number) => string,
    probeOf: (row: number) => { itemTitle?: string; userHistory?: RatedTitle[] },
  ) {
    const first: number[] = [], final: number[] = [];
    let likes = 0;
    for (const r of strideRows(split.size, maxHeldOut)) {
      const key = keyOf(r);
      const task = taskByKey.get(key) as KnowledgeTask | undefined;
      if (!task) continue;
      const probe = probeOf(r);
      const label = split.label[r] === 1;
      likes += label ? 1 : 0;
      first.push(
        (await actor.verdict(task, firstOf.get(key)!, probe)) === "like" === label ? 1 : 0,
      );
      final.push(
        (await actor.verdict(task, finalOf.get(key)!, probe)) === "like" === label ? 1 : 0,
      );
    }
    const n = first.length;
    return { first: mean(first), final: mean(final), majority: Math.max(likes, n - likes) / n, n };
  }
  const title = (split: SampleSplit) => (r: number) => ({
    itemTitle: dataset.itemInfo[split.item[r]].title,
  });
  const heldOut = {
    "user knowledge on test targets": await score(
      dataset.test,
      (r) => userKey(dataset.test.user[r]),
      title(dataset.test),
    ),
    "user knowledge on train targets": await score(
      dataset.train,
      (r) => userKey(dataset.train.user[r]),
      title(dataset.train),
    ),
    "item knowledge on test targets": await score(
      dataset.test,
      (r) => itemKey(dataset.test.item[r]),
      (r) => ({ userHistory: window.get(dataset.test.user[r]) ?? [] }),
    ),
  };
  const summary = (kind: "user" | "item") => ({
    first: mean(grounded[kind].first),
    final: mean(grounded[kind].final),
    n: grounded[kind].first.length,
  });
  return {
    dataset: dataset.name,
    tasks: {
      user: tasks.filter((x) => x.kind === "user").length,
      item: tasks.filter((x) => x.kind === "item").length,
    },
    refined,
    grounded: { user: summary("user"), item: summary("item") },
    heldOut,
    ms: { build, reason, loop: loopMs },
  };
}

/** The figures as Markdown. */
export function formatResult(r: RefineBenchResult, settings: string): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `### ${r.dataset} (${settings})`,
    "",
    `Tasks: ${r.tasks.user} user, ${r.tasks.item} item; refined (judged not reasonable): ` +
    `${r.refined.user} user, ${r.refined.item} item.`,
    `Wall time: actor build ${r.ms.build.toFixed(0)} ms; reason over all tasks ${
      r.ms.reason.toFixed(0)
    } ms; ` +
    `whole loop (reason, reflect, refine) ${r.ms.loop.toFixed(0)} ms.`,
    "",
    "| grounded accuracy (held-back, same cases) | first draft | refined (final) | tasks |",
    "|---|---|---|---|",
    ...(["user", "item"] as const).map((kind) =>
      `| ${kind} | ${pct(r.grounded[kind].first)} | ${pct(r.grounded[kind].final)} | ${
        r.grounded[kind].n
      } |`
    ),
    "",
    "| held-out verdict accuracy | first draft | refined (final) | majority class | samples |",
    "|---|---|---|---|---|",
    ...Object.entries(r.heldOut).map(([name, h]) =>
      `| ${name} | ${pct(h.first)} | ${pct(h.final)} | ${pct(h.majority)} | ${h.n} |`
    ),
    "",
  ];
  return lines.join("\n");
}

function flag(name: string): string | undefined {
  const hit = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

if (import.meta.main) {
  const threshold = Number(flag("threshold") ?? 0.75);
  const k = Number(flag("k") ?? 4);
  const settings = `k=${k}, threshold=${threshold}, seed=0, rounds=1`;
  const out: string[] = [];
  let t = performance.now();
  const { dataset: synthetic } = await prepareDataset({ dataset: "synthetic" });
  console.error(`synthetic prepared in ${(performance.now() - t).toFixed(0)} ms`);
  out.push(formatResult(await measureRefinement(synthetic, { k, threshold }), settings));
  const ml1m = flag("ml1m") ?? "/work/shared/data/ml-1m";
  if (existsSync(`${ml1m}/movies.dat`)) {
    t = performance.now();
    const { dataset } = await prepareDataset({ dataset: "ml-1m", dataDir: ml1m });
    console.error(`ml-1m prepared in ${(performance.now() - t).toFixed(0)} ms`);
    out.push(formatResult(await measureRefinement(dataset, { k, threshold }), settings));
  } else {
    console.error(`ML-1M skipped: no movies.dat under ${ml1m} (pass --ml1m=<folder>)`);
  }
  console.log(out.join("\n"));
}

// Timing benches (`deno bench`): reasoning throughput of the profile actor on the synthetic dataset.
if (!import.meta.main) {
  const { dataset } = await prepareDataset({ dataset: "synthetic" });
  const actor = profileActor({ dataset });
  const tasks = knowledgeTasks(dataset);
  const reflector = groundedReflector({ actor });
  Deno.bench(`profile actor: reason over ${tasks.length} synthetic tasks`, async () => {
    for (const task of tasks) await actor.reason(task);
  });
  Deno.bench("profile actor: build (traits, audience statistics) on synthetic", () => {
    profileActor({ dataset });
  });
  Deno.bench(`grounded reflect over ${tasks.length} synthetic first drafts`, async (b) => {
    const drafts = await Promise.all(tasks.map((task) => actor.reason(task)));
    b.start();
    for (const [i, task] of tasks.entries()) await reflector.reflect(task, drafts[i]);
    b.end();
  });
}
