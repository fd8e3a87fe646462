import assert from "node:assert/strict";
import { llmActor } from "../../plugins/llm_actor.ts";
import { llmReflector } from "../../plugins/llm_reflector.ts";
import { judgementOutcome, r4 } from "../../plugins/r4.ts";
import { reasoning, refinement, reflection } from "../../plugins/stages.ts";
import type { KnowledgeTask } from "../../plugins/types.ts";
import { routedGenerator } from "./scripted_generator.ts";
import { itemTask, userTask } from "./task_fixtures.ts";

const judge = (reasonable: boolean, reflection = "") =>
  `<Final Judgement>The user preference is ${
    reasonable ? "" : "not "
  }reasonable</Final Judgement>\n` +
  `<Reflection>${reflection}</Reflection>`;

function loop(
  queues: Parameters<typeof routedGenerator>[0],
  options: { rounds?: number; stopWhenReasonable?: boolean } = {},
) {
  const generator = routedGenerator(queues, { latencyMs: 5 });
  const stage = r4({
    actor: llmActor({ generator }),
    reflector: llmReflector({ generator }),
    ...options,
  });
  return { generator, stage };
}

async function run(stage: ReturnType<typeof loop>["stage"], task: KnowledgeTask = userTask) {
  return await stage.run(task, {});
}

Deno.test("r4 rounds=0: reasoning only, one call", async () => {
  const { generator, stage } = loop({ reason: ["K0: likes animation."] }, { rounds: 0 });
  const result = await run(stage);
  assert.deepEqual(generator.calls, ["reason"]);
  assert.equal(result.final.text, "K0: likes animation.");
  assert.equal(result.first, result.final);
  assert.equal(result.stopReason, "reasoning_only");
  assert.equal(result.roundsUsed, 0);
  assert.deepEqual(result.rounds, []);
});

Deno.test("r4 default (1 round): reasonable keeps the first draft", async () => {
  const { generator, stage } = loop({ reason: ["K0 knowledge"], reflect: [judge(true)] });
  const result = await run(stage);
  assert.deepEqual(generator.calls, ["reason", "reflect"]);
  assert.equal(result.final.text, "K0 knowledge");
  assert.equal(result.stopReason, "reasonable");
  assert.equal(result.rounds[0].outcome, "reasonable");
  assert.equal(result.rounds[0].refined, undefined);
  assert.equal(result.refinements, 0);
});

Deno.test("r4 default (1 round): not reasonable refines once, no reflection after the last refine", async () => {
  const { generator, stage } = loop({
    reason: ["K0 knowledge"],
    reflect: [judge(false, "Misses the dislike of crime.")],
    refine: ["K1: likes animation, dislikes crime."],
  });
  const result = await run(stage);
  assert.deepEqual(generator.calls, ["reason", "reflect", "refine"]);
  assert.equal(result.final.text, "K1: likes animation, dislikes crime.");
  assert.equal(result.first.text, "K0 knowledge");
  assert.equal(result.stopReason, "max_rounds");
  assert.equal(result.refinements, 1);
  assert.deepEqual(result.drafts.map((d) => d.text), [
    "K0 knowledge",
    "K1: likes animation, dislikes crime.",
  ]);
  assert.equal(result.rounds[0].critique.feedback, "Misses the dislike of crime.");
  // The refine prompt carried the judged draft and the critique.
  const refinePrompt = generator.prompts[2];
  assert.ok(
    refinePrompt.includes("<Previous User Preference>\nK0 knowledge\n</Previous User Preference>"),
  );
  assert.ok(refinePrompt.includes("<Reflection>\nMisses the dislike of crime.\n</Reflection>"));
});

Deno.test("r4 rounds=3: iterates until reasonable, judging the latest version each round", async () => {
  const { generator, stage } = loop({
    reason: ["K0 knowledge"],
    reflect: [judge(false, "c1"), judge(false, "c2"), judge(true)],
    refine: ["K1 knowledge", "K2 knowledge"],
  }, { rounds: 3 });
  const result = await run(stage);
  assert.deepEqual(generator.calls, [
    "reason",
    "reflect",
    "refine",
    "reflect",
    "refine",
    "reflect",
  ]);
  assert.equal(result.final.text, "K2 knowledge");
  assert.equal(result.stopReason, "reasonable");
  assert.equal(result.roundsUsed, 3);
  assert.deepEqual(result.rounds.map((r) => r.judged.text), [
    "K0 knowledge",
    "K1 knowledge",
    "K2 knowledge",
  ]);
  assert.deepEqual(result.rounds.map((r) => r.outcome), [
    "not_reasonable",
    "not_reasonable",
    "reasonable",
  ]);
  assert.ok(generator.prompts[3].includes("<Previous User Preference>\nK1 knowledge\n"));
});

Deno.test("r4 rounds=2, never reasonable: stops after two refinements", async () => {
  const { generator, stage } = loop({
    reason: ["K0 knowledge"],
    reflect: [judge(false, "c1"), judge(false, "c2")],
    refine: ["K1 knowledge", "K2 knowledge"],
  }, { rounds: 2 });
  const result = await run(stage);
  assert.deepEqual(generator.calls, ["reason", "reflect", "refine", "reflect", "refine"]);
  assert.equal(result.final.text, "K2 knowledge");
  assert.equal(result.stopReason, "max_rounds");
  assert.equal(result.refinements, 2);
});

Deno.test("r4: unparsable judgement keeps K and counts the failure", async () => {
  const { generator, stage } = loop({
    reason: ["K0 knowledge"],
    reflect: ["It seems fine overall.", "<Final Judgement>fine</Final Judgement>"],
  }, { rounds: 3 });
  const result = await run(stage);
  assert.deepEqual(
    generator.calls,
    ["reason", "reflect", "reflect"],
    "one format retry, then stop",
  );
  assert.equal(result.final.text, "K0 knowledge");
  assert.equal(result.stopReason, "unparsable_judgement");
  assert.equal(result.rounds[0].outcome, "unparsable");
  assert.equal(result.parseFailures, 1);
});

Deno.test("r4: 'not reasonable' with an empty critique counts as reasonable", async () => {
  const { generator, stage } = loop({ reason: ["K0 knowledge"], reflect: [judge(false, "  ")] }, {
    rounds: 2,
  });
  const result = await run(stage);
  assert.deepEqual(generator.calls, ["reason", "reflect"]);
  assert.equal(result.stopReason, "empty_critique");
  assert.equal(result.final.text, "K0 knowledge");
  assert.equal(
    result.rounds[0].critique.reasonable,
    false,
    "the critique itself is kept as written",
  );
});

Deno.test("r4: an unparsable refinement keeps the previous draft and is traced", async () => {
  const { stage } = loop({
    reason: ["K0 knowledge"],
    reflect: [judge(false, "c1")],
    refine: ["", "```\n```"],
  }, { rounds: 2 });
  const result = await run(stage);
  assert.equal(result.stopReason, "unparsable_refinement");
  assert.equal(result.final.text, "K0 knowledge");
  assert.equal(result.drafts.length, 2);
  assert.match(result.rounds[0].refined?.parseFailure ?? "", /^empty/);
  assert.equal(result.parseFailures, 1);
});

Deno.test("r4: an unparsable first draft is not reflected on", async () => {
  const { generator, stage } = loop({ reason: ["<think>never finished", "<think>again"] });
  const result = await run(stage);
  assert.deepEqual(generator.calls, ["reason", "reason"]);
  assert.equal(result.stopReason, "unparsable_draft");
  assert.match(result.final.parseFailure ?? "", /^unclosed_think/);
});

Deno.test("r4 stopWhenReasonable=false refines after every judgement", async () => {
  const { generator, stage } = loop({
    reason: ["K0 knowledge"],
    reflect: [judge(true), judge(false, "c2")],
    refine: ["K1 knowledge", "K2 knowledge"],
  }, { rounds: 2, stopWhenReasonable: false });
  const result = await run(stage);
  assert.deepEqual(generator.calls, ["reason", "reflect", "refine", "reflect", "refine"]);
  assert.equal(result.final.text, "K2 knowledge");
});

Deno.test("r4 on an item task: tokens and latency are the sums over every call", async () => {
  const itemJudge = "<Final Judgement>The book knowledge is not reasonable</Final Judgement>\n" +
    "<Reflection>needs detail</Reflection>";
  const { generator, stage } = loop({
    reason: ["K0 knowledge text"],
    reflect: ["garbage", itemJudge],
    refine: ["K1 text, more detailed"],
  });
  const result = await run(stage, itemTask);
  assert.equal(result.final.text, "K1 text, more detailed");
  assert.equal(result.kind, "item");
  const prompt = generator.prompts.reduce((s, p) => s + Math.ceil(p.length / 4), 0);
  const answers = ["K0 knowledge text", "garbage", itemJudge, "K1 text, more detailed"];
  const completion = answers.reduce((s, a) => s + Math.ceil(a.length / 4), 0);
  assert.deepEqual(result.usage, { prompt, completion });
  assert.equal(result.latencyMs, 5 * generator.requests.length);
  assert.equal(result.parseFailures, 0, "a retry that succeeded is not a failure");
});

Deno.test("r4: validates rounds, honours cancellation; stages compose by hand", async () => {
  const { generator } = loop({});
  const actor = llmActor({ generator });
  const reflector = llmReflector({ generator });
  assert.throws(
    () => r4({ actor, reflector, rounds: -1 }),
    /rounds must be a non-negative integer/,
  );
  assert.throws(() => r4({ actor, reflector, rounds: 1.5 }), /rounds/);
  const controller = new AbortController();
  controller.abort(new Error("stop now"));
  await assert.rejects(
    () => r4({ actor, reflector }).run(userTask, { signal: controller.signal }),
    /stop now/,
  );

  const g = routedGenerator({
    reason: ["K0 knowledge"],
    reflect: [judge(false, "c")],
    refine: ["K1 knowledge"],
  });
  const a = llmActor({ generator: g });
  const ctx = {};
  const first = await reasoning({ actor: a }).run(userTask, ctx);
  const critique = await reflection({ reflector: llmReflector({ generator: g }) }).run({
    task: userTask,
    draft: first,
  }, ctx);
  const refined = await refinement({ actor: a }).run(
    { task: userTask, draft: first, critique },
    ctx,
  );
  assert.deepEqual([first.text, judgementOutcome(critique), refined.text], [
    "K0 knowledge",
    "not_reasonable",
    "K1 knowledge",
  ]);
});
