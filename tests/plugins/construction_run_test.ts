import assert from "node:assert/strict";
import { constructAll } from "../../plugins/construction_run.ts";
import { llmActor } from "../../plugins/llm_actor.ts";
import { llmReflector } from "../../plugins/llm_reflector.ts";
import { writeSftSets } from "../../plugins/sft_export.ts";
import type { KnowledgeTask } from "../../plugins/types.ts";
import { roleOfPrompt, scriptedGenerator } from "./scripted_generator.ts";
import { userConstructionTask } from "./task_fixtures.ts";

/**
 * A teacher whose verdict is "like" for even window keys and whose judge accepts verdicts on
 * "like": even keys with label 1 are kept as reasonable, odd keys with label 1 are repaired.
 */
function teacher() {
  let inFlight = 0;
  let maxInFlight = 0;
  const gen = scriptedGenerator((prompt) => {
    const role = roleOfPrompt(prompt);
    const n = Number(/\['Toy Story \(1995\)', (\d)\]/.exec(prompt)?.[1] ?? "0");
    if (role === "reason") {
      return `<User Preference>Taste ${n}.</User Preference><Final Verdict>user will ${
        n % 2 === 0 ? "" : "not "
      }like the target movie</Final Verdict>`;
    }
    if (role === "reflect") {
      return n % 2 === 0
        ? "<Final Judgement>The user preference is reasonable</Final Judgement>"
        : "<Final Judgement>The user preference is not reasonable</Final Judgement><Reflection>Too negative.</Reflection>";
    }
    return `<Refined User Preference>Taste ${n}, refined.</Refined User Preference><Final Verdict>user will like the target movie</Final Verdict>`;
  });
  const generate = gen.generate.bind(gen);
  gen.generate = async (req, signal) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 1));
    try {
      return await generate(req, signal);
    } finally {
      inFlight--;
    }
  };
  return { gen, maxInFlight: () => maxInFlight };
}

function tasks(count: number): KnowledgeTask[] {
  return Array.from({ length: count }, (_, i) => {
    const base = userConstructionTask(1);
    if (base.kind !== "user") throw new Error("fixture");
    const history = base.history.map((p, j) => j === 0 ? { ...p, rating: (i % 5) + 1 } : p);
    return { ...base, key: `ml-1m:user:${i}:train`, history };
  });
}

Deno.test("constructAll: bounded concurrency, input order, outcomes summarised, sets exported", async () => {
  const { gen, maxInFlight } = teacher();
  const all = tasks(10);
  const seen: number[] = [];
  const { records, summary } = await constructAll(all, {
    actor: llmActor({ generator: gen }),
    reflector: llmReflector({ generator: gen }),
    concurrency: 3,
    onRecord: (_r, done) => seen.push(done),
  });
  assert.ok(maxInFlight() <= 3 && maxInFlight() >= 2, `max in flight ${maxInFlight()}`);
  assert.deepEqual(records.map((r) => r.key), all.map((t) => t.key));
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // Ratings (i % 5) + 1: even ratings 2, 4 are "like" verdicts -> kept_reasonable; 1, 3, 5 repaired.
  const even = all.filter((_, i) => ((i % 5) + 1) % 2 === 0).length;
  assert.deepEqual(summary.outcomes, { kept_reasonable: even, kept_repaired: 10 - even });
  const reflect = summary.sets.find((s) => s.role === "reflect");
  assert.deepEqual([reflect?.reasonable, reflect?.notReasonable], [even, 10 - even]);
  const dir = await Deno.makeTempDir();
  try {
    const report = await writeSftSets(records.flatMap((r) => r.samples), { dir, dataset: "ml-1m" });
    const counts = Object.fromEntries(
      report.files.filter((f) => f.format === "chat").map((f) => [f.role, f.count]),
    );
    assert.deepEqual(counts, { reason: even, reflect: 10, refine: 10 - even });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("constructAll: a generator error names the sample and stops the run", async () => {
  // Sample 0 takes three calls (reason, unparsable judgement, its retry); call 5 is sample 1's.
  let calls = 0;
  const gen = scriptedGenerator(() => {
    if (++calls === 5) throw new Error("HTTP 500 from teacher");
    return "<User Preference>Likes x.</User Preference><Final Verdict>user will like the target movie</Final Verdict>";
  });
  await assert.rejects(
    () =>
      constructAll(tasks(6), {
        actor: llmActor({ generator: gen }),
        reflector: llmReflector({ generator: gen }),
        concurrency: 1,
      }),
    /sample 1 \("ml-1m:user:1:train"\) failed: HTTP 500 from teacher/,
  );
  await assert.rejects(
    () =>
      constructAll([], {
        actor: llmActor({ generator: gen }),
        reflector: llmReflector({ generator: gen }),
        concurrency: 0,
      }),
    /concurrency/,
  );
});
