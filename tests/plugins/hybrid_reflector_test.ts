import assert from "node:assert/strict";
import { hfGenerator } from "../../adapters/llm/hf.ts";
import {
  type GroundedEvidence,
  GroundedEvidenceSchema,
  groundedReflector,
} from "../../plugins/grounded_reflector.ts";
import { evidenceText, hybridReflector } from "../../plugins/hybrid_reflector.ts";
import { llmReflector } from "../../plugins/llm_reflector.ts";
import { profileActor } from "../../plugins/profile/mod.ts";
import { knowledgeTasks } from "../../plugins/tasks.ts";
import type { KnowledgeTask } from "../../plugins/types.ts";
import { promptText, startOpenAIServer } from "../fixtures/openai_server.ts";
import { buildFixture } from "./profile_fixture.ts";

const NOT_REASONABLE =
  "<Final Judgement>The user preference is not reasonable</Final Judgement>\n" +
  "<Reflection>It ignores the dislikes the check found.</Reflection>";
const REASONABLE = "<Final Judgement>The user preference is reasonable</Final Judgement>\n" +
  "<Reflection></Reflection>";

/** A user task of the fixture whose first profile fails a strict grounded check. */
async function failingUserTask() {
  const { dataset } = buildFixture();
  const actor = profileActor({ dataset });
  const grounded = groundedReflector({ actor, k: 10, threshold: 1 });
  for (const task of knowledgeTasks(dataset, { kinds: ["user"] })) {
    const draft = await actor.reason(task);
    const check = await grounded.reflect(task, draft);
    if (!check.reasonable) return { actor, grounded, task, draft, check };
  }
  throw new Error("fixture has no user task failing the strict check");
}

Deno.test("hybrid: the grounded findings reach the LLM judge's prompt; the judge decides", async () => {
  const { grounded, task, draft, check } = await failingUserTask();
  await using server = startOpenAIServer({ fallback: { text: NOT_REASONABLE } });
  const generator = hfGenerator({ model: "judge-model", endpointUrl: server.url });
  const hybrid = hybridReflector({ grounded, llm: { generator } });
  assert.equal(hybrid.kind, "hybrid");
  const critique = await hybrid.reflect(task, draft);
  assert.equal(server.requests.length, 1);
  const prompt = promptText(server.requests[0]);
  const evidence = GroundedEvidenceSchema.parse(check.evidence);
  assert.match(prompt, /<Evidence>/);
  assert.ok(prompt.includes(`${evidence.correct} of ${evidence.held} correct`));
  for (const c of evidence.cases.filter((x) => !x.correct)) {
    assert.ok(
      prompt.includes(`'${c.title}': predicted ${c.predicted}; actual rating ${c.rating} (WRONG)`),
    );
  }
  assert.ok(prompt.includes(draft.text), "the judge sees the knowledge");
  assert.equal(critique.reasonable, false);
  assert.equal(critique.feedback, "It ignores the dislikes the check found.");
  assert.ok(critique.usage.prompt > 0, "usage comes from the LLM call");
  // The grounded cases stay readable for refiners.
  const kept = GroundedEvidenceSchema.parse(critique.evidence);
  assert.deepEqual(kept.cases, evidence.cases);
  assert.equal(
    (critique.evidence as Record<string, unknown>).judge,
    `llm-reflector:endpoint:${server.url}#judge-model`,
  );
});

Deno.test("hybrid: decide 'both' keeps a failed grounded check against a lenient judge", async () => {
  const { grounded, task, draft, check } = await failingUserTask();
  await using server = startOpenAIServer({ fallback: { text: REASONABLE } });
  const llm = llmReflector({ generator: hfGenerator({ model: "judge", endpointUrl: server.url }) });
  const lenient = await hybridReflector({ grounded, llm }).reflect(task, draft);
  assert.equal(lenient.reasonable, true);
  const both = await hybridReflector({ grounded, llm, decide: "both" }).reflect(task, draft);
  assert.equal(both.reasonable, false);
  assert.equal(both.feedback, check.feedback);
});

Deno.test("hybrid: an unparsable judge leaves the grounded judgement, with the failure recorded", async () => {
  const { grounded, task, draft, check } = await failingUserTask();
  await using server = startOpenAIServer({ fallback: { text: "I think it is fine." } });
  const hybrid = hybridReflector({
    grounded,
    llm: { generator: hfGenerator({ model: "judge", endpointUrl: server.url }) },
  });
  const critique = await hybrid.reflect(task, draft);
  assert.equal(server.requests.length, 2, "one retry with the format reminder");
  assert.ok(critique.parseFailure);
  assert.equal(critique.reasonable, check.reasonable);
  assert.equal(critique.feedback, check.feedback);
});

Deno.test("hybrid: the profile actor refines on a hybrid critique's grounded cases", async () => {
  const { actor, grounded, task, draft, check } = await failingUserTask();
  await using server = startOpenAIServer({ fallback: { text: NOT_REASONABLE } });
  const hybrid = hybridReflector({
    grounded,
    llm: { generator: hfGenerator({ model: "judge", endpointUrl: server.url }) },
  });
  const critique = await hybrid.reflect(task, draft);
  const refined = await actor.refine(task, draft, critique);
  const after = GroundedEvidenceSchema.parse((await grounded.reflect(task, refined)).evidence);
  assert.ok(after.accuracy! > (check.evidence as GroundedEvidence).accuracy!);
});

Deno.test("evidenceText: item cases name the rater roles", () => {
  const task: KnowledgeTask = {
    kind: "item",
    key: "i1",
    domain: { itemNoun: "book", ratingScale: [1, 5], likeThreshold: 4 },
    title: "Emma",
    attributes: [],
    likerHistory: [],
    dislikerHistory: [],
  };
  const text = evidenceText(task, {
    method: "grounded",
    accuracy: 0.5,
    threshold: 0.75,
    held: 2,
    correct: 1,
    cases: [
      { role: "liker", label: 1, predicted: "like", correct: true },
      { role: "disliker", label: 0, predicted: null, correct: false },
    ],
  });
  assert.match(text, /2 held-back raters of this book: 1 of 2 correct \(50%, pass mark 75%\)/);
  assert.match(text, /the user who liked it \(Like User History\): predicted like \(correct\)/);
  assert.match(
    text,
    /the user who disliked it \(Dislike User History\): no usable prediction \(WRONG\)/,
  );
});
