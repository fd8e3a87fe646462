import assert from "node:assert/strict";
import { defineDomain, movieDomain } from "../../../plugins/domain.ts";
import { formatHistory } from "../../../plugins/prompts/history.ts";
import { judgementStrings, tagNames, verdictStrings } from "../../../plugins/prompts/protocol.ts";
import {
  renderReasonPrompt,
  renderRefinePrompt,
  renderReflectPrompt,
} from "../../../plugins/prompts/kinds.ts";
import { formatReminder } from "../../../plugins/prompts/reminder.ts";
import { renderVerdictPrompt } from "../../../plugins/prompts/verdict.ts";
import type { KnowledgeTask } from "../../../plugins/types.ts";
import {
  itemConstructionTask,
  itemTask,
  movieHistory,
  targetUserHistory,
  userConstructionTask,
  userTask,
} from "../task_fixtures.ts";

const EXPERT = "You are an expert recommender engine.";
const ASSISTANT = "You are a helpful assistant for a recommender system.";
const JUDGE = "You are an impartial judge.";

/** The content of `<tag>…</tag>` in a prompt (first occurrence). */
function block(prompt: string, tag: string): string | undefined {
  const start = prompt.indexOf(`<${tag}>\n`);
  if (start < 0) return undefined;
  const end = prompt.indexOf(`\n</${tag}>`, start);
  assert.ok(end > start, `<${tag}> is closed`);
  return prompt.slice(start + tag.length + 3, end);
}

type Render = (task: KnowledgeTask) => string;
interface Kind {
  n: number;
  kind: "user" | "item";
  role: "reason" | "reflect" | "refine";
  mode: "construction" | "inference";
  render: Render;
  roleLine: string;
  present: string[];
  absent: string[];
}

const K = "KNOWLEDGE-TEXT-123";
const C = "CRITIQUE-TEXT-456";
const movieTags = tagNames(movieDomain);
const bookTags = tagNames(itemTask.domain);

const kinds: Kind[] = [
  {
    n: 1,
    kind: "user",
    role: "reason",
    mode: "construction",
    render: (t) => renderReasonPrompt(t),
    roleLine: EXPERT,
    present: ["User History", "Target Movie Name", "User Preference", "Final Verdict"],
    absent: ["Question", "Reflection"],
  },
  {
    n: 2,
    kind: "user",
    role: "reason",
    mode: "inference",
    render: (t) => renderReasonPrompt(t),
    roleLine: EXPERT,
    present: ["User History"],
    absent: ["Target Movie Name", "Final Verdict", "User Preference"],
  },
  {
    n: 3,
    kind: "item",
    role: "reason",
    mode: "construction",
    render: (t) => renderReasonPrompt(t),
    roleLine: EXPERT,
    present: [
      "Target Book Name",
      "Like User History",
      "Dislike User History",
      "Target User History",
      "Book Knowledge",
      "Final Verdict",
    ],
    absent: ["User History"],
  },
  {
    n: 4,
    kind: "item",
    role: "reason",
    mode: "inference",
    render: (t) => renderReasonPrompt(t),
    roleLine: EXPERT,
    present: ["Target Book Name", "Like User History", "Dislike User History"],
    absent: ["Target User History", "Final Verdict", "Book Knowledge"],
  },
  {
    n: 5,
    kind: "user",
    role: "reflect",
    mode: "construction",
    render: (t) => renderReflectPrompt(t, K),
    roleLine: JUDGE,
    present: [
      "Question",
      "User History",
      "Target Movie Name",
      "Previous User Preference",
      "Final Judgement",
      "Reflection",
    ],
    absent: ["Final Verdict", "Evidence"],
  },
  {
    n: 6,
    kind: "user",
    role: "reflect",
    mode: "inference",
    render: (t) => renderReflectPrompt(t, K),
    roleLine: JUDGE,
    present: ["Question", "User History", "Previous User Preference", "Final Judgement"],
    absent: ["Target Movie Name", "Final Verdict", "Evidence"],
  },
  {
    n: 7,
    kind: "item",
    role: "reflect",
    mode: "construction",
    render: (t) => renderReflectPrompt(t, K),
    roleLine: JUDGE,
    present: [
      "Question",
      "Target Book Name",
      "Like User History",
      "Dislike User History",
      "Target User History",
      "Previous Book Knowledge",
      "Final Judgement",
      "Reflection",
    ],
    absent: ["Final Verdict"],
  },
  {
    n: 8,
    kind: "item",
    role: "reflect",
    mode: "inference",
    render: (t) => renderReflectPrompt(t, K),
    roleLine: JUDGE,
    present: ["Question", "Like User History", "Dislike User History", "Previous Book Knowledge"],
    absent: ["Target User History", "Final Verdict"],
  },
  {
    n: 9,
    kind: "user",
    role: "refine",
    mode: "construction",
    render: (t) => renderRefinePrompt(t, K, C),
    roleLine: ASSISTANT,
    present: [
      "User History",
      "Target Movie Name",
      "Previous User Preference",
      "Reflection",
      "Refined User Preference",
      "Final Verdict",
    ],
    absent: ["Question"],
  },
  {
    n: 10,
    kind: "user",
    role: "refine",
    mode: "inference",
    render: (t) => renderRefinePrompt(t, K, C),
    roleLine: EXPERT,
    present: ["User History", "Previous User Preference", "Reflection"],
    absent: ["Target Movie Name", "Final Verdict", "Refined User Preference"],
  },
  {
    n: 11,
    kind: "item",
    role: "refine",
    mode: "construction",
    render: (t) => renderRefinePrompt(t, K, C),
    roleLine: EXPERT,
    present: [
      "Target Book Name",
      "Like User History",
      "Dislike User History",
      "Target User History",
      "Previous Book Knowledge",
      "Reflection",
      "Refined Book Knowledge",
      "Final Verdict",
    ],
    absent: ["Question"],
  },
  {
    n: 12,
    kind: "item",
    role: "refine",
    mode: "inference",
    render: (t) => renderRefinePrompt(t, K, C),
    roleLine: EXPERT,
    present: ["Target Book Name", "Previous Book Knowledge", "Reflection"],
    absent: ["Target User History", "Final Verdict", "Refined Book Knowledge"],
  },
];

function taskFor(k: Kind): KnowledgeTask {
  if (k.kind === "user") return k.mode === "construction" ? userConstructionTask(1) : userTask;
  return k.mode === "construction" ? itemConstructionTask(0) : itemTask;
}

for (const k of kinds) {
  Deno.test(`prompt kind ${k.n}: ${k.kind}/${k.role}/${k.mode} follows the contract`, () => {
    const task = taskFor(k);
    const prompt = k.render(task);
    assert.equal(prompt.split("\n")[0], k.roleLine);
    for (const tag of k.present) {
      assert.ok(prompt.includes(`<${tag}>`), `kind ${k.n} presents <${tag}>`);
    }
    for (const tag of k.absent) {
      assert.ok(!prompt.includes(`<${tag}>`), `kind ${k.n} has no <${tag}>`);
    }
    const rule = k.kind === "user"
      ? "A rating above 3 means the user liked the movie; a rating of 3 or below"
      : "A rating above 4 means the user liked the book; a rating of 4 or below";
    assert.ok(prompt.includes(rule), "states the rating rule");
    if (k.role !== "reflect") assert.ok(prompt.includes("about 200 words"));
    else assert.ok(prompt.includes("at most 200 words"));
    assert.ok(/step by step/.test(prompt), "asks for step-by-step reasoning");
    // History serialization, exactly.
    if (k.kind === "user") {
      assert.equal(block(prompt, "User History"), formatHistory(movieHistory));
      assert.ok(prompt.includes("[MOVIE NAME (YEAR), RATING]"));
    } else {
      assert.equal(
        block(prompt, "Like User History"),
        "['Never Never', 5], ['Throb', 2], ['Ugly Love', 5]",
      );
      assert.ok(prompt.includes("[Book NAME, RATING]"));
      assert.equal(block(prompt, "Target Book Name"), "It Ends with Us");
    }
    // Fixed strings are stated exactly where an answer is asked for.
    const domain = task.domain;
    if (k.role === "reflect") {
      const j = judgementStrings(k.kind, domain);
      assert.ok(prompt.includes(`"${j.positive}"`) && prompt.includes(`"${j.negative}"`));
      assert.equal(
        block(prompt, k.kind === "user" ? "Previous User Preference" : "Previous Book Knowledge"),
        K,
      );
      // The task description sits inside <Question>; the knowledge does not.
      const question = block(prompt, "Question") ?? "";
      assert.ok(question.includes(k.kind === "user" ? "<User History>" : "<Like User History>"));
      assert.ok(!question.includes(K));
    } else if (k.mode === "construction") {
      const v = verdictStrings(k.kind, domain);
      assert.ok(prompt.includes(`"${v.positive}"`) && prompt.includes(`"${v.negative}"`));
    } else {
      assert.ok(/plain text/.test(prompt), "inference asks for plain text");
      assert.ok(!/will like the target/.test(prompt), "no verdict string in inference");
    }
    if (k.role === "refine") assert.equal(block(prompt, "Reflection"), C);
    // Inference prompts carry no target at all.
    if (k.mode === "inference") {
      assert.ok(!prompt.includes("Heat (1995)"));
      assert.ok(!prompt.includes("Hopeless"));
    } else if (k.kind === "user") {
      assert.equal(block(prompt, "Target Movie Name"), "Heat (1995)");
      assert.ok(/must not mention the target movie/.test(prompt));
    } else {
      assert.equal(block(prompt, "Target User History"), formatHistory(targetUserHistory));
      assert.ok(/must not mention the target user/.test(prompt));
    }
  });
}

Deno.test("mode option overrides the task: construction task rendered for inference has no target", () => {
  const prompt = renderReasonPrompt(userConstructionTask(1), { mode: "inference" });
  assert.equal(prompt, renderReasonPrompt(userTask));
  const reflect = renderReflectPrompt(itemConstructionTask(1), K, { mode: "inference" });
  assert.equal(reflect, renderReflectPrompt(itemTask, K));
});

Deno.test("construction prompts without their target fail naming the task", () => {
  assert.throws(
    () => renderReasonPrompt(userTask, { mode: "construction" }),
    /ml-1m:user:42:train.*target\.itemTitle/,
  );
  assert.throws(
    () => renderRefinePrompt(itemTask, K, C, { mode: "construction" }),
    /amazon-book:item:7:train.*target\.userHistory/,
  );
});

Deno.test("reflect evidence: shown in an <Evidence> block when given, absent otherwise", () => {
  const withEvidence = renderReflectPrompt(userTask, K, {
    evidence: "Predicted 1 of 4 held-back ratings correctly.",
  });
  assert.equal(block(withEvidence, "Evidence"), "Predicted 1 of 4 held-back ratings correctly.");
  assert.ok(
    withEvidence.indexOf("<Evidence>") > withEvidence.indexOf("</Previous User Preference>"),
  );
  assert.equal(
    renderReflectPrompt(userTask, K, { evidence: "  " }),
    renderReflectPrompt(userTask, K),
  );
});

Deno.test("history serialization keeps apostrophes, integer ratings, order; rejects fractional", () => {
  assert.equal(
    formatHistory([{ title: "Schindler's List (1993)", rating: 5 }, { title: "Throb", rating: 2 }]),
    "['Schindler's List (1993)', 5], ['Throb', 2]",
  );
  assert.equal(formatHistory([{ title: "Two\nLines", rating: 1 }]), "['Two Lines', 1]");
  assert.equal(formatHistory([]), "(no history available)");
  assert.throws(() => formatHistory([{ title: "X", rating: 4.5 }]), /position 0.*"X".*integer/);
});

Deno.test("a host's own domain swaps noun, scale and threshold into tags and fixed strings", () => {
  const songs = defineDomain({ itemNoun: "Song", ratingScale: [1, 10], likeThreshold: 7 });
  const task: KnowledgeTask = {
    kind: "user",
    key: "music:user:1",
    domain: songs,
    history: [{ title: "Hey Jude", rating: 9 }],
    target: { itemTitle: "Let It Be", label: 1 },
  };
  const prompt = renderReasonPrompt(task);
  assert.ok(prompt.includes("<Target Song Name>\nLet It Be\n</Target Song Name>"));
  assert.ok(prompt.includes("[SONG NAME, RATING]"));
  assert.ok(
    prompt.includes("Ratings range from 1 to 10. A rating above 7 means the user liked the song"),
  );
  assert.ok(prompt.includes('"user will not like the target song"'));
  assert.equal(tagNames(songs).refinedItemKnowledge, "Refined Song Knowledge");
  assert.equal(judgementStrings("item", songs).negative, "The song knowledge is not reasonable");
  assert.throws(
    () => defineDomain({ itemNoun: "x", ratingScale: [5, 1], likeThreshold: 3 }),
    /increasing/,
  );
  assert.throws(
    () => defineDomain({ itemNoun: "x", ratingScale: [1, 5], likeThreshold: 5 }),
    /likeThreshold/,
  );
});

Deno.test("tags and fixed strings follow docs/method.md#fixed-strings for both datasets", () => {
  assert.equal(movieTags.targetItemName, "Target Movie Name");
  assert.equal(bookTags.previousItemKnowledge, "Previous Book Knowledge");
  assert.deepEqual(verdictStrings("user", movieDomain), {
    positive: "user will like the target movie",
    negative: "user will not like the target movie",
  });
  assert.deepEqual(verdictStrings("item", itemTask.domain), {
    positive: "target user will like the target book",
    negative: "target user will not like the target book",
  });
  assert.deepEqual(judgementStrings("user", movieDomain), {
    positive: "The user preference is reasonable",
    negative: "The user preference is not reasonable",
  });
  assert.deepEqual(judgementStrings("item", movieDomain), {
    positive: "The movie knowledge is reasonable",
    negative: "The movie knowledge is not reasonable",
  });
});

Deno.test("probe-verdict prompts: knowledge plus probe, never a label", () => {
  const user = renderVerdictPrompt(userTask, K, { itemTitle: "Fargo (1996)" });
  assert.equal(block(user, "User Preference"), K);
  assert.equal(block(user, "Target Movie Name"), "Fargo (1996)");
  assert.ok(user.includes('"user will like the target movie"'));
  assert.ok(!user.includes("<User History>"), "judges the knowledge, not the raw history");
  const item = renderVerdictPrompt(itemTask, K, { userHistory: targetUserHistory });
  assert.equal(block(item, "Book Knowledge"), K);
  assert.equal(block(item, "Target User History"), formatHistory(targetUserHistory));
  assert.ok(item.includes('"target user will not like the target book"'));
  assert.throws(() => renderVerdictPrompt(userTask, K, {}), /probe\.itemTitle/);
  assert.throws(() => renderVerdictPrompt(itemTask, K, {}), /probe\.userHistory/);
});

Deno.test("format reminders name the failure and the exact format per role", () => {
  const reason = formatReminder(userConstructionTask(1), "reason", {
    reason: "missing <Final Verdict>",
  });
  assert.ok(reason.includes("(missing <Final Verdict>)"));
  assert.ok(
    reason.includes("<User Preference>") && reason.includes("user will not like the target movie"),
  );
  assert.ok(formatReminder(userTask, "reason").includes("plain text"));
  assert.ok(formatReminder(itemConstructionTask(1), "refine").includes("<Refined Book Knowledge>"));
  assert.ok(formatReminder(itemTask, "reflect").includes('"The book knowledge is not reasonable"'));
  assert.ok(formatReminder(userTask, "verdict").includes("<Final Verdict>"));
});
