import assert from "node:assert/strict";
import { knowledgeStats } from "../../eval/knowledge_stats.ts";
import { markdownReport } from "../../eval/report.ts";
import { htmlReport } from "../../eval/report_html.ts";
import { stageTokens, tokenCost, tokenLines } from "../../eval/token_usage.ts";
import type { KnowledgeRecord, TokenUsage } from "../../plugins/types.ts";
import { fixtureReport } from "./report_fixture.ts";

const draft = (text: string, usage: TokenUsage) => ({ text, author: "m", usage, latencyMs: 1 });
const critique = (usage: TokenUsage) => ({
  reasonable: false,
  feedback: "vague",
  author: "m",
  usage,
  latencyMs: 1,
});

/** Two records: reason, reflect 1, refine 1 (one with unknown reasoning counts). */
function records(): KnowledgeRecord[] {
  const one = draft("a", { prompt: 100, completion: 10 });
  const two = draft("b", { prompt: 0, completion: 0, unknown: true });
  return [one, two].map((first, i) => ({
    key: `u:${i}`,
    kind: "user",
    first,
    final: draft("c", { prompt: 120, completion: 12 }),
    rounds: [
      { round: 0, draft: first, critique: critique({ prompt: 80, completion: 5 }) },
      { round: 1, draft: draft("c", { prompt: 120, completion: 12 }) },
    ],
  }));
}

Deno.test("stageTokens: per stage and round in loop order, unknown counts kept apart", () => {
  assert.deepEqual(stageTokens(records()), [
    { stage: "reason", round: 0, texts: 2, prompt: 100, completion: 10, unknown: 1 },
    { stage: "reflect", round: 1, texts: 2, prompt: 160, completion: 10, unknown: 0 },
    { stage: "refine", round: 1, texts: 2, prompt: 240, completion: 24, unknown: 0 },
  ]);
  assert.deepEqual(knowledgeStats(records()).stages, stageTokens(records()));
});

Deno.test("tokenLines: money at the given prices, a lower bound when counts are unknown", () => {
  const prices = { inputPerMillion: 2, outputPerMillion: 10 };
  const lines = tokenLines(stageTokens(records()), { actorLlm: true, reflectorLlm: true, prices });
  assert.equal(
    lines[0],
    "reason: 2 texts, 100 prompt + 10 completion tokens for 1 of them; 1 with unknown counts " +
      "(the endpoint reported none; not counted); ≈ at least 0.000300",
  );
  assert.equal(lines[2], "refine, round 1: 2 texts, 240 prompt + 24 completion tokens; ≈ 0.000720");
  assert.equal(tokenCost({ prompt: 500, completion: 44 }, prices), (500 * 2 + 44 * 10) / 1e6);
  assert.match(
    lines[3],
    /^total \(LLM stages\): 500 prompt \+ 44 completion tokens, and 1 texts of unknown counts; ≈ at least 0\.001440 at 2 per million prompt/,
  );
  // A deterministic reflector's stage says it used no tokens; the total leaves it out.
  const grounded = tokenLines(stageTokens(records()), { actorLlm: true, reflectorLlm: false });
  assert.equal(
    grounded[1],
    "reflect, round 1: 2 texts by a deterministic component (no LLM, so no tokens)",
  );
  assert.match(grounded[3], /^total \(LLM stages\): 340 prompt \+ 34 completion tokens/);
});

Deno.test("reports: a deterministic run says it used no tokens; an LLM run lists stages and cost", () => {
  const report = fixtureReport();
  const before = markdownReport(report);
  const results = (md: string) => md.slice(md.indexOf("## Results"), md.indexOf("## Knowledge"));
  const stages = stageTokens(records());
  report.knowledge.user = { ...report.knowledge.user, stages };
  report.tokens = { actorLlm: false, reflectorLlm: false };
  const offline = markdownReport(report);
  assert.equal(results(offline), results(before), "the Results section is unchanged");
  assert.match(offline, /user knowledge: .*; no tokens \(deterministic components, no LLM\); mean/);
  assert.ok(!/tokens 0\b/.test(offline), offline);
  assert.match(
    offline,
    /## Tokens\n\n- user reason: 2 texts by a deterministic component \(no LLM, so no tokens\)/,
  );

  report.tokens = {
    actorLlm: true,
    reflectorLlm: true,
    prices: { inputPerMillion: 2, outputPerMillion: 10 },
  };
  const priced = markdownReport(report);
  assert.match(
    priced,
    /- user refine, round 1: 2 texts, 240 prompt \+ 24 completion tokens; ≈ 0\.000720/,
  );
  assert.match(priced, /user knowledge: .*tokens \d+ \(and 1 texts of unknown token counts\)/);
  const html = htmlReport(report);
  assert.match(html, /<section id="tokens"><h2>Tokens<\/h2><ul><li>user reason: 2 texts/);
  assert.ok(html.includes("≈ at least 0.001440"), "the total's estimate is in the HTML report");
});
