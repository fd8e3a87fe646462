import assert from "node:assert/strict";
import { llmActor } from "../../plugins/llm_actor.ts";
import { llmReflector } from "../../plugins/llm_reflector.ts";
import { meanVector, reflectionFilter } from "../../plugins/reflection_filter.ts";
import { roleOfPrompt, scriptedGenerator } from "./scripted_generator.ts";
import { userTask } from "./task_fixtures.ts";

/**
 * Drafts "D0 knowledge".."Dn knowledge" in call order; the judge answers from a table keyed by the
 * judged draft's first word.
 */
function teacher(verdicts: Record<string, string>, draftAnswers?: string[]) {
  let drafts = 0;
  return scriptedGenerator((prompt) => {
    if (roleOfPrompt(prompt) === "reason") {
      const i = drafts++;
      return draftAnswers?.[i] ?? `D${i} knowledge`;
    }
    const judged = /<Previous User Preference>\n(\S*)/.exec(prompt)?.[1] ?? "";
    const v = verdicts[judged];
    if (v === undefined) throw new Error(`unexpected judgement of ${judged}`);
    return v;
  });
}
const yes = "<Final Judgement>The user preference is reasonable</Final Judgement>";
const no =
  "<Final Judgement>The user preference is not reasonable</Final Judgement><Reflection>vague</Reflection>";
const emptyNo =
  "<Final Judgement>The user preference is not reasonable</Final Judgement><Reflection></Reflection>";

Deno.test("reflection filter keeps the drafts judged reasonable (empty critique counts)", async () => {
  const gen = teacher({ D0: no, D1: yes, D2: emptyNo, D3: no });
  const actors: number[] = [];
  const result = await reflectionFilter({
    actor: (i) => {
      actors.push(i);
      return llmActor({ generator: gen, params: { temperature: 0.7, seed: i } });
    },
    reflector: llmReflector({ generator: gen }),
    samples: 4,
  }).run(userTask, {});
  assert.deepEqual(actors, [0, 1, 2, 3]);
  assert.deepEqual(gen.requests.slice(0, 4).map((r) => r.params?.seed), [0, 1, 2, 3]);
  assert.deepEqual(result.selected.map((d) => d.text), ["D1 knowledge", "D2 knowledge"]);
  assert.deepEqual(result.drafts.map((d) => d.outcome), [
    "not_reasonable",
    "reasonable",
    "empty_critique",
    "not_reasonable",
  ]);
  assert.equal(result.fallbackToAll, false);
  assert.equal(gen.requests.length, 8);
});

Deno.test("reflection filter falls back to every parsable draft when none is reasonable", async () => {
  const gen = teacher({ D0: no, D2: "garbage" }, ["D0 knowledge", "", "D2 knowledge"]);
  const actor = llmActor({ generator: gen, maxAttempts: 1 });
  const result = await reflectionFilter({
    actor,
    reflector: llmReflector({ generator: gen, maxAttempts: 1 }),
    samples: 3,
  }).run(userTask, {});
  assert.equal(result.fallbackToAll, true);
  assert.deepEqual(
    result.selected.map((d) => d.text),
    ["D0 knowledge", "D2 knowledge"],
    "the unparsable draft is never kept",
  );
  assert.deepEqual(result.drafts.map((d) => d.outcome), [
    "not_reasonable",
    "unparsable_draft",
    "unparsable",
  ]);
  assert.equal(result.parseFailures, 2);
  assert.throws(
    () => reflectionFilter({ actor, reflector: llmReflector({ generator: gen }), samples: 0 }),
    /samples/,
  );
});

Deno.test("meanVector averages element-wise and checks lengths", () => {
  assert.deepEqual(Array.from(meanVector([Float32Array.of(1, 2, 3), Float32Array.of(3, 6, -3)])), [
    2,
    4,
    0,
  ]);
  assert.throws(() => meanVector([]), /no vectors/);
  assert.throws(
    () => meanVector([Float32Array.of(1), Float32Array.of(1, 2)]),
    /vector 1 has length 2/,
  );
});
