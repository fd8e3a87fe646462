/**
 * Tokens of generated knowledge per stage (reason, reflect, refine) and round, read back from the
 * stored records, with an estimate in money when prices per million tokens are given. Counts an
 * endpoint did not report are kept apart as unknown (never added as 0), and a stage done by a
 * deterministic component is said to use no tokens instead of showing 0.
 *
 * @module
 */
import type { KnowledgeRecord, TokenUsage } from "../plugins/types.ts";

/** The three steps of the R4 loop. */
export type KnowledgeStage = "reason" | "reflect" | "refine";

/** Tokens of one stage in one round. */
export interface StageTokens {
  stage: KnowledgeStage;
  /** 0 for reasoning; the 1-based reflection round for reflect and refine. */
  round: number;
  /** Drafts or critiques made (each may have taken a format retry). */
  texts: number;
  /** Prompt and completion tokens of the texts whose counts are known. */
  prompt: number;
  completion: number;
  /** Texts whose token counts are unknown (the endpoint reported none). */
  unknown: number;
}

/**
 * Prices per million tokens, as the user gives them (`--price-in`, `--price-out`).
 *
 * @example
 * ```ts
 * import type { TokenPrices } from "./token_usage.ts";
 * const prices: TokenPrices = { inputPerMillion: 0.2, outputPerMillion: 0.6 };
 * ```
 */
export interface TokenPrices {
  /** Price of a million prompt tokens. */
  inputPerMillion: number;
  /** Price of a million completion tokens. */
  outputPerMillion: number;
}

/** What the token lines of a report need besides the counts. */
export interface TokenContext {
  /** Whether the actor (reason, refine) and the reflector (reflect) are LLMs. */
  actorLlm: boolean;
  reflectorLlm: boolean;
  /** Prices for the money estimate; none, no estimate. */
  prices?: TokenPrices;
}

/**
 * Tokens per stage and round of knowledge records, in loop order (reason, then reflect and refine
 * of round 1, ...). A record's round `r` draft is its reasoning (`r = 0`) or the refinement of
 * reflection round `r`; its critique is the reflection of round `r + 1`.
 *
 * @example
 * ```ts
 * import { stageTokens } from "./token_usage.ts";
 * const draft = { text: "likes drama", author: "m", usage: { prompt: 90, completion: 10 }, latencyMs: 1 };
 * const [reason] = stageTokens([{ key: "u:1", kind: "user", first: draft, final: draft, rounds: [{ round: 0, draft }] }]);
 * console.log(reason); // { stage: "reason", round: 0, texts: 1, prompt: 90, completion: 10, unknown: 0 }
 * ```
 */
export function stageTokens(records: KnowledgeRecord[]): StageTokens[] {
  const rows = new Map<string, StageTokens>();
  const add = (stage: KnowledgeStage, round: number, usage: TokenUsage | undefined) => {
    const key = `${round}:${stage}`;
    const row = rows.get(key) ?? { stage, round, texts: 0, prompt: 0, completion: 0, unknown: 0 };
    rows.set(key, row);
    row.texts++;
    if (!usage || usage.unknown) row.unknown++;
    else {
      row.prompt += usage.prompt;
      row.completion += usage.completion;
    }
  };
  for (const record of records) {
    for (const { round, draft, critique } of record.rounds) {
      add(round === 0 ? "reason" : "refine", round, draft.usage);
      if (critique) add("reflect", round + 1, critique.usage);
    }
  }
  const order = { reason: 0, reflect: 1, refine: 2 };
  return [...rows.values()].sort((a, b) => a.round - b.round || order[a.stage] - order[b.stage]);
}

/**
 * The money a token count costs at `prices`.
 *
 * @example
 * ```ts
 * import { tokenCost } from "./token_usage.ts";
 * console.log(tokenCost({ prompt: 2_000_000, completion: 500_000 }, { inputPerMillion: 0.2, outputPerMillion: 0.6 })); // 0.7
 * ```
 */
export function tokenCost(
  tokens: { prompt: number; completion: number },
  prices: TokenPrices,
): number {
  return (tokens.prompt * prices.inputPerMillion + tokens.completion * prices.outputPerMillion) /
    1e6;
}

const money = (x: number) => x.toFixed(x > 0 && x < 0.01 ? 6 : 4);

/** One stage's line: its tokens, or that a deterministic component made it. */
function stageLine(row: StageTokens, llm: boolean, prices?: TokenPrices): string {
  const where = row.stage === "reason" ? "reason" : `${row.stage}, round ${row.round}`;
  if (!llm) {
    return `${where}: ${row.texts} texts by a deterministic component (no LLM, so no tokens)`;
  }
  const known = row.texts - row.unknown;
  const counts = known > 0
    ? `${row.prompt} prompt + ${row.completion} completion tokens` +
      (row.unknown ? ` for ${known} of them` : "")
    : "token counts unknown";
  const unknown = row.unknown && known > 0
    ? `; ${row.unknown} with unknown counts (the endpoint reported none; not counted)`
    : "";
  const cost = prices && known > 0
    ? `; ≈ ${row.unknown ? "at least " : ""}${money(tokenCost(row, prices))}`
    : "";
  return `${where}: ${row.texts} texts, ${counts}${unknown}${cost}`;
}

/**
 * A report's lines on tokens: one per stage and round, then the total (with the money estimate
 * when prices are given). Stages of deterministic components say they use no tokens.
 *
 * @example
 * ```ts
 * import { stageTokens, tokenLines } from "./token_usage.ts";
 * const draft = { text: "likes drama", author: "profile", usage: { prompt: 0, completion: 0 }, latencyMs: 0 };
 * const rows = stageTokens([{ key: "u:1", kind: "user", first: draft, final: draft, rounds: [{ round: 0, draft }] }]);
 * console.log(tokenLines(rows, { actorLlm: false, reflectorLlm: false })[0]);
 * // reason: 1 texts by a deterministic component (no LLM, so no tokens)
 * ```
 */
export function tokenLines(rows: StageTokens[], context: TokenContext): string[] {
  const llmOf = (row: StageTokens) =>
    row.stage === "reflect" ? context.reflectorLlm : context.actorLlm;
  const lines = rows.map((row) => stageLine(row, llmOf(row), context.prices));
  const byLlm = rows.filter(llmOf);
  if (byLlm.length === 0) return lines;
  const total = byLlm.reduce(
    (t, r) => ({
      prompt: t.prompt + r.prompt,
      completion: t.completion + r.completion,
      unknown: t.unknown + r.unknown,
    }),
    { prompt: 0, completion: 0, unknown: 0 },
  );
  const p = context.prices;
  lines.push(
    `total (LLM stages): ${total.prompt} prompt + ${total.completion} completion tokens` +
      (total.unknown ? `, and ${total.unknown} texts of unknown counts` : "") +
      (p
        ? `; ≈ ${total.unknown ? "at least " : ""}${money(tokenCost(total, p))} at ` +
          `${p.inputPerMillion} per million prompt and ${p.outputPerMillion} per million ` +
          `completion tokens`
        : ""),
  );
  return lines;
}
