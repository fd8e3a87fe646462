import assert from "node:assert/strict";
import { stripChatter, stripThinking, unwrapFences } from "../../../plugins/parse/clean.ts";
import { matchFixed, normaliseAnswer } from "../../../plugins/parse/fixed.ts";
import { describeFailure } from "../../../plugins/parse/result.ts";
import { findTags, removeTags, tagNamePattern } from "../../../plugins/parse/tags.ts";

Deno.test("stripThinking: closed, nested-looking, template-opened and unclosed blocks", () => {
  assert.deepEqual(stripThinking("<think>a</think>B"), {
    text: "B",
    unclosed: false,
    removed: true,
  });
  assert.equal(stripThinking("<THINKING>\nplan\n</thinking>\nAnswer").text, "\nAnswer");
  assert.equal(stripThinking("x<think>1</think>y<think>2</think>z").text, "xyz");
  // The chat template opened <think> in the prompt: only the closing tag is in the output.
  assert.equal(stripThinking("reasoning here</think>Final").text, "Final");
  assert.deepEqual(stripThinking("Answer<think>cut off"), {
    text: "Answer",
    unclosed: true,
    removed: true,
  });
  assert.deepEqual(stripThinking("plain"), { text: "plain", unclosed: false, removed: false });
});

Deno.test("unwrapFences and stripChatter", () => {
  assert.equal(unwrapFences("```json\n{}\n```").trim(), "{}");
  assert.equal(unwrapFences("~~~\nx\n~~~").trim(), "x");
  assert.equal(unwrapFences("inline ```code``` stays"), "inline ```code``` stays");
  const chatter = stripChatter(
    "Sure! Here is the answer:\n\n## Knowledge\n1. Drama.\n2. Fans.\n\nI hope this helps!",
  );
  assert.equal(chatter.text, "1. Drama.\n2. Fans.");
  assert.equal(chatter.removed.length, 3);
  assert.equal(
    stripChatter("Here is a user who loves drama.").text,
    "Here is a user who loves drama.",
  );
});

Deno.test("tags: names tolerate case, spacing, underscores and Judgment; unclosed tags end at the next tag", () => {
  const re = new RegExp(`^${tagNamePattern("Final Judgement")}$`, "i");
  for (
    const s of [
      "Final Judgement",
      "final judgment",
      "FINAL_JUDGEMENT",
      "Final  Judgement",
      "FinalJudgement",
    ]
  ) {
    assert.ok(re.test(s), s);
  }
  const text = "<A B>one<C>two</C><a  b>three</A B>";
  assert.deepEqual(findTags(text, "A B", ["C"]), [
    { content: "one", closed: false, start: 0 },
    { content: "three", closed: true, start: 18 },
  ]);
  // A prefixed tag is a different tag.
  assert.deepEqual(
    findTags("<Refined User Preference>x</Refined User Preference>", "User Preference", []),
    [],
  );
  assert.equal(removeTags("<Reflection>ok</ reflection >", ["Reflection"]), "ok");
  // Regex metacharacters in names are literal.
  assert.deepEqual(findTags("<a.b>x</a.b><axb>y", "a.b", []).map((o) => o.content), ["x"]);
});

Deno.test("fixed strings: exact, contained, ambiguous, unknown, empty", () => {
  const answers = {
    positive: "user will like the target movie",
    negative: "user will not like the target movie",
  };
  assert.equal(
    normaliseAnswer(" 'User   will LIKE the target movie.' "),
    "user will like the target movie",
  );
  assert.deepEqual(matchFixed("User will not like the target movie.", answers), {
    ok: true,
    answer: "negative",
    exact: true,
  });
  assert.deepEqual(matchFixed("So: user will like the target movie!", answers), {
    ok: true,
    answer: "positive",
    exact: false,
  });
  assert.deepEqual(
    matchFixed("user will like the target movie / user will not like the target movie", answers),
    { ok: false, code: "ambiguous_answer" },
  );
  assert.deepEqual(matchFixed("the user will like the target movies", answers), {
    ok: false,
    code: "unknown_answer",
  });
  assert.deepEqual(matchFixed(" ** ", answers), { ok: false, code: "empty_tag" });
  assert.equal(describeFailure({ code: "empty", message: "empty output" }), "empty: empty output");
});

Deno.test("stripChatter: announcements go, content that merely starts politely stays", () => {
  const cases: [string, string][] = [
    ["Based on the user's rating history, here is the analysis:\nLikes drama.", "Likes drama."],
    ["Sure! Here's the analysis.\nLikes drama.", "Likes drama."],
    [
      "Certainly, this user loves horror.\nThey avoid comedy.",
      "Certainly, this user loves horror.\nThey avoid comedy.",
    ],
    [
      "Based on the history, the user enjoys comedies.\nMore.",
      "Based on the history, the user enjoys comedies.\nMore.",
    ],
    ["Here are the user's preferences.\n1. Drama.", "1. Drama."],
  ];
  for (const [input, want] of cases) assert.equal(stripChatter(input).text, want, input);
});
