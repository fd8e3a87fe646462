import assert from "node:assert/strict";
import { openStore } from "../../adapters/store/mod.ts";
import { cachedGenerator } from "../../adapters/store/cached_generator.ts";
import { hfGenerator } from "../../adapters/llm/hf.ts";
import { withLimits } from "../../adapters/llm/limits.ts";
import {
  type KnowledgeJobProgress,
  recordFromResult,
  runKnowledgeJob,
} from "../../plugins/knowledge_job.ts";
import { r4, type R4Result } from "../../plugins/r4.ts";
import { llmActor } from "../../plugins/llm_actor.ts";
import { llmReflector } from "../../plugins/llm_reflector.ts";
import { movieDomain } from "../../plugins/domain.ts";
import type { Actor, Critique, Draft, KnowledgeTask, Reflector } from "../../plugins/types.ts";
import { promptText, startOpenAIServer } from "../fixtures/openai_server.ts";

function userTask(i: number): KnowledgeTask {
  return {
    kind: "user",
    key: `t:user:${i}`,
    domain: movieDomain,
    history: [{ title: `Film ${i} (1990)`, rating: 1 + (i % 5) }],
  };
}

const draftOf = (text: string, author: string): Draft => ({
  text,
  author,
  usage: { prompt: 10, completion: 5 },
  latencyMs: 1,
});

/**
 * A deterministic actor/reflector pair: the reflector finds task i's first draft reasonable when
 * i % 3 == 0, its refined draft reasonable when i % 3 == 1, and no draft reasonable when i % 3 == 2.
 */
function scriptedPair(options: { delayMs?: number; failKey?: string } = {}) {
  let inFlight = 0;
  let maxInFlight = 0;
  const reasonCalls: string[] = [];
  const wait = async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, options.delayMs ?? 0));
    inFlight--;
  };
  const actor: Actor = {
    id: "scripted-actor",
    kind: "deterministic",
    async reason(task, ctx) {
      reasonCalls.push(task.key);
      await wait();
      ctx?.signal?.throwIfAborted();
      if (task.key === options.failKey) throw new Error(`actor refused ${task.key}`);
      return draftOf(`v0 of ${task.key}`, "scripted-actor");
    },
    async refine(task, draft, _critique, ctx) {
      await wait();
      ctx?.signal?.throwIfAborted();
      const v = Number(draft.text.slice(1, draft.text.indexOf(" "))) + 1;
      return draftOf(`v${v} of ${task.key}`, "scripted-actor");
    },
    verdict: () => Promise.resolve(undefined),
  };
  const reflector: Reflector = {
    id: "scripted-reflector",
    kind: "deterministic",
    reflect(task, draft): Promise<Critique> {
      const i = Number(task.key.split(":")[2]);
      const version = Number(draft.text.slice(1, draft.text.indexOf(" ")));
      const reasonable = i % 3 === 0 || (i % 3 === 1 && version >= 1);
      return Promise.resolve({
        reasonable,
        feedback: reasonable ? "" : `improve ${task.key} v${version}`,
        author: "scripted-reflector",
        usage: { prompt: 3, completion: 2 },
        latencyMs: 1,
      });
    },
  };
  return { actor, reflector, reasonCalls, maxInFlight: () => maxInFlight };
}

Deno.test("knowledge job: writes every task, summarises judgements per round, resumes without redoing", async () => {
  await using store = await openStore(":memory:");
  const tasks = Array.from({ length: 12 }, (_, i) => userTask(i));
  const pair = scriptedPair();
  const stage = r4({ actor: pair.actor, reflector: pair.reflector, rounds: 2 });
  const progress: KnowledgeJobProgress[] = [];
  const summary = await runKnowledgeJob({
    tasks,
    stage,
    store,
    concurrency: 4,
    runId: "run-a",
    onProgress: (p) => progress.push(p),
  });
  assert.equal(summary.written, 12);
  assert.equal(summary.skipped, 0);
  assert.equal(summary.failed, 0);
  assert.equal(summary.cancelled, false);
  // Round 1 judges all 12: i%3==0 reasonable (4), the rest not (8). Round 2 judges the 8 refined
  // drafts: i%3==1 now reasonable (4), i%3==2 not (4).
  assert.deepEqual(summary.rounds.map((r) => [r.round, r.judged, r.reasonable, r.notReasonable]), [
    [1, 12, 4, 8],
    [2, 8, 4, 4],
  ]);
  assert.deepEqual(summary.stopReasons, { reasonable: 8, max_rounds: 4 });
  // Tokens: 15 per draft, 5 per critique; drafts = 12 + 8 + 4, critiques = 12 + 8.
  assert.deepEqual(summary.tokens, { prompt: 24 * 10 + 20 * 3, completion: 24 * 5 + 20 * 2 });
  assert.deepEqual(progress.map((p) => p.done), Array.from({ length: 12 }, (_, i) => i + 1));
  assert.ok(progress.every((p) => p.total === 12 && p.ratePerSec > 0));
  assert.equal(progress.at(-1)!.etaMs, 0);

  const rec2 = await store.getKnowledge("t:user:2");
  assert.equal(rec2?.final.text, "v2 of t:user:2");
  assert.equal(rec2?.first.text, "v0 of t:user:2");
  assert.equal(rec2?.runId, "run-a");
  assert.deepEqual(rec2?.rounds.map((r) => [r.round, r.draft.text, r.critique?.reasonable]), [
    [0, "v0 of t:user:2", false],
    [1, "v1 of t:user:2", false],
    [2, "v2 of t:user:2", undefined],
  ]);

  // Rerun with two more tasks: only those run.
  const more = [...tasks, userTask(12), userTask(13)];
  const again = await runKnowledgeJob({ tasks: more, stage, store });
  assert.equal(again.skipped, 12);
  assert.equal(again.written, 2);
  assert.deepEqual(pair.reasonCalls.slice(12).sort(), ["t:user:12", "t:user:13"]);
});

Deno.test("knowledge job: concurrency is bounded and used", async () => {
  await using store = await openStore(":memory:");
  const pair = scriptedPair({ delayMs: 5 });
  await runKnowledgeJob({
    tasks: Array.from({ length: 20 }, (_, i) => userTask(i)),
    stage: r4({ actor: pair.actor, reflector: pair.reflector, rounds: 1 }),
    store,
    concurrency: 3,
  });
  assert.equal(pair.maxInFlight(), 3);
});

Deno.test("knowledge job: a failing task is counted and retried by the next run; `stop` mode throws", async () => {
  await using store = await openStore(":memory:");
  const tasks = Array.from({ length: 6 }, (_, i) => userTask(i));
  const failing = scriptedPair({ failKey: "t:user:4" });
  const stage = r4({ actor: failing.actor, reflector: failing.reflector, rounds: 1 });
  const summary = await runKnowledgeJob({ tasks, stage, store, concurrency: 2 });
  assert.equal(summary.written, 5);
  assert.equal(summary.failed, 1);
  assert.deepEqual(summary.failures, [
    { key: "t:user:4", error: "actor refused t:user:4", permanent: false },
  ]);
  assert.equal(summary.permanentFailures, 0);
  assert.equal(await store.getKnowledge("t:user:4"), undefined);

  await assert.rejects(
    runKnowledgeJob({ tasks, stage, store, onTaskError: "stop" }),
    /task "t:user:4" failed: actor refused/,
  );
  const fixed = scriptedPair();
  const rerun = await runKnowledgeJob({
    tasks,
    stage: r4({ actor: fixed.actor, reflector: fixed.reflector, rounds: 1 }),
    store,
  });
  assert.deepEqual([rerun.skipped, rerun.written, fixed.reasonCalls], [5, 1, ["t:user:4"]]);
});

Deno.test("knowledge job: an error marked permanent is counted as such", async () => {
  await using store = await openStore(":memory:");
  const tooLong = Object.assign(new Error("prompt of 718 tokens + maxTokens 64 exceeds 512"), {
    permanent: true,
  });
  const summary = await runKnowledgeJob({
    tasks: [userTask(1), userTask(2)],
    stage: {
      name: "fails",
      run: (task) => Promise.reject(task.key === "t:user:1" ? tooLong : new Error("reset")),
    },
    store,
  });
  assert.equal(summary.failed, 2);
  assert.equal(summary.permanentFailures, 1);
  assert.deepEqual(
    summary.failures.map((f) => [f.key, f.permanent]).sort(),
    [["t:user:1", true], ["t:user:2", false]],
  );
});

Deno.test("knowledge job: cancelling stops new tasks, keeps written ones whole, and a rerun finishes", async () => {
  await using store = await openStore(":memory:");
  const tasks = Array.from({ length: 30 }, (_, i) => userTask(i));
  const pair = scriptedPair({ delayMs: 10 });
  const stage = r4({ actor: pair.actor, reflector: pair.reflector, rounds: 1 });
  const controller = new AbortController();
  const summary = await runKnowledgeJob({
    tasks,
    stage,
    store,
    concurrency: 2,
    signal: controller.signal,
    onProgress: (p) => p.done === 5 && controller.abort(new Error("stop")),
  });
  assert.equal(summary.cancelled, true);
  assert.equal(summary.failed, 0);
  assert.ok(summary.written >= 5 && summary.written < 30, `written ${summary.written}`);
  const stored = await store.listKnowledge();
  assert.equal(stored.length, summary.written);
  for (const rec of stored) assert.ok(rec.rounds.length >= 1 && rec.final.text.includes(rec.key));
  const rest = await runKnowledgeJob({ tasks, stage, store, concurrency: 4 });
  assert.equal(rest.skipped + rest.written, 30);
  assert.equal((await store.listKnowledge()).length, 30);
});

Deno.test("knowledge job: duplicate keys and bad concurrency are rejected", async () => {
  await using store = await openStore(":memory:");
  const pair = scriptedPair();
  const stage = r4({ actor: pair.actor, reflector: pair.reflector });
  await assert.rejects(
    runKnowledgeJob({ tasks: [userTask(1), userTask(2), userTask(1)], stage, store }),
    /task 2 repeats key "t:user:1"/,
  );
  await assert.rejects(
    runKnowledgeJob({ tasks: [userTask(1)], stage, store, concurrency: 0 }),
    /concurrency must be a positive integer/,
  );
});

Deno.test("recordFromResult: an unparsable refinement is stored as a round with no critique", () => {
  const d0 = draftOf("first", "a");
  const bad = { ...draftOf("garbage", "a"), parseFailure: "empty answer" };
  const critique: Critique = {
    reasonable: false,
    feedback: "no",
    author: "r",
    usage: { prompt: 1, completion: 1 },
    latencyMs: 1,
  };
  const result: R4Result = {
    key: "k",
    kind: "user",
    final: d0,
    first: d0,
    drafts: [d0, bad],
    rounds: [{ round: 1, judged: d0, critique, outcome: "not_reasonable", refined: bad }],
    roundsUsed: 1,
    refinements: 0,
    stopReason: "unparsable_refinement",
    parseFailures: 1,
    usage: { prompt: 0, completion: 0 },
    latencyMs: 0,
    actor: "a",
    reflector: "r",
  };
  const record = recordFromResult(result, "r1");
  assert.deepEqual(record.rounds, [{ round: 0, draft: d0, critique }, { round: 1, draft: bad }]);
  assert.equal(record.final, d0);
  assert.equal(record.runId, "r1");
});

Deno.test("knowledge job over the real HF client: parse outcomes, retries and store contents", async () => {
  // User i's history holds "Film i (1990)". i%3: 0 judged reasonable; 1 judged not reasonable,
  // then refined; 2 answers its judgement without the fixed strings (twice: reminder included).
  const idOf = (text: string) => Number(/Film (\d+) \(1990\)/.exec(text)?.[1]);
  await using server = startOpenAIServer({
    script: (req) => {
      const prompt = promptText(req);
      const i = idOf(prompt);
      if (req.index === 0) return { status: 503 }; // the first call of the run is retried
      if (prompt.includes("impartial judge")) {
        if (i % 3 === 0) {
          return {
            text:
              "<Final Judgement>The user preference is reasonable</Final Judgement>\n<Reflection></Reflection>",
          };
        }
        if (i % 3 === 1) {
          return {
            text: "<Final Judgement>The user preference is not reasonable</Final Judgement>\n" +
              `<Reflection>Film ${i} was rated low; say so.</Reflection>`,
          };
        }
        return { text: "I think it is mostly fine, probably." };
      }
      if (prompt.includes("<Reflection>")) {
        return { text: `Refined: user ${i} dislikes Film ${i}.` };
      }
      return { text: `User ${i} has watched Film ${i} and rated it.`, delayMs: 2 };
    },
  });
  await using store = await openStore(":memory:");
  const llm = cachedGenerator(
    withLimits(hfGenerator({ model: "judge-7b", endpointUrl: server.url }), {
      concurrency: 4,
      baseDelayMs: 1,
      maxDelayMs: 5,
    }),
    store,
  );
  const tasks = Array.from({ length: 6 }, (_, i) => userTask(i));
  const summary = await runKnowledgeJob({
    tasks,
    stage: r4({
      actor: llmActor({ generator: llm }),
      reflector: llmReflector({ generator: llm }),
      rounds: 1,
    }),
    store,
    concurrency: 3,
  });
  assert.equal(summary.written, 6);
  assert.deepEqual(summary.rounds, [{
    round: 1,
    judged: 6,
    reasonable: 2,
    notReasonable: 2,
    emptyCritique: 0,
    unparsable: 2,
  }]);
  assert.equal(summary.parseFailures, 2);
  assert.equal(server.requests.filter((r) => r.outcome === 503).length, 1);

  const r1 = await store.getKnowledge("t:user:1");
  assert.equal(r1?.final.text, "Refined: user 1 dislikes Film 1.");
  assert.equal(r1?.rounds[0].critique?.feedback, "Film 1 was rated low; say so.");
  const r2 = await store.getKnowledge("t:user:2");
  assert.equal(r2?.final.text, "User 2 has watched Film 2 and rated it.");
  assert.ok(r2?.rounds[0].critique?.parseFailure);
  // Generations: 6 reasons + 6 judgements + 2 reminders (users 2, 5) + 2 refinements.
  assert.equal(await store.countGenerations(`endpoint:${server.url}#judge-7b`), 16);
  // The HTTP calls: those 16 plus the one retried 503.
  assert.equal(server.requests.length, 17);
});

Deno.test("knowledge CLI: SIGKILL mid-run, rerun: every entity once, no generation requested twice beyond those in flight, the killed run marked interrupted", async () => {
  const concurrency = 4;
  // Deterministic answers by prompt kind; each takes a little while, so the kill lands mid-run.
  await using server = startOpenAIServer({
    fallback: (req) => {
      const prompt = promptText(req);
      if (prompt.includes("impartial judge")) {
        const ok = prompt.length % 2 === 0;
        return {
          delayMs: 15,
          text:
            `<Final Judgement>The ${
              prompt.includes("User Preference") ? "user preference" : "movie knowledge"
            } is ${ok ? "" : "not "}reasonable</Final Judgement>\n` +
            `<Reflection>${ok ? "" : "Say more about the genres rated low."}</Reflection>`,
        };
      }
      return {
        delayMs: 15,
        text: `Knowledge number ${prompt.length}: enjoys drama and avoids horror.`,
      };
    },
  });
  const dir = await Deno.makeTempDir();
  const storePath = `${dir}/kill.duckdb`;
  const cli = new URL("../../cli/knowledge.ts", import.meta.url).pathname;
  const args = [
    "run",
    "-A",
    cli,
    "--dataset",
    "synthetic",
    "--synthetic-users",
    "12",
    "--synthetic-items",
    "16",
    "--actor",
    `endpoint:${server.url}#fake-7b`,
    "--reflector",
    `endpoint:${server.url}#fake-7b`,
    "--rounds",
    "1",
    "--store",
    storePath,
    "--concurrency",
    String(concurrency),
    "--retries",
    "0",
  ];
  const requestKey = (
    body: { model: string; messages: unknown; max_tokens: number; temperature: number },
  ) => JSON.stringify([body.model, body.messages, body.max_tokens, body.temperature]);
  try {
    const first = new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" })
      .spawn();
    while (server.requests.length < 40) await new Promise((r) => setTimeout(r, 5));
    first.kill("SIGKILL");
    assert.equal((await first.status).signal, "SIGKILL");
    const firstRun = server.requests.map((r) => requestKey(r.body));
    while (server.inFlight > 0) await new Promise((r) => setTimeout(r, 5));

    {
      await using store = await openStore(storePath);
      const [{ n }] = await store.query("SELECT count(*) AS n FROM knowledge");
      assert.ok(Number(n) > 0, "the first run wrote nothing before the kill");
    }

    server.resetStats();
    const second = await new Deno.Command(Deno.execPath(), {
      args,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    assert.equal(second.code, 0, new TextDecoder().decode(second.stderr));
    const summary = JSON.parse(new TextDecoder().decode(second.stdout));
    assert.ok(summary.skipped > 0 && summary.written > 0, JSON.stringify(summary));
    assert.equal(summary.skipped + summary.written, summary.tasks);
    assert.equal(summary.failed, 0);

    await using store = await openStore(storePath);
    // The killed run was left `running`; the rerun's open marked it interrupted.
    const runs = await store.listRuns("knowledge");
    assert.deepEqual(runs.map((r) => r.status), ["interrupted", "done"]);
    assert.match(
      (runs[0].summary as { error: string }).error,
      /^interrupted: its process ended without finishing it \(killed\?\)/,
    );
    const [heads] = await store.query(
      "SELECT count(*) AS n, count(DISTINCT key) AS keys, sum(rounds) AS rounds FROM knowledge",
    );
    assert.equal(Number(heads.n), summary.tasks);
    assert.equal(Number(heads.keys), summary.tasks);
    const [rounds] = await store.query("SELECT count(*) AS n FROM knowledge_rounds");
    assert.equal(rounds.n, heads.rounds, "every record has all its rounds");

    const secondRun = server.requests.map((r) => requestKey(r.body));
    const before = new Set(firstRun);
    const repeated = secondRun.filter((k) => before.has(k));
    assert.ok(
      repeated.length <= concurrency,
      `${repeated.length} generations were requested again (at most ${concurrency} were in flight)`,
    );
    assert.equal(new Set(secondRun).size, secondRun.length, "a request was sent twice in one run");
    // Every distinct request of both runs is stored exactly once (what was in flight at the kill
    // was requested again by the rerun, and then stored).
    assert.equal(await store.countGenerations(), new Set([...firstRun, ...secondRun]).size);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
