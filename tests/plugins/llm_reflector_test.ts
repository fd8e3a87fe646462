import assert from "node:assert/strict";
import { llmReflector } from "../../plugins/llm_reflector.ts";
import { renderReflectPrompt } from "../../plugins/prompts/kinds.ts";
import { formatReminder } from "../../plugins/prompts/reminder.ts";
import type { Draft } from "../../plugins/types.ts";
import { scriptedGenerator } from "./scripted_generator.ts";
import { itemTask, userConstructionTask, userTask } from "./task_fixtures.ts";

const tokens = (s: string) => Math.ceil(s.length / 4);

const draft: Draft = {
  text: "Likes animation and family adventure; dislikes violent crime.",
  author: "teacher",
  usage: { prompt: 0, completion: 0 },
  latencyMs: 0,
};

Deno.test("llmReflector: judgement and critique, tokens and latency", async () => {
  const answer = "<Final Judgement>The user preference is not reasonable</Final Judgement>\n" +
    "<Reflection>The casino drama was rated 1; the preference calls the user a crime fan.</Reflection>";
  const generator = scriptedGenerator([answer], { latencyMs: 30 });
  const reflector = llmReflector({ generator, params: { temperature: 0 } });
  const result = await reflector.reflect(userTask, draft);
  assert.equal(generator.prompts[0], renderReflectPrompt(userTask, draft));
  assert.equal(result.reasonable, false);
  assert.match(result.feedback, /^The casino drama/);
  assert.equal(result.author, "scripted");
  assert.deepEqual(result.usage, {
    prompt: tokens(generator.prompts[0]),
    completion: tokens(answer),
  });
  assert.equal(result.latencyMs, 30);
  assert.equal(reflector.kind, "deterministic");
});

Deno.test("llmReflector.reflectWith: evidence goes into the prompt", async () => {
  const generator = scriptedGenerator([
    "<Final Judgement>The book knowledge is reasonable</Final Judgement><Reflection></Reflection>",
  ]);
  const evidence = "Verdicts from this knowledge matched 4 of 5 held-back ratings.";
  const result = await llmReflector({ generator }).reflectWith(itemTask, draft, { evidence });
  assert.equal(generator.prompts[0], renderReflectPrompt(itemTask, draft, { evidence }));
  assert.ok(generator.prompts[0].includes(`<Evidence>\n${evidence}\n</Evidence>`));
  assert.deepEqual([result.reasonable, result.feedback], [true, ""]);
});

Deno.test("llmReflector: unparsable twice keeps the knowledge (reasonable) and records the failure", async () => {
  const first = "I think it's mostly fine.";
  const second = "<Final Judgement>Looks good to me</Final Judgement>";
  const generator = scriptedGenerator([first, second]);
  const result = await llmReflector({ generator }).reflect(userTask, draft);
  assert.equal(generator.requests.length, 2);
  assert.ok(
    generator.prompts[1].endsWith(
      formatReminder(userTask, "reflect", { reason: "missing <Final Judgement>" }),
    ),
  );
  assert.equal(result.reasonable, true);
  assert.equal(result.feedback, "");
  assert.match(result.parseFailure ?? "", /^unknown_answer/);
  assert.deepEqual(result.evidence, { unparsedOutput: second });
});

Deno.test("llmReflector in construction mode: target-aware prompt; a leaking critique is retried", async () => {
  const task = userConstructionTask(1);
  const leaking = "<Final Judgement>The user preference is not reasonable</Final Judgement>\n" +
    "<Reflection>It should say they would love Heat (1995).</Reflection>";
  const clean = "<Final Judgement>The user preference is not reasonable</Final Judgement>\n" +
    "<Reflection>It ignores the high rating for the tense space drama.</Reflection>";
  const generator = scriptedGenerator([leaking, clean]);
  const result = await llmReflector({ generator }).reflect(task, draft);
  assert.ok(
    generator.prompts[0].includes("<Target Movie Name>\nHeat (1995)\n</Target Movie Name>"),
  );
  assert.equal(generator.requests.length, 2);
  assert.ok(generator.prompts[1].includes("mentions the target movie"));
  assert.equal(result.feedback, "It ignores the high rating for the tense space drama.");
});
