/**
 * Orchestration overhead of the R4 plugins (prompt rendering, parsing, the loop) with a generator
 * that answers instantly, so the figures are the library's own cost per LLM call.
 * Run: `npx -y deno@2.9.6 bench -A bench/r4_plugins_bench.ts`. Recorded in bench/results/r4_plugins.md.
 *
 * @module
 */
import { llmActor } from "../plugins/llm_actor.ts";
import { llmReflector } from "../plugins/llm_reflector.ts";
import { parseReflectAnswer, parseTaggedKnowledge } from "../plugins/parse/outputs.ts";
import { renderReasonPrompt, renderReflectPrompt } from "../plugins/prompts/kinds.ts";
import { r4 } from "../plugins/r4.ts";
import { routedGenerator } from "../tests/plugins/scripted_generator.ts";
import { userConstructionTask, userTask } from "../tests/plugins/task_fixtures.ts";

const words = "The user enjoys warm family animation and gentle adventure, rates serious drama " +
  "highly when it is humane, and dislikes violent crime epics and cynical political romance. ";
const knowledge = words.repeat(6).trim(); // about 200 words
const constructionAnswer = `<think>${words.repeat(10)}</think>\nSure! Here is my answer.\n` +
  "```xml\n<User Preference>\n" + knowledge + "\n</User Preference>\n<Final Verdict>\n" +
  "user will not like the target movie.\n</Final Verdict>\n```";
const reflectAnswer = "<Final Judgement>The user preference is not reasonable</Final Judgement>\n" +
  `<Reflection>${words.repeat(3)}</Reflection>`;
const constructionTask = userConstructionTask(0);

Deno.bench("render reason + reflect prompts (user, construction)", { group: "prompts" }, () => {
  renderReasonPrompt(constructionTask);
  renderReflectPrompt(constructionTask, knowledge);
});

Deno.bench(
  "parse construction answer (think + fences + chatter, 200 words)",
  { group: "parse" },
  () => {
    const parsed = parseTaggedKnowledge(constructionTask, constructionAnswer, "reason");
    if (!parsed.ok) throw new Error(parsed.failure.message);
  },
);

Deno.bench("parse reflect answer", { group: "parse" }, () => {
  const parsed = parseReflectAnswer(userTask, reflectAnswer);
  if (!parsed.ok) throw new Error(parsed.failure.message);
});

Deno.bench("r4 loop, 1 round, not reasonable (3 calls)", { group: "loop" }, async (b) => {
  const n = 200;
  const generator = routedGenerator({
    reason: Array(n).fill(knowledge),
    reflect: Array(n).fill(reflectAnswer),
    refine: Array(n).fill(knowledge),
  }, { latencyMs: 0 });
  const stage = r4({ actor: llmActor({ generator }), reflector: llmReflector({ generator }) });
  b.start();
  for (let i = 0; i < n; i++) await stage.run(userTask, {});
  b.end();
});
