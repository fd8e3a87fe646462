import assert from "node:assert/strict";
import {
  construction,
  constructionDecision,
  type ConstructionOutcome,
  type ConstructionRecord,
  reflectTarget,
} from "../../plugins/construction.ts";
import { llmActor } from "../../plugins/llm_actor.ts";
import { llmReflector } from "../../plugins/llm_reflector.ts";
import { parseReflectAnswer } from "../../plugins/parse/outputs.ts";
import {
  renderReasonPrompt,
  renderRefinePrompt,
  renderReflectPrompt,
} from "../../plugins/prompts/kinds.ts";
import type { JudgementOutcome } from "../../plugins/r4.ts";
import type { KnowledgeTask, Verdict } from "../../plugins/types.ts";
import { routedGenerator } from "./scripted_generator.ts";
import { itemConstructionTask, itemTask, userConstructionTask, userTask } from "./task_fixtures.ts";

const K0 = "Enjoys uplifting animation and family adventure; avoids violent crime epics.";
const K1 =
  "Enjoys animation, family adventure and tense, well-made thrillers; avoids cynical drama.";
const CRIT = "The preference ignores the high ratings for suspenseful drama such as Apollo 13.";

const userReason = (verdict: Verdict, knowledge = K0) =>
  `<User Preference>\n${knowledge}\n</User Preference>\n<Final Verdict>user will ${
    verdict === "like" ? "" : "not "
  }like the target movie</Final Verdict>`;
const userRefine = (verdict: Verdict) =>
  `<Refined User Preference>\n${K1}\n</Refined User Preference>\n<Final Verdict>user will ${
    verdict === "like" ? "" : "not "
  }like the target movie</Final Verdict>`;
const userJudge = (reasonable: boolean, critique = "") =>
  `<Final Judgement>The user preference is ${
    reasonable ? "" : "not "
  }reasonable</Final Judgement>` +
  `\n<Reflection>${critique}</Reflection>`;

async function construct(
  task: KnowledgeTask,
  queues: Parameters<typeof routedGenerator>[0],
): Promise<{ record: ConstructionRecord; calls: string[] }> {
  const generator = routedGenerator(queues, { id: "teacher-model" });
  const stage = construction({
    actor: llmActor({ generator }),
    reflector: llmReflector({ generator }),
    teacher: "hf:Qwen/Qwen2.5-7B-Instruct",
  });
  const record = await stage.run(task, {});
  return { record, calls: generator.calls };
}

Deno.test("keep/discard table as a pure function, every cell", () => {
  const judgements: JudgementOutcome[] = [
    "reasonable",
    "not_reasonable",
    "empty_critique",
    "unparsable",
  ];
  for (const label of [0, 1] as const) {
    for (const verdict of ["like", "dislike", undefined] as const) {
      for (const judgement of judgements) {
        const got = constructionDecision({ verdict, label, judgement });
        let want: ConstructionOutcome | "refine";
        if (verdict === undefined) want = "discarded_unparsable_reason";
        else if (judgement === "unparsable") want = "discarded_unparsable_judgement";
        else {
          const right = (verdict === "like" && label === 1) ||
            (verdict === "dislike" && label === 0);
          if (right) {
            want = judgement === "reasonable" ? "kept_reasonable" : "discarded_false_alarm";
          } else if (judgement === "reasonable") want = "discarded_missed_error";
          else if (judgement === "empty_critique") want = "discarded_empty_critique";
          else want = "refine";
        }
        assert.equal(got, want, `verdict=${verdict} label=${label} judgement=${judgement}`);
      }
    }
  }
});

Deno.test("pred = y, reasonable: reason and reflect samples rendered with inference prompts", async () => {
  const task = userConstructionTask(1);
  const { record, calls } = await construct(task, {
    reason: [userReason("like")],
    reflect: [userJudge(true)],
  });
  assert.deepEqual(calls, ["reason", "reflect"]);
  assert.equal(record.outcome, "kept_reasonable");
  assert.equal(record.kept, true);
  assert.equal(record.teacher, "hf:Qwen/Qwen2.5-7B-Instruct");
  assert.equal(record.samples.length, 2);
  const [reason, reflect] = record.samples;
  assert.equal(reason.role, "reason");
  assert.equal(reason.instruction, renderReasonPrompt(userTask));
  assert.equal(reason.output, K0);
  assert.equal(reflect.role, "reflect");
  assert.equal(reflect.judgement, "reasonable");
  assert.equal(reflect.instruction, renderReflectPrompt(userTask, K0));
  for (const s of record.samples) {
    assert.ok(!s.instruction.includes("Heat (1995)"), "no target in SFT inputs");
    assert.ok(!s.instruction.includes("Target Movie Name"));
    assert.ok(!/will (not )?like the target/.test(s.output), "no verdict in SFT outputs");
    assert.equal(s.key, task.key);
    assert.equal(s.label, 1);
  }
  // The reflect target is itself a valid reflect answer.
  const parsed = parseReflectAnswer(userTask, reflect.output);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, { reasonable: true, reflection: "" });
});

Deno.test("pred != y, not reasonable, refinement fixes the verdict: reflect and refine samples", async () => {
  const { record, calls } = await construct(userConstructionTask(1), {
    reason: [userReason("dislike")],
    reflect: [userJudge(false, CRIT)],
    refine: [userRefine("like")],
  });
  assert.deepEqual(calls, ["reason", "reflect", "refine"]);
  assert.equal(record.outcome, "kept_repaired");
  assert.deepEqual(record.samples.map((s) => s.role), ["reflect", "refine"]);
  const [reflect, refine] = record.samples;
  assert.equal(reflect.judgement, "not_reasonable");
  assert.deepEqual(parseReflectAnswer(userTask, reflect.output), {
    ok: true,
    value: { reasonable: false, reflection: CRIT },
    raw: reflect.output,
    warnings: [],
  });
  assert.equal(refine.instruction, renderRefinePrompt(userTask, K0, CRIT));
  assert.equal(refine.output, K1);
  assert.equal(record.refined?.verdict, "like");
});

Deno.test("discards: false alarm, missed error, failed refinement, empty critique", async () => {
  const cases: [
    string,
    Parameters<typeof routedGenerator>[0],
    0 | 1,
    ConstructionOutcome,
    string[],
  ][] = [
    [
      "false alarm",
      { reason: [userReason("like")], reflect: [userJudge(false, CRIT)] },
      1,
      "discarded_false_alarm",
      ["reason", "reflect"],
    ],
    [
      "missed error",
      { reason: [userReason("like")], reflect: [userJudge(true)] },
      0,
      "discarded_missed_error",
      ["reason", "reflect"],
    ],
    [
      "refine failed",
      {
        reason: [userReason("like")],
        reflect: [userJudge(false, CRIT)],
        refine: [userRefine("like")],
      },
      0,
      "discarded_refine_failed",
      ["reason", "reflect", "refine"],
    ],
    [
      "empty critique",
      { reason: [userReason("dislike")], reflect: [userJudge(false, "None")] },
      1,
      "discarded_empty_critique",
      ["reason", "reflect"],
    ],
  ];
  for (const [name, queues, label, outcome, wantCalls] of cases) {
    const { record, calls } = await construct(userConstructionTask(label), queues);
    assert.equal(record.outcome, outcome, name);
    assert.equal(record.kept, false, name);
    assert.deepEqual(record.samples, [], name);
    assert.deepEqual(calls, wantCalls, name);
  }
});

Deno.test("discards: unparsable reason (incl. target leak), judgement and refinement", async () => {
  const leak = userReason("like", "Loves crime thrillers, so Heat (1995) suits them.");
  let { record, calls } = await construct(userConstructionTask(1), { reason: [leak, leak] });
  assert.equal(record.outcome, "discarded_unparsable_reason");
  assert.match(record.reason.parseFailure ?? "", /^target_leak/);
  assert.deepEqual(calls, ["reason", "reason"]);

  ({ record, calls } = await construct(userConstructionTask(1), {
    reason: [userReason("like")],
    reflect: ["fine", "fine"],
  }));
  assert.equal(record.outcome, "discarded_unparsable_judgement");
  assert.deepEqual(calls, ["reason", "reflect", "reflect"]);

  ({ record, calls } = await construct(userConstructionTask(0), {
    reason: [userReason("like")],
    reflect: [userJudge(false, CRIT)],
    refine: [`<Refined User Preference>${K1}</Refined User Preference>`, K1],
  }));
  assert.equal(record.outcome, "discarded_unparsable_refine");
  assert.deepEqual(calls, ["reason", "reflect", "refine", "refine"]);
  assert.ok(record.usage.prompt > 0 && record.usage.completion > 0);
});

Deno.test("item construction: target-user information stays out of SFT samples", async () => {
  const knowledge =
    "1. Contemporary romance.\n2. Readers of emotional new-adult romance.\n3. Thriller fans.";
  const { record } = await construct(itemConstructionTask(0), {
    reason: [
      `<Book Knowledge>${knowledge}</Book Knowledge><Final Verdict>target user will not like the target book</Final Verdict>`,
    ],
    reflect: ["<Final Judgement>The book knowledge is reasonable</Final Judgement>"],
  });
  assert.equal(record.outcome, "kept_reasonable");
  assert.equal(record.samples[0].instruction, renderReasonPrompt(itemTask));
  assert.equal(record.samples[0].output, knowledge);
  assert.ok(record.samples.every((s) => !s.instruction.includes("Hopeless")));
  assert.equal(
    record.samples[1].output,
    reflectTarget("item", itemTask.domain, true, ""),
  );
});

Deno.test("construction rejects tasks without a target, naming them", async () => {
  const generator = routedGenerator({});
  const stage = construction({
    actor: llmActor({ generator }),
    reflector: llmReflector({ generator }),
  });
  await assert.rejects(() => stage.run(userTask, {}), /ml-1m:user:42:train.*no target/);
  const noHistory: KnowledgeTask = { ...itemTask, target: { label: 1 } };
  await assert.rejects(() => stage.run(noHistory, {}), /target\.userHistory/);
});
