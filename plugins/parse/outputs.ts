/**
 * Parsers for every output kind of the prompt contract: plain-text knowledge (inference), tagged
 * knowledge with a verdict (construction), judgement with reflection, and probe verdicts. Tolerant of
 * layout, strict about the fixed strings and about text itself (an answer with NUL or mostly
 * unprintable characters, or knowledge under 8 characters, is a failure); they never throw.
 *
 * @module
 */
import { promptMode } from "../prompts/blocks.ts";
import {
  allTagNames,
  type FixedAnswers,
  judgementStrings,
  knowledgeOutputTag,
  type PromptMode,
  tagNames,
  verdictStrings,
} from "../prompts/protocol.ts";
import type { KnowledgeTask, Verdict } from "../types.ts";
import { stripChatter, stripThinking, unwrapFences } from "./clean.ts";
import { matchFixed, normaliseAnswer } from "./fixed.ts";
import { type Parsed, parseError, type ParseFailureCode } from "./result.ts";
import { findTags, removeTags } from "./tags.ts";
import { MIN_KNOWLEDGE_CHARS, textProblem } from "./text.ts";

/** Knowledge from a reason or refine answer. */
export interface KnowledgeAnswer {
  /** The knowledge text, trimmed, without tags. */
  knowledge: string;
  /** Construction mode only. */
  verdict?: Verdict;
}

/** A reflect answer. */
export interface JudgementAnswer {
  /** The fixed judgement string read. */
  reasonable: boolean;
  /** The critique; empty when reasonable or when the model wrote none. */
  reflection: string;
}

/** Options of the knowledge parser. */
export interface KnowledgeParseOptions {
  /** Which answer: decides the knowledge tag in construction mode. */
  role: "reason" | "refine";
  /** Defaults to construction when the task has a target. */
  mode?: PromptMode;
}

type Prepared = { ok: true; text: string; warnings: string[] } | {
  ok: false;
  code: ParseFailureCode;
  message: string;
};

function prepare(raw: string): Prepared {
  const problem = textProblem(raw);
  if (problem) return { ok: false, code: "not_text", message: `answer is not text: ${problem}` };
  const warnings: string[] = [];
  const thought = stripThinking(raw);
  if (thought.removed) warnings.push("thinking removed");
  const text = unwrapFences(thought.text);
  if (thought.unclosed && text.trim() === "") {
    return { ok: false, code: "unclosed_think", message: "answer cut off inside <think>" };
  }
  if (thought.unclosed) warnings.push("unclosed <think> dropped");
  if (text.trim() === "") return { ok: false, code: "empty", message: "empty output" };
  return { ok: true, text, warnings };
}

/** Knowledge too short to be any, as a failure message. */
function tooShort(knowledge: string): string | undefined {
  const n = [...knowledge.trim()].length;
  return n < MIN_KNOWLEDGE_CHARS
    ? `knowledge of ${n} characters is too short (at least ${MIN_KNOWLEDGE_CHARS})`
    : undefined;
}

function longest(contents: string[]): string | undefined {
  let best: string | undefined;
  for (const c of contents) {
    if (c !== "" && (best === undefined || c.length > best.length)) best = c;
  }
  return best;
}

/** The last definite fixed answer among a tag's occurrences, else why none. */
function fixedAnswer(
  text: string,
  tag: string,
  answers: FixedAnswers,
  boundaries: string[],
  warnings: string[],
): { ok: true; answer: "positive" | "negative" } | {
  ok: false;
  code: ParseFailureCode;
  message: string;
} {
  const found = findTags(text, tag, boundaries);
  if (found.length === 0) return { ok: false, code: "missing_tag", message: `missing <${tag}>` };
  const definite: ("positive" | "negative")[] = [];
  let lastFailure: "unknown_answer" | "ambiguous_answer" | "empty_tag" = "empty_tag";
  let lastContent = "";
  for (const occurrence of found) {
    const match = matchFixed(occurrence.content, answers);
    if (match.ok) {
      definite.push(match.answer);
      if (!match.exact) warnings.push(`<${tag}> holds extra words around the fixed string`);
      if (!occurrence.closed) warnings.push(`<${tag}> not closed`);
    } else {
      lastFailure = match.code;
      lastContent = occurrence.content;
    }
  }
  if (definite.length === 0) {
    const shown = JSON.stringify(lastContent.slice(0, 80));
    const message = lastFailure === "empty_tag"
      ? `<${tag}> is empty`
      : lastFailure === "ambiguous_answer"
      ? `<${tag}> holds both "${answers.positive}" and "${answers.negative}"`
      : `<${tag}> holds ${shown}, not "${answers.positive}" or "${answers.negative}"`;
    return { ok: false, code: lastFailure, message };
  }
  if (found.length > 1) {
    warnings.push(`<${tag}> appears ${found.length} times; the last answer wins`);
  }
  if (new Set(definite).size > 1) warnings.push(`<${tag}> answers disagree; the last one wins`);
  return { ok: true, answer: definite[definite.length - 1] };
}

/** Reflections that mean "no critique", compared with letters only ("N/A" -> "na"). */
const EMPTY_MARKERS = new Set([
  "",
  "none",
  "na",
  "empty",
  "nothing",
  "noreflection",
  "null",
  "nil",
]);

/**
 * Whether `text` names `title` (its words, ignoring case, punctuation and a trailing `(YEAR)`).
 * Titles shorter than four characters are not checked, and one-word titles must appear with their
 * own capitalisation: too many false alarms otherwise.
 *
 * @example
 * ```ts
 * import { mentionsTitle } from "./outputs.ts";
 * mentionsTitle("They would enjoy Toy Story 2.", "Toy Story 2 (1999)"); // true
 * ```
 */
export function mentionsTitle(text: string, title: string): boolean {
  const words = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  const coreRaw = title.replace(/\(\s*\d{4}\s*\)\s*$/, "").trim();
  const core = words(coreRaw);
  if (core.length < 4) return false;
  if (!core.includes(" ")) {
    // One-word titles are often ordinary words ("Heat", "Hopeless"): only the title's own
    // capitalisation counts as naming it.
    const word = coreRaw.replace(/[^\p{L}\p{N}]+/gu, "");
    const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(?:^|[^\\p{L}\\p{N}])${escaped}(?:[^\\p{L}\\p{N}]|$)`, "u").test(text);
  }
  return ` ${words(text)} `.includes(` ${core} `);
}

function containsVerdict(text: string, task: KnowledgeTask): boolean {
  const norm = ` ${normaliseAnswer(text)} `;
  const v = verdictStrings(task.kind, task.domain);
  return [v.positive, v.negative].some((s) => norm.includes(` ${normaliseAnswer(s)} `));
}

/**
 * Checks construction-mode text for target information; returns a message when leaking. User kind:
 * the target title. Item kind: a title only the target user's history holds (titles the liker,
 * disliker or item share are fair), and for knowledge (`strict`) any talk of "the target user".
 */
function targetLeak(text: string, task: KnowledgeTask, strict: boolean): string | undefined {
  if (!task.target) return undefined;
  if (task.kind === "user" && task.target.itemTitle !== undefined) {
    const title = task.target.itemTitle;
    // A target the user also rated inside the window (Amazon keeps duplicates) may be named.
    if (task.history.some((pair) => mentionsTitle(pair.title, title))) return undefined;
    return mentionsTitle(text, title)
      ? `mentions the target ${task.domain.itemNoun} ${JSON.stringify(title)}`
      : undefined;
  }
  if (task.kind !== "item") return undefined;
  if (strict && /\btarget[\s_-]+user\b/i.test(text)) return "mentions the target user";
  const shared = [task.title, ...task.likerHistory.map((p) => p.title)]
    .concat(task.dislikerHistory.map((p) => p.title));
  for (const pair of task.target.userHistory ?? []) {
    if (shared.some((t) => mentionsTitle(t, pair.title))) continue;
    if (mentionsTitle(text, pair.title)) {
      return `mentions ${JSON.stringify(pair.title)} from the target user's history`;
    }
  }
  return undefined;
}

function guard<T>(raw: unknown, parse: (raw: string) => Parsed<T>): Parsed<T> {
  const text = typeof raw === "string" ? raw : raw === undefined || raw === null ? "" : String(raw);
  try {
    return parse(text);
  } catch (error) {
    // Parsers are total by design; this only turns a parser bug into a recorded failure.
    return parseError(text, "parser_error", `parser error: ${(error as Error)?.message ?? error}`);
  }
}

/**
 * Parses inference-mode (plain-text) knowledge: thinking, fences, preambles and sign-offs are
 * removed; if the model tagged its answer anyway the longest tagged knowledge is taken; anything
 * from a verdict or judgement tag on is dropped.
 *
 * @example
 * ```ts
 * import { parsePlainKnowledge } from "./outputs.ts";
 * import { movieDomain } from "../domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [] };
 * parsePlainKnowledge(task, "<think>ok</think>Sure! Here it is:\nLoves film noir.");
 * ```
 */
export function parsePlainKnowledge(task: KnowledgeTask, raw: string): Parsed<KnowledgeAnswer> {
  return guard(raw, (rawText) => {
    const prepared = prepare(rawText);
    if (!prepared.ok) return parseError(rawText, prepared.code, prepared.message);
    const warnings = [...prepared.warnings];
    const tags = tagNames(task.domain);
    const all = allTagNames(task.domain);
    const knowledgeTags = task.kind === "user"
      ? [tags.refinedUserPreference, tags.userPreference]
      : [tags.refinedItemKnowledge, tags.itemKnowledge];
    let text = prepared.text;
    const tagged = longest(
      knowledgeTags.flatMap((t) => findTags(text, t, all).map((o) => o.content)),
    );
    if (tagged !== undefined) {
      warnings.push("tagged answer in inference mode");
      text = tagged;
    } else {
      const cut = new RegExp(
        `<\\s*(?:final[\\s_-]*verdict|final[\\s_-]*judge?ment|reflection)\\s*>`,
        "i",
      ).exec(text);
      if (cut) {
        warnings.push("text from a verdict/judgement tag on dropped");
        text = text.slice(0, cut.index);
      }
      text = removeTags(text, all);
    }
    const chatter = stripChatter(text);
    if (chatter.removed.length > 0) {
      warnings.push(`chatter removed: ${chatter.removed.length} line(s)`);
    }
    if (chatter.text === "") return parseError(rawText, "empty", "no knowledge text");
    const short = tooShort(chatter.text);
    if (short) return parseError(rawText, "too_short", short);
    if (containsVerdict(chatter.text, task)) {
      return parseError(rawText, "verdict_in_knowledge", "knowledge contains a verdict string");
    }
    return { ok: true, value: { knowledge: chatter.text }, raw: rawText, warnings };
  });
}

/**
 * Parses a construction-mode reason or refine answer: the knowledge tag (`<User Preference>`,
 * `<Refined Movie Knowledge>`, ...), then `<Final Verdict>`. Knowledge that names the target or holds
 * a verdict string is a failure.
 *
 * @example
 * ```ts
 * import { parseTaggedKnowledge } from "./outputs.ts";
 * import { movieDomain } from "../domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [], target: { itemTitle: "Heat (1995)", label: 1 as const } };
 * parseTaggedKnowledge(task, "<User Preference>Likes crime.</User Preference><Final Verdict>user will like the target movie</Final Verdict>", "reason");
 * ```
 */
export function parseTaggedKnowledge(
  task: KnowledgeTask,
  raw: string,
  role: "reason" | "refine",
): Parsed<KnowledgeAnswer> {
  return guard(raw, (rawText) => {
    const prepared = prepare(rawText);
    if (!prepared.ok) return parseError(rawText, prepared.code, prepared.message);
    const warnings = [...prepared.warnings];
    const all = allTagNames(task.domain);
    const tag = knowledgeOutputTag(task.kind, role, task.domain);
    const otherTag = knowledgeOutputTag(
      task.kind,
      role === "reason" ? "refine" : "reason",
      task.domain,
    );
    let found = findTags(prepared.text, tag, all);
    if (found.length === 0) {
      // A refine answer under the reason tag (or the reverse) is still the knowledge asked for.
      found = findTags(prepared.text, otherTag, all);
      if (found.length > 0) warnings.push(`knowledge under <${otherTag}> instead of <${tag}>`);
    }
    if (found.length === 0) return parseError(rawText, "missing_tag", `missing <${tag}>`, tag);
    const knowledge = longest(found.map((o) => o.content));
    if (knowledge === undefined) return parseError(rawText, "empty_tag", `<${tag}> is empty`, tag);
    const short = tooShort(knowledge);
    if (short) return parseError(rawText, "too_short", `<${tag}>: ${short}`, tag);
    if (found.length > 1) {
      warnings.push(`<${tag}> appears ${found.length} times; the longest is kept`);
    }
    if (found.some((o) => !o.closed)) warnings.push(`<${tag}> not closed`);
    const verdictTag = tagNames(task.domain).finalVerdict;
    const verdict = fixedAnswer(
      prepared.text,
      verdictTag,
      verdictStrings(task.kind, task.domain),
      all,
      warnings,
    );
    if (!verdict.ok) return parseError(rawText, verdict.code, verdict.message, verdictTag);
    if (containsVerdict(knowledge, task)) {
      return parseError(rawText, "verdict_in_knowledge", `<${tag}> contains a verdict string`, tag);
    }
    const leak = targetLeak(knowledge, task, true);
    if (leak) return parseError(rawText, "target_leak", `<${tag}> ${leak}`, tag);
    return {
      ok: true,
      value: { knowledge, verdict: verdict.answer === "positive" ? "like" : "dislike" },
      raw: rawText,
      warnings,
    };
  });
}

/**
 * Parses a reason or refine answer in the task's mode (plain text for inference, tags and verdict
 * for construction).
 *
 * @example
 * ```ts
 * import { parseKnowledgeAnswer } from "./outputs.ts";
 * import { bookDomain } from "../domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: bookDomain, history: [] };
 * parseKnowledgeAnswer(task, "Enjoys cozy mysteries.", { role: "reason" });
 * ```
 */
export function parseKnowledgeAnswer(
  task: KnowledgeTask,
  raw: string,
  options: KnowledgeParseOptions,
): Parsed<KnowledgeAnswer> {
  return promptMode(task, options.mode) === "inference"
    ? parsePlainKnowledge(task, raw)
    : parseTaggedKnowledge(task, raw, options.role);
}

/**
 * Parses a reflect answer: `<Final Judgement>` with a fixed judgement string (required), then
 * `<Reflection>` (optional; "none"/"N/A" count as empty, and it is emptied when reasonable). In
 * construction mode a reflection naming the target is a failure.
 *
 * @example
 * ```ts
 * import { parseReflectAnswer } from "./outputs.ts";
 * import { movieDomain } from "../domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [] };
 * parseReflectAnswer(task, "<Final Judgement>The user preference is not reasonable</Final Judgement>\n<Reflection>Too vague.</Reflection>");
 * ```
 */
export function parseReflectAnswer(
  task: KnowledgeTask,
  raw: string,
  options: { mode?: PromptMode } = {},
): Parsed<JudgementAnswer> {
  return guard(raw, (rawText) => {
    const prepared = prepare(rawText);
    if (!prepared.ok) return parseError(rawText, prepared.code, prepared.message);
    const warnings = [...prepared.warnings];
    const tags = tagNames(task.domain);
    const all = allTagNames(task.domain);
    const judgement = fixedAnswer(
      prepared.text,
      tags.finalJudgement,
      judgementStrings(task.kind, task.domain),
      all,
      warnings,
    );
    if (!judgement.ok) {
      return parseError(rawText, judgement.code, judgement.message, tags.finalJudgement);
    }
    const reasonable = judgement.answer === "positive";
    const found = findTags(prepared.text, tags.reflection, all);
    let reflection = longest(found.map((o) => o.content)) ?? "";
    if (found.length === 0) warnings.push(`missing <${tags.reflection}>`);
    if (EMPTY_MARKERS.has(reflection.toLowerCase().replace(/[^a-z]+/g, ""))) reflection = "";
    if (reasonable && reflection !== "") {
      warnings.push("reflection given with a reasonable judgement was dropped");
      reflection = "";
    }
    if (promptMode(task, options.mode) === "construction" && reflection !== "") {
      const leak = targetLeak(reflection, task, false);
      if (leak) {
        return parseError(rawText, "target_leak", `<${tags.reflection}> ${leak}`, tags.reflection);
      }
    }
    return { ok: true, value: { reasonable, reflection }, raw: rawText, warnings };
  });
}

/**
 * Parses a probe-verdict answer: `<Final Verdict>` with a fixed verdict string.
 *
 * @example
 * ```ts
 * import { parseVerdictAnswer } from "./outputs.ts";
 * import { movieDomain } from "../domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [] };
 * parseVerdictAnswer(task, "<Final Verdict>user will not like the target movie</Final Verdict>"); // value "dislike"
 * ```
 */
export function parseVerdictAnswer(task: KnowledgeTask, raw: string): Parsed<Verdict> {
  return guard(raw, (rawText) => {
    const prepared = prepare(rawText);
    if (!prepared.ok) return parseError(rawText, prepared.code, prepared.message);
    const warnings = [...prepared.warnings];
    const tag = tagNames(task.domain).finalVerdict;
    const verdict = fixedAnswer(
      prepared.text,
      tag,
      verdictStrings(task.kind, task.domain),
      allTagNames(task.domain),
      warnings,
    );
    if (!verdict.ok) return parseError(rawText, verdict.code, verdict.message, tag);
    return {
      ok: true,
      value: verdict.answer === "positive" ? "like" : "dislike",
      raw: rawText,
      warnings,
    };
  });
}
