import assert from "node:assert/strict";
import {
  parseKnowledgeAnswer,
  parsePlainKnowledge,
  parseReflectAnswer,
  parseTaggedKnowledge,
  parseVerdictAnswer,
} from "../../../plugins/parse/outputs.ts";
import type { Parsed } from "../../../plugins/parse/result.ts";
import { tagNames, verdictStrings } from "../../../plugins/prompts/protocol.ts";
import type { KnowledgeTask } from "../../../plugins/types.ts";
import {
  itemConstructionTask,
  itemTask,
  userConstructionTask,
  userTask,
} from "../task_fixtures.ts";
import { mulberry32 } from "../../../util/random.ts";

const FRAGMENTS = [
  "<User Preference>",
  "</User Preference>",
  "<Refined User Preference>",
  "<Book Knowledge>",
  "</Book Knowledge>",
  "<Refined Book Knowledge>",
  "<Final Verdict>",
  "</Final Verdict>",
  "<final   verdict>",
  "<Final Judgement>",
  "</Final Judgment>",
  "<Reflection>",
  "</Reflection>",
  "<think>",
  "</think>",
  "```",
  "```xml\n",
  "~~~",
  "user will like the target movie",
  "user will not like the target movie",
  "target user will like the target book",
  "target user will not like the target book",
  "The user preference is reasonable",
  "The user preference is not reasonable",
  "The book knowledge is not reasonable",
  "Sure! Here is the answer:\n",
  "Let me know if you need more.",
  "Heat (1995)",
  "target user",
  "N/A",
  "\n",
  "  ",
  "<",
  ">",
  "/",
  "'",
  '"',
  "\\",
  "$&",
  "(",
  "[",
  "*",
  "\u0000",
  "\ud800",
  "😀",
  "é",
];

function randomString(next: () => number): string {
  const parts: string[] = [];
  const n = Math.floor(next() * 24);
  for (let i = 0; i < n; i++) {
    if (next() < 0.55) {
      parts.push(FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]);
    } else {
      const len = Math.floor(next() * 12);
      let s = "";
      for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(next() * 0x2fff));
      parts.push(s);
    }
  }
  return parts.join(next() < 0.5 ? "" : " ");
}

const CODES = new Set([
  "empty",
  "not_text",
  "too_short",
  "unclosed_think",
  "missing_tag",
  "empty_tag",
  "unknown_answer",
  "ambiguous_answer",
  "target_leak",
  "verdict_in_knowledge",
]);

function checkShape<T>(parsed: Parsed<T>, raw: string, label: string): void {
  assert.equal(parsed.raw, raw, `${label}: raw text kept`);
  if (parsed.ok) {
    assert.ok(Array.isArray(parsed.warnings), label);
  } else {
    assert.ok(
      CODES.has(parsed.failure.code),
      `${label}: typed failure, got ${parsed.failure.code}`,
    );
    assert.equal(typeof parsed.failure.message, "string");
  }
}

Deno.test("fuzz: every parser returns a value or a typed failure for any string, never throws", () => {
  const next = mulberry32(20260425);
  const tasks: KnowledgeTask[] = [
    userTask,
    itemTask,
    userConstructionTask(1),
    itemConstructionTask(0),
  ];
  let oks = 0;
  let failures = 0;
  for (let i = 0; i < 2500; i++) {
    const raw = randomString(next);
    for (const task of tasks) {
      const outcomes: [string, Parsed<unknown>][] = [
        ["plain", parsePlainKnowledge(task, raw)],
        ["tagged-reason", parseTaggedKnowledge(task, raw, "reason")],
        ["tagged-refine", parseTaggedKnowledge(task, raw, "refine")],
        ["knowledge", parseKnowledgeAnswer(task, raw, { role: "refine" })],
        ["reflect", parseReflectAnswer(task, raw)],
        ["verdict", parseVerdictAnswer(task, raw)],
      ];
      for (const [label, parsed] of outcomes) {
        checkShape(parsed, raw, `${label} on ${JSON.stringify(raw.slice(0, 60))}`);
        if (parsed.ok) oks++;
        else failures++;
      }
      const reflect = parseReflectAnswer(task, raw);
      if (reflect.ok && reflect.value.reasonable) assert.equal(reflect.value.reflection, "");
      const verdict = parseVerdictAnswer(task, raw);
      if (verdict.ok) assert.ok(verdict.value === "like" || verdict.value === "dislike");
    }
  }
  // The generator must exercise both branches, or the test proves nothing.
  assert.ok(oks > 500, `fuzz produced ${oks} successful parses`);
  assert.ok(failures > 500, `fuzz produced ${failures} failures`);
});

Deno.test("fuzz: non-string inputs and huge inputs do not throw", () => {
  for (const raw of [undefined, null, 42, {}] as unknown as string[]) {
    const parsed = parseVerdictAnswer(userTask, raw);
    assert.equal(parsed.ok, false);
  }
  const huge = "<Final Verdict>".repeat(20_000) + "user will like the target movie";
  assert.equal(parseVerdictAnswer(userTask, huge).ok, true);
});

Deno.test("property: decorated well-formed answers parse back to their knowledge and verdict", () => {
  const next = mulberry32(7);
  const words = [
    "family",
    "animation",
    "crime",
    "romance",
    "witty",
    "slow",
    "epic",
    "quiet",
    "dark",
  ];
  const decorate = (s: string) => {
    let out = s;
    const caseChoice = next();
    if (caseChoice < 0.3) out = out.toUpperCase();
    else if (caseChoice < 0.6) out = out.toLowerCase();
    if (next() < 0.3) out = out.replace(/ /g, "  ");
    return out;
  };
  for (let i = 0; i < 400; i++) {
    const task = next() < 0.5 ? userConstructionTask(1) : itemConstructionTask(1);
    const tags = tagNames(task.domain);
    const knowledgeTag = task.kind === "user" ? tags.userPreference : tags.itemKnowledge;
    const n = 5 + Math.floor(next() * 60);
    const knowledge = Array.from({ length: n }, () => words[Math.floor(next() * words.length)])
      .join(" ") + ".";
    const like = next() < 0.5;
    const strings = verdictStrings(task.kind, task.domain);
    const verdictText = like ? strings.positive : strings.negative;
    const closeKnowledge = next() < 0.8 ? `</${decorate(knowledgeTag)}>` : "";
    const closeVerdict = next() < 0.8 ? `</${decorate(tags.finalVerdict)}>` : "";
    let raw = `<${decorate(knowledgeTag)}>\n${knowledge}\n${closeKnowledge}\n` +
      `<${decorate(tags.finalVerdict)}> ${decorate(verdictText)}${
        next() < 0.5 ? "." : ""
      } ${closeVerdict}`;
    if (next() < 0.4) raw = "```xml\n" + raw + "\n```";
    if (next() < 0.4) raw = `<think>${knowledge} hmm ${verdictText}?</think>\n` + raw;
    if (next() < 0.3) raw = "Sure! Here is my answer.\n" + raw + "\nLet me know if this helps.";
    const parsed = parseTaggedKnowledge(task, raw, "reason");
    if (!parsed.ok) assert.fail(`${parsed.failure.message} for ${JSON.stringify(raw)}`);
    assert.equal(parsed.value.knowledge, knowledge);
    assert.equal(parsed.value.verdict, like ? "like" : "dislike");
  }
});
