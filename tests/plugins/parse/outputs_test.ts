import assert from "node:assert/strict";
import {
  mentionsTitle,
  parseKnowledgeAnswer,
  parsePlainKnowledge,
  parseReflectAnswer,
  parseTaggedKnowledge,
  parseVerdictAnswer,
} from "../../../plugins/parse/outputs.ts";
import type { Parsed } from "../../../plugins/parse/result.ts";
import {
  itemConstructionTask,
  itemTask,
  userConstructionTask,
  userTask,
} from "../task_fixtures.ts";

function ok<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) {
    assert.fail(`expected a parse, got ${parsed.failure.code}: ${parsed.failure.message}`);
  }
  return parsed.value;
}

function failure<T>(parsed: Parsed<T>): string {
  if (parsed.ok) assert.fail(`expected a failure, got ${JSON.stringify(parsed.value)}`);
  return parsed.failure.code;
}

const LONG_PREFERENCE = `The user gravitates toward warm, family-friendly storytelling with a
strong emotional core. Animated features and gentle fantasy adventures score highest: both
animated titles and the talking-animal film received top marks, and the board-game adventure was
also liked. Serious historical drama is appreciated when it is humane rather than bleak.

1. Likes: uplifting family films, animation, feel-good adventure, period romance with wit.
2. Dislikes: cynical or violent crime epics and glossy political romance; the casino drama got the
   lowest possible rating.
3. Neutral: gritty coming-of-age crime and death-row drama sit at the threshold.

Overall the user rewards optimism, craft and clear moral stakes, and penalises violence and
cynicism. Tastes are consistent across the window with a slight recent drift toward adventure.`;

Deno.test("construction reason: long rationale, think block, fences and chatter around tags", () => {
  const raw = `<think>
The user likes Toy Story and Babe. Heat is a crime film... I should not mention it.
</think>
Sure! Here is my analysis.
\`\`\`xml
<User Preference>
${LONG_PREFERENCE}
</User Preference>

<Final Verdict>
user will not like the target movie.
</Final Verdict>
\`\`\``;
  const value = ok(parseTaggedKnowledge(userConstructionTask(0), raw, "reason"));
  assert.equal(value.verdict, "dislike");
  assert.equal(value.knowledge, LONG_PREFERENCE.trim());
});

Deno.test("construction: case, spacing, underscores and a missing closing tag are tolerated", () => {
  const raw = `< user  preference >Prefers animation and family adventure.
<FINAL_VERDICT> 'User Will Like The Target Movie' `;
  const parsed = parseTaggedKnowledge(userConstructionTask(1), raw, "reason");
  assert.ok(parsed.ok);
  assert.equal(parsed.value.knowledge, "Prefers animation and family adventure.");
  assert.equal(parsed.value.verdict, "like");
  assert.ok(parsed.warnings.some((w) => /not closed/.test(w)));
});

Deno.test("construction: the negative form is tested first and wrong wording fails", () => {
  const task = userConstructionTask(1);
  const wrap = (v: string) =>
    `<User Preference>Likes family films.</User Preference><Final Verdict>${v}</Final Verdict>`;
  assert.equal(
    ok(parseTaggedKnowledge(task, wrap("user will not like the target movie"), "reason")).verdict,
    "dislike",
  );
  assert.equal(
    ok(parseTaggedKnowledge(task, wrap("[User will like the target movie.]"), "reason")).verdict,
    "like",
  );
  assert.equal(
    ok(
      parseTaggedKnowledge(
        task,
        wrap("Based on this, user will not like the target movie because it is violent"),
        "reason",
      ),
    ).verdict,
    "dislike",
  );
  for (
    const wrong of [
      "The user would like it",
      "yes",
      "user likes the target movie",
      "user won't like the target movie",
      "like",
    ]
  ) {
    assert.equal(
      failure(parseTaggedKnowledge(task, wrap(wrong), "reason")),
      "unknown_answer",
      wrong,
    );
  }
  assert.equal(
    failure(
      parseTaggedKnowledge(
        task,
        wrap("user will like the target movie or user will not like the target movie"),
        "reason",
      ),
    ),
    "ambiguous_answer",
  );
  assert.equal(failure(parseTaggedKnowledge(task, wrap("   "), "reason")), "empty_tag");
  // A movie verdict string does not answer a book question.
  const book = itemConstructionTask(1);
  const bookRaw =
    `<Book Knowledge>1. Romance.</Book Knowledge><Final Verdict>target user will like the target movie</Final Verdict>`;
  assert.equal(failure(parseTaggedKnowledge(book, bookRaw, "reason")), "unknown_answer");
});

Deno.test("construction: missing tags are failures that keep the raw text", () => {
  const task = userConstructionTask(1);
  const noVerdict =
    "<User Preference>Likes animation.</User Preference>\nI think they will enjoy it.";
  const parsed = parseTaggedKnowledge(task, noVerdict, "reason");
  assert.equal(failure(parsed), "missing_tag");
  assert.equal(parsed.raw, noVerdict);
  assert.ok(!parsed.ok && parsed.failure.tag === "Final Verdict");
  const noKnowledge =
    "The user likes animation.\n<Final Verdict>user will like the target movie</Final Verdict>";
  assert.equal(failure(parseTaggedKnowledge(task, noKnowledge, "reason")), "missing_tag");
  assert.equal(failure(parseTaggedKnowledge(task, "", "reason")), "empty");
  assert.equal(
    failure(parseTaggedKnowledge(task, "<think>still thinking about the user", "reason")),
    "unclosed_think",
  );
});

Deno.test("construction: repeated tags keep the longest knowledge and the last definite verdict", () => {
  const raw = `I will answer with <User Preference> and <Final Verdict> tags.
<User Preference>
Likes feel-good animation, family adventure and witty period romance; avoids violent crime.
</User Preference>
<Final Verdict>user will like the target movie</Final Verdict>
On reflection, crime is disliked.
<Final Verdict>user will not like the target movie</Final Verdict>`;
  const parsed = parseTaggedKnowledge(userConstructionTask(0), raw, "reason");
  assert.ok(parsed.ok);
  assert.match(parsed.value.knowledge, /^Likes feel-good animation/);
  assert.equal(parsed.value.verdict, "dislike");
  assert.ok(parsed.warnings.some((w) => /disagree/.test(w)));
});

Deno.test("construction: knowledge naming the target or holding a verdict string fails", () => {
  const leak = `<User Preference>Likes crime; Heat is exactly their kind of film.</User Preference>
<Final Verdict>user will like the target movie</Final Verdict>`;
  assert.equal(
    failure(parseTaggedKnowledge(userConstructionTask(1), leak, "reason")),
    "target_leak",
  );
  const verdictInside =
    `<User Preference>Likes crime, so user will like the target movie</User Preference>
<Final Verdict>user will like the target movie</Final Verdict>`;
  assert.equal(
    failure(parseTaggedKnowledge(userConstructionTask(1), verdictInside, "reason")),
    "verdict_in_knowledge",
  );
  const itemLeak =
    `<Book Knowledge>1. Romance. 2. The target user enjoys Colleen Hoover.</Book Knowledge>
<Final Verdict>target user will like the target book</Final Verdict>`;
  assert.equal(
    failure(parseTaggedKnowledge(itemConstructionTask(1), itemLeak, "reason")),
    "target_leak",
  );
  assert.ok(mentionsTitle("They will love toy story!", "Toy Story (1995)"));
  assert.ok(!mentionsTitle("They love stories about toys.", "Toy Story (1995)"));
  assert.ok(mentionsTitle("Heat is their kind of film.", "Heat (1995)"));
  assert.ok(!mentionsTitle("They cannot stand the heat of violent thrillers.", "Heat (1995)"));
  assert.ok(!mentionsTitle("A Heater story.", "Heat (1995)"));
});

Deno.test("construction refine: refined tag in any case; the reason tag is accepted with a warning", () => {
  const task = itemConstructionTask(0);
  const refined = `<refined book knowledge>
1. Contemporary romance with a domestic-abuse theme, emotional first-person style.
2. Liked by readers of intense new-adult romance.
3. Disliked by readers of plot-driven thrillers and science fiction.
</REFINED BOOK KNOWLEDGE>
<Final Verdict>target user will not like the target book</Final Verdict>`;
  const value = ok(parseTaggedKnowledge(task, refined, "refine"));
  assert.equal(value.verdict, "dislike");
  assert.match(value.knowledge, /^1\. Contemporary romance/);
  const underReasonTag = refined.replace(/refined book knowledge/gi, "Book Knowledge");
  const parsed = parseTaggedKnowledge(task, underReasonTag, "refine");
  assert.ok(parsed.ok && parsed.warnings.some((w) => /instead of/.test(w)));
});

Deno.test("inference knowledge: plain text with think, fences, preamble and sign-off removed", () => {
  const raw = `<think>Let me look at the ratings.</think>
Certainly! Here is the user's preference:
\`\`\`
${LONG_PREFERENCE}
\`\`\`
Let me know if you need anything else.`;
  assert.equal(ok(parsePlainKnowledge(userTask, raw)).knowledge, LONG_PREFERENCE.trim());
  const heading = "**User Preference:**\nLikes animation.";
  assert.equal(ok(parsePlainKnowledge(userTask, heading)).knowledge, "Likes animation.");
  // A one-line answer that starts politely is content, not chatter.
  assert.equal(
    ok(parsePlainKnowledge(userTask, "Sure-footed taste for animation.")).knowledge,
    "Sure-footed taste for animation.",
  );
});

Deno.test("inference knowledge: tagged answers and stray verdicts are handled", () => {
  const tagged = `<Book Knowledge>
1. Romance. 2. Fans of emotional drama. 3. Thriller readers.
</Book Knowledge>`;
  const parsed = parsePlainKnowledge(itemTask, tagged);
  assert.ok(parsed.ok && parsed.warnings.includes("tagged answer in inference mode"));
  assert.equal(
    parsed.value.knowledge,
    "1. Romance. 2. Fans of emotional drama. 3. Thriller readers.",
  );
  const withVerdict =
    "Likes animation.\n<Final Verdict>user will like the target movie</Final Verdict>";
  assert.equal(ok(parsePlainKnowledge(userTask, withVerdict)).knowledge, "Likes animation.");
  assert.equal(failure(parsePlainKnowledge(userTask, "  \n```\n```\n")), "empty");
  assert.equal(
    failure(parsePlainKnowledge(userTask, "Likes crime; user will like the target movie")),
    "verdict_in_knowledge",
  );
  // parseKnowledgeAnswer dispatches on the mode.
  assert.equal(
    ok(parseKnowledgeAnswer(userTask, "Likes jazz films.", { role: "reason" })).knowledge,
    "Likes jazz films.",
  );
  assert.equal(
    failure(parseKnowledgeAnswer(userConstructionTask(1), "Likes jazz films.", { role: "reason" })),
    "missing_tag",
  );
});

Deno.test("reflect: judgement with critique, reasonable empties the reflection, markers mean empty", () => {
  const notReasonable = `<think>The preference says the user likes crime but Casino got 1.</think>
<Final Judgement>
The user preference is not reasonable.
</Final Judgement>
<Reflection>
The preference claims a taste for crime epics, but the only crime epic in the history was rated 1,
a clear dislike. It also omits the strong liking for animation. Rewrite it around family films.
</Reflection>`;
  const value = ok(parseReflectAnswer(userTask, notReasonable));
  assert.equal(value.reasonable, false);
  assert.match(value.reflection, /^The preference claims/);
  const reasonable = `<Final Judgment>THE USER PREFERENCE IS REASONABLE</Final Judgment>
<Reflection>It is fine.</Reflection>`;
  const parsed = parseReflectAnswer(userTask, reasonable);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, { reasonable: true, reflection: "" });
  assert.ok(parsed.warnings.some((w) => /dropped/.test(w)));
  const none =
    "<Final Judgement>The user preference is not reasonable</Final Judgement><Reflection>N/A</Reflection>";
  assert.deepEqual(ok(parseReflectAnswer(userTask, none)), { reasonable: false, reflection: "" });
  const missingReflection =
    "<Final Judgement>The book knowledge is not reasonable</Final Judgement>";
  const p = parseReflectAnswer(itemTask, missingReflection);
  assert.ok(p.ok && p.value.reflection === "" && p.warnings.includes("missing <Reflection>"));
});

Deno.test("reflect: strict judgement strings, negative first, wrong kind fails", () => {
  const wrap = (j: string) => `<Final Judgement>${j}</Final Judgement><Reflection>x</Reflection>`;
  assert.equal(
    ok(parseReflectAnswer(userTask, wrap("The user preference is not reasonable"))).reasonable,
    false,
  );
  assert.equal(
    ok(parseReflectAnswer(userTask, wrap('"The user preference is reasonable."'))).reasonable,
    true,
  );
  assert.equal(failure(parseReflectAnswer(userTask, wrap("reasonable"))), "unknown_answer");
  assert.equal(
    failure(parseReflectAnswer(userTask, wrap("The preference is not reasonable"))),
    "unknown_answer",
  );
  assert.equal(
    failure(parseReflectAnswer(userTask, wrap("The book knowledge is reasonable"))),
    "unknown_answer",
  );
  assert.equal(
    failure(parseReflectAnswer(itemTask, wrap("The user preference is reasonable"))),
    "unknown_answer",
  );
  assert.equal(
    failure(parseReflectAnswer(userTask, "<Reflection>Too vague.</Reflection>")),
    "missing_tag",
  );
});

Deno.test("reflect in construction: a critique naming the target fails", () => {
  const raw = `<Final Judgement>The user preference is not reasonable</Final Judgement>
<Reflection>It should say the user would enjoy Heat (1995).</Reflection>`;
  assert.equal(failure(parseReflectAnswer(userConstructionTask(1), raw)), "target_leak");
  // The same critique is fine in inference mode, where there is no target.
  assert.equal(ok(parseReflectAnswer(userTask, raw)).reasonable, false);
});

Deno.test("probe verdict: tolerant layout, strict strings", () => {
  assert.equal(
    ok(
      parseVerdictAnswer(
        userTask,
        "Reasoning...\n<Final Verdict>User will like the target movie</Final Verdict>",
      ),
    ),
    "like",
  );
  assert.equal(
    ok(
      parseVerdictAnswer(itemTask, "<final verdict>**target user will not like the target book**"),
    ),
    "dislike",
  );
  assert.equal(
    failure(parseVerdictAnswer(itemTask, "<Final Verdict>user will like it</Final Verdict>")),
    "unknown_answer",
  );
  assert.equal(
    failure(parseVerdictAnswer(userTask, "user will like the target movie")),
    "missing_tag",
  );
});

Deno.test("construction: a target the user also rated inside the window may be named", () => {
  const base = userConstructionTask(1);
  const task = { ...base, target: { itemTitle: "Babe (1995)", label: 1 as const } };
  const raw = `<User Preference>Loved Babe and other gentle animal stories.</User Preference>
<Final Verdict>user will like the target movie</Final Verdict>`;
  assert.equal(ok(parseTaggedKnowledge(task, raw, "reason")).verdict, "like");
});

Deno.test("item construction leaks: target-user titles in knowledge or critique; the phrase only in knowledge", () => {
  const task = itemConstructionTask(1); // target user history: Hopeless, Slammed
  const knowledge = (k: string) =>
    `<Book Knowledge>${k}</Book Knowledge><Final Verdict>target user will like the target book</Final Verdict>`;
  assert.equal(
    failure(parseTaggedKnowledge(task, knowledge("1. Romance like Slammed."), "reason")),
    "target_leak",
  );
  // Titles the liker also rated are fair game.
  assert.equal(
    ok(parseTaggedKnowledge(task, knowledge("1. Romance like Ugly Love."), "reason")).verdict,
    "like",
  );
  const critique = (c: string) =>
    `<Final Judgement>The book knowledge is not reasonable</Final Judgement><Reflection>${c}</Reflection>`;
  assert.equal(
    failure(parseReflectAnswer(task, critique("Readers of Hopeless would enjoy it."))),
    "target_leak",
  );
  assert.equal(
    ok(
      parseReflectAnswer(
        task,
        critique("It does not help decide whether the target user likes it."),
      ),
    ).reflection,
    "It does not help decide whether the target user likes it.",
  );
});

Deno.test("text check: random bytes, NUL and too-short knowledge are typed failures", () => {
  // Random bytes as a server might relay them (latin-1 decoded: controls, NUL, odd symbols).
  let seed = 7;
  const bytes = Array.from({ length: 200 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) % 256);
  const garbage = String.fromCharCode(...bytes);
  const plain = parsePlainKnowledge(userTask, garbage);
  assert.equal(failure(plain), "not_text");
  assert.match(plain.ok ? "" : plain.failure.message, /^answer is not text: contains \d+ NUL/);
  // One NUL is enough, even inside otherwise good text; unprintable noise without NUL too.
  assert.equal(failure(parsePlainKnowledge(userTask, `${LONG_PREFERENCE}\u0000`)), "not_text");
  const noisy = parsePlainKnowledge(userTask, "Likes \u0007\u0008\u001b\ufffd\ufffd dramas a lot.");
  assert.match(
    noisy.ok ? "" : noisy.failure.message,
    /^answer is not text: \d+% of its \d+ characters/,
  );
  assert.equal(
    failure(parseTaggedKnowledge(userConstructionTask(1), garbage, "reason")),
    "not_text",
  );
  assert.equal(failure(parseReflectAnswer(userTask, garbage)), "not_text");
  // Knowledge needs a minimum length; a few odd characters in real text are fine.
  const short = parsePlainKnowledge(userTask, "Nice.");
  assert.equal(failure(short), "too_short");
  assert.match(short.ok ? "" : short.failure.message, /knowledge of 5 characters is too short/);
  assert.equal(
    failure(
      parseTaggedKnowledge(
        userConstructionTask(1),
        "<User Preference>Ok.</User Preference><Final Verdict>user will like the target movie</Final Verdict>",
        "reason",
      ),
    ),
    "too_short",
  );
  assert.ok(ok(parsePlainKnowledge(userTask, `Enjoys films\u200b with heart. ${LONG_PREFERENCE}`)));
});
