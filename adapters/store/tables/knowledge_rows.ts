/**
 * Knowledge records as rows of the `knowledge` (one per entity, with summary columns) and
 * `knowledge_rounds` (one per round) tables, and rounds read back from rows.
 *
 * @module
 */
import { BOOLEAN, DOUBLE, type DuckDBValue, INTEGER, VARCHAR } from "@duckdb/node-api";
import type { Critique, Draft, KnowledgeRecord, KnowledgeRound } from "../../../plugins/types.ts";
import { type Row, seconds, toNumber, usageColumns, usageFromColumns } from "../sql.ts";

/** Bound columns of `knowledge`, in table order; the timestamp goes in as seconds. */
export const HEAD_COLUMNS = [
  ["key", VARCHAR],
  ["kind", VARCHAR],
  ["first_text", VARCHAR],
  ["final_text", VARCHAR],
  ["final_round", INTEGER],
  ["rounds", INTEGER],
  ["reasonable", BOOLEAN],
  ["parse_failures", INTEGER],
  ["prompt_tokens", INTEGER],
  ["completion_tokens", INTEGER],
  ["latency_ms", DOUBLE],
  ["first_draft", VARCHAR],
  ["final_draft", VARCHAR],
  ["run_id", VARCHAR],
  ["created_s", DOUBLE],
] as const;

/** Bound columns of `knowledge_rounds`, in table order. */
export const ROUND_COLUMNS = [
  ["key", VARCHAR],
  ["kind", VARCHAR],
  ["round", INTEGER],
  ["draft_text", VARCHAR],
  ["verdict", VARCHAR],
  ["author", VARCHAR],
  ["prompt_tokens", INTEGER],
  ["completion_tokens", INTEGER],
  ["latency_ms", DOUBLE],
  ["parse_failure", VARCHAR],
  ["reasonable", BOOLEAN],
  ["critique", VARCHAR],
  ["critic", VARCHAR],
  ["critique_prompt_tokens", INTEGER],
  ["critique_completion_tokens", INTEGER],
  ["critique_latency_ms", DOUBLE],
  ["critique_parse_failure", VARCHAR],
  ["evidence", VARCHAR],
] as const;

/**
 * The row of `knowledge` (see {@link HEAD_COLUMNS}) and the rows of `knowledge_rounds` (see
 * {@link ROUND_COLUMNS}) of one record. Its final round is the last round whose draft is the
 * final text; its totals add drafts and critiques.
 *
 * @example
 * ```ts
 * import { knowledgeRows } from "./knowledge_rows.ts";
 * const draft = { text: "likes drama", author: "profile", usage: { prompt: 2, completion: 3 }, latencyMs: 1 };
 * const { head, rounds } = knowledgeRows(
 *   { key: "u:1", kind: "user", first: draft, final: draft, rounds: [{ round: 0, draft }] },
 *   new Date(),
 * );
 * console.log(head.length, rounds.length); // 15 1
 * ```
 */
export function knowledgeRows(
  record: KnowledgeRecord,
  createdAt: Date,
): { head: DuckDBValue[]; rounds: DuckDBValue[][] } {
  const rounds = [...record.rounds].sort((a, b) => a.round - b.round);
  const finalRound = rounds.findLast((r) => r.draft.text === record.final.text)?.round ??
    rounds.at(-1)!.round;
  const lastJudged = rounds.findLast((r) => r.critique !== undefined)?.critique;
  let prompt = 0, completion = 0, latency = 0, failures = 0;
  for (const { draft, critique } of rounds) {
    prompt += draft.usage.prompt + (critique?.usage.prompt ?? 0);
    completion += draft.usage.completion + (critique?.usage.completion ?? 0);
    latency += draft.latencyMs + (critique?.latencyMs ?? 0);
    failures += (draft.parseFailure ? 1 : 0) + (critique?.parseFailure ? 1 : 0);
  }
  const head = [
    record.key,
    record.kind,
    record.first.text,
    record.final.text,
    finalRound,
    rounds.length,
    lastJudged ? lastJudged.reasonable : null,
    failures,
    prompt,
    completion,
    latency,
    JSON.stringify(record.first),
    JSON.stringify(record.final),
    record.runId ?? null,
    seconds(createdAt),
  ];
  return { head, rounds: rounds.map((r) => roundRow(record, r)) };
}

function roundRow(record: KnowledgeRecord, { round, draft, critique }: KnowledgeRound) {
  return [
    record.key,
    record.kind,
    round,
    draft.text,
    draft.verdict ?? null,
    draft.author,
    ...usageColumns(draft.usage),
    draft.latencyMs,
    draft.parseFailure ?? null,
    critique ? critique.reasonable : null,
    critique ? critique.feedback : null,
    critique ? critique.author : null,
    ...(critique ? usageColumns(critique.usage) : [null, null]),
    critique ? critique.latencyMs : null,
    critique?.parseFailure ?? null,
    critique?.evidence === undefined ? null : JSON.stringify(critique.evidence),
  ];
}

/**
 * One round read back from a `knowledge_rounds` row: optional fields absent when NULL, the
 * critique present when the round was judged.
 *
 * @example
 * ```ts
 * import { roundFromRow } from "./knowledge_rows.ts";
 * const round = roundFromRow({
 *   round: 0, draft_text: "likes drama", author: "profile", prompt_tokens: 1,
 *   completion_tokens: 2, latency_ms: 3, verdict: null, parse_failure: null, reasonable: null,
 * });
 * console.log(round.draft.text, round.critique); // likes drama undefined
 * ```
 */
export function roundFromRow(row: Row): KnowledgeRound {
  const draft: Draft = {
    text: row.draft_text as string,
    author: row.author as string,
    usage: usageFromColumns(row.prompt_tokens, row.completion_tokens),
    latencyMs: toNumber(row.latency_ms),
  };
  if (row.verdict !== null) draft.verdict = row.verdict as Draft["verdict"];
  if (row.parse_failure !== null) draft.parseFailure = row.parse_failure as string;
  const round: KnowledgeRound = { round: toNumber(row.round), draft };
  if (row.reasonable !== null) round.critique = critiqueFromRow(row);
  return round;
}

function critiqueFromRow(row: Row): Critique {
  const critique: Critique = {
    reasonable: row.reasonable as boolean,
    feedback: (row.critique as string | null) ?? "",
    author: row.critic as string,
    usage: usageFromColumns(row.critique_prompt_tokens, row.critique_completion_tokens),
    latencyMs: toNumber(row.critique_latency_ms),
  };
  if (row.critique_parse_failure !== null) {
    critique.parseFailure = row.critique_parse_failure as string;
  }
  if (row.evidence !== null) critique.evidence = JSON.parse(row.evidence as string);
  return critique;
}
