import assert from "node:assert/strict";
import { llmActor } from "../../plugins/llm_actor.ts";
import { renderReasonPrompt } from "../../plugins/prompts/kinds.ts";
import { formatReminder } from "../../plugins/prompts/reminder.ts";
import type { Critique, Draft, StageContext } from "../../plugins/types.ts";
import { scriptedGenerator } from "./scripted_generator.ts";
import {
  itemConstructionTask,
  itemTask,
  targetUserHistory,
  userConstructionTask,
  userTask,
} from "./task_fixtures.ts";

const tokens = (s: string) => Math.ceil(s.length / 4);

const draft: Draft = {
  text: "Likes animation and family adventure; dislikes violent crime.",
  author: "teacher",
  usage: { prompt: 0, completion: 0 },
  latencyMs: 0,
};
const critique: Critique = {
  reasonable: false,
  feedback: "The history also shows a liking for period romance.",
  author: "judge",
  usage: { prompt: 0, completion: 0 },
  latencyMs: 0,
};

Deno.test("llmActor.reason (inference): one call with the inference prompt, tokens and latency recorded", async () => {
  const answer = "Sure! Here is the preference:\nLikes animation and family adventure.";
  const generator = scriptedGenerator([answer], { latencyMs: 25 });
  const actor = llmActor({ generator, params: { temperature: 0, maxTokens: 512 } });
  const result = await actor.reason(userTask);
  assert.equal(generator.requests.length, 1);
  assert.equal(generator.prompts[0], renderReasonPrompt(userTask));
  assert.deepEqual(generator.requests[0].params, { temperature: 0, maxTokens: 512 });
  assert.equal(result.text, "Likes animation and family adventure.");
  assert.equal(result.verdict, undefined);
  assert.equal(result.parseFailure, undefined);
  assert.equal(result.author, "scripted");
  assert.deepEqual(result.usage, {
    prompt: tokens(generator.prompts[0]),
    completion: tokens(answer),
  });
  assert.equal(result.latencyMs, 25);
  assert.equal(actor.kind, "deterministic", "a scripted generator is never presented as an LLM");
  assert.equal(actor.id, "llm-actor:scripted");
});

Deno.test("llmActor.reason (construction): knowledge and verdict from the tagged answer", async () => {
  const generator = scriptedGenerator([
    "<Book Knowledge>\n1. Romance.\n2. Fans of emotional drama.\n3. Thriller readers.\n</Book Knowledge>\n" +
    "<Final Verdict>target user will like the target book</Final Verdict>",
  ]);
  const result = await llmActor({ generator }).reason(itemConstructionTask(1));
  assert.equal(result.verdict, "like");
  assert.equal(result.text, "1. Romance.\n2. Fans of emotional drama.\n3. Thriller readers.");
  assert.ok(generator.prompts[0].includes("<Target User History>"));
});

Deno.test("llmActor: a failed parse is retried once with the format reminder appended", async () => {
  const bad = "The user will probably enjoy it. Likes animation.";
  const good = "<User Preference>Likes animation.</User Preference>\n" +
    "<Final Verdict>user will not like the target movie</Final Verdict>";
  const generator = scriptedGenerator([bad, good], { latencyMs: 7 });
  const events: unknown[] = [];
  const ctx: StageContext = { trace: (e) => events.push(e) };
  const task = userConstructionTask(0);
  const result = await llmActor({ generator }).reason(task, ctx);
  assert.equal(generator.requests.length, 2);
  const base = renderReasonPrompt(task);
  assert.equal(
    generator.prompts[1],
    base + formatReminder(task, "reason", { reason: "missing <User Preference>" }),
  );
  assert.equal(result.verdict, "dislike");
  assert.equal(result.parseFailure, undefined);
  assert.deepEqual(result.usage, {
    prompt: tokens(generator.prompts[0]) + tokens(generator.prompts[1]),
    completion: tokens(bad) + tokens(good),
  });
  assert.equal(result.latencyMs, 14);
  assert.deepEqual(events, [{
    stage: "actor.reason",
    key: task.key,
    detail: {
      event: "format_retry",
      attempt: 1,
      failure: "missing_tag: missing <User Preference>",
    },
  }]);
});

Deno.test("llmActor: two failed parses are recorded on the draft, never dropped, never a third call", async () => {
  const first =
    "<User Preference>Likes animation.</User Preference><Final Verdict>maybe</Final Verdict>";
  const second =
    "<User Preference>Likes animation.</User Preference><Final Verdict>probably yes</Final Verdict>";
  const generator = scriptedGenerator([first, second]);
  const result = await llmActor({ generator }).reason(userConstructionTask(1));
  assert.equal(generator.requests.length, 2);
  assert.equal(result.text, second, "the raw output is kept");
  assert.equal(result.verdict, undefined);
  assert.match(result.parseFailure ?? "", /^unknown_answer: <Final Verdict> holds "probably yes"/);
  const once = scriptedGenerator([first]);
  const noRetry = await llmActor({ generator: once, maxAttempts: 1 }).reason(
    userConstructionTask(1),
  );
  assert.equal(once.requests.length, 1);
  assert.ok(noRetry.parseFailure);
});

Deno.test("llmActor.refine: previous knowledge and critique go into the refine prompt", async () => {
  const generator = scriptedGenerator([
    "Likes animation, family adventure and witty period romance.",
  ]);
  const result = await llmActor({ generator }).refine(userTask, draft, critique);
  assert.ok(
    generator.prompts[0].includes(
      `<Previous User Preference>\n${draft.text}\n</Previous User Preference>`,
    ),
  );
  assert.ok(generator.prompts[0].includes(`<Reflection>\n${critique.feedback}\n</Reflection>`));
  assert.equal(result.text, "Likes animation, family adventure and witty period romance.");
});

Deno.test("llmActor.verdict: probe verdicts parsed, retried, undefined when unparsable", async () => {
  const generator = scriptedGenerator([
    "<Final Verdict>user will like the target movie</Final Verdict>",
    "I cannot tell.",
    "<Final Verdict>target user will not like the target book</Final Verdict>",
    "no idea",
    "still no idea",
  ]);
  const actor = llmActor({ generator });
  const events: { detail?: Record<string, unknown> }[] = [];
  const ctx: StageContext = { trace: (e) => events.push(e) };
  assert.equal(await actor.verdict(userTask, draft, { itemTitle: "Fargo (1996)" }, ctx), "like");
  assert.equal(
    await actor.verdict(itemTask, draft, { userHistory: targetUserHistory }, ctx),
    "dislike",
  );
  assert.equal(await actor.verdict(userTask, draft, { itemTitle: "Fargo (1996)" }, ctx), undefined);
  assert.equal(generator.requests.length, 5);
  assert.ok(
    generator.prompts[0].includes("<Target Movie Name>\nFargo (1996)\n</Target Movie Name>"),
  );
  const usage = events.filter((e) => e.detail?.event === "usage").map((e) => e.detail?.attempts);
  assert.deepEqual(usage, [1, 2, 2]);
});

Deno.test("llmActor: a cancelled run stops before calling the generator", async () => {
  const generator = scriptedGenerator(["x"]);
  const controller = new AbortController();
  controller.abort(new Error("run cancelled"));
  await assert.rejects(
    () => llmActor({ generator }).reason(userTask, { signal: controller.signal }),
    /run cancelled/,
  );
  assert.equal(generator.requests.length, 0);
});
