/**
 * Statistics of generated knowledge, read back from the stored records (so a resumed run reports
 * the same figures as the run that generated them).
 *
 * @module
 */
import type { KnowledgeRecord } from "../plugins/types.ts";
import { type StageTokens, stageTokens } from "./token_usage.ts";

/** Judgements of one reflection round. */
export interface RoundStats {
  /** 1-based reflection round. */
  round: number;
  judged: number;
  reasonable: number;
  /** `reasonable / judged`. */
  reasonableRate: number;
  /** Critiques that could not be parsed. */
  unparsable: number;
}

/** What the knowledge of one kind (or all kinds) looks like. */
export interface KnowledgeStats {
  records: number;
  /** Records per number of refinements that changed the text (0, 1, ...). */
  refinements: Record<string, number>;
  rounds: RoundStats[];
  /** Drafts and critiques whose output could not be parsed. */
  parseFailures: number;
  tokens: { prompt: number; completion: number };
  /** Tokens per stage and round, unknown counts apart (absent in older reports). */
  stages?: StageTokens[];
  /** Mean words of the final texts. */
  meanWords: number;
  /** Records whose final text differs from the first draft. */
  changedByRefinement: number;
}

/**
 * Summarises knowledge records.
 *
 * @example
 * ```ts
 * import { knowledgeStats } from "./knowledge_stats.ts";
 * const s = knowledgeStats([]);
 * console.assert(s.records === 0);
 * ```
 */
export function knowledgeStats(records: KnowledgeRecord[]): KnowledgeStats {
  const rounds: RoundStats[] = [];
  const refinements: Record<string, number> = {};
  let parseFailures = 0, prompt = 0, completion = 0, words = 0, changed = 0;
  for (const r of records) {
    let refined = 0;
    for (const round of r.rounds) {
      if (round.round > 0) refined++;
      if (round.draft.parseFailure) parseFailures++;
      prompt += round.draft.usage?.prompt ?? 0;
      completion += round.draft.usage?.completion ?? 0;
      const c = round.critique;
      if (!c) continue;
      prompt += c.usage?.prompt ?? 0;
      completion += c.usage?.completion ?? 0;
      const k = round.round;
      rounds[k] ??= { round: k + 1, judged: 0, reasonable: 0, reasonableRate: 0, unparsable: 0 };
      rounds[k].judged++;
      if (c.parseFailure) {
        parseFailures++;
        rounds[k].unparsable++;
      } else if (c.reasonable) rounds[k].reasonable++;
    }
    refinements[refined] = (refinements[refined] ?? 0) + 1;
    words += r.final.text.split(/\s+/).filter(Boolean).length;
    if (r.final.text !== r.first.text) changed++;
  }
  const dense = rounds.filter(Boolean);
  for (const s of dense) s.reasonableRate = s.judged ? s.reasonable / s.judged : 0;
  return {
    records: records.length,
    refinements,
    rounds: dense,
    parseFailures,
    tokens: { prompt, completion },
    stages: stageTokens(records),
    meanWords: records.length ? words / records.length : 0,
    changedByRefinement: changed,
  };
}
