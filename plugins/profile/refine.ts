/**
 * Refinement for the profile actor: the cases a critique cites (a grounded reflector's
 * mispredicted interactions, or history titles an LLM critique quotes) and the smallest change of
 * the stated trait levels that accounts for them.
 *
 * @module
 */
import { GroundedEvidenceSchema } from "../grounded_reflector.ts";
import type { Critique, KnowledgeTask } from "../types.ts";
import { type ProbeVector, type ProfileModel, score, type Weights } from "./scoring.ts";
import { quote } from "./user_text.ts";
import { levelOf, ratingWord, type Scale } from "./words.ts";

/** A refinement case: the probe, the actual label and how the revision note names it. */
export interface Case {
  x: ProbeVector;
  like: boolean;
  describe: string;
}

const MARGIN = 0.1;
/** Traits a case may move: the text must still list them all within its word cap. */
const TRAITS_PER_CASE = 6;

function predictedWords(p: "like" | "dislike" | null | undefined): string {
  return p === "like"
    ? "predicted liked"
    : p === "dislike"
    ? "predicted disliked"
    : "no prediction";
}

/**
 * The cases a critique cites for a task.
 *
 * @example
 * ```ts
 * import { casesFrom } from "./refine.ts";
 * import { ProfileModel } from "./scoring.ts";
 * import { TraitSpace } from "./traits.ts";
 * import type { Critique, KnowledgeTask } from "../types.ts";
 * const space = new TraitSpace([
 *   { title: "", attributes: [], genres: [] },
 *   { title: "Heat (1995)", attributes: ["Action"], genres: ["Action", "Crime"], year: 1995 },
 *   { title: "Babe (1995)", attributes: ["Children's"], genres: ["Children's", "Comedy"], year: 1995 },
 * ], 256, 2);
 * const model = new ProfileModel(space, undefined, 3);
 * const domain = { itemNoun: "movie", ratingScale: [1, 5] as [number, number], likeThreshold: 3 };
 * const task: KnowledgeTask = {
 *   kind: "user",
 *   key: "demo:user:1:train",
 *   domain,
 *   history: [{ title: "Heat (1995)", rating: 5, item: 1 }, { title: "Babe (1995)", rating: 1, item: 2 }],
 * };
 * // A grounded critique: the draft mispredicted the first pair and got the second right.
 * const critique: Critique = {
 *   reasonable: false,
 *   feedback: "1 of 2 held-back ratings mispredicted",
 *   author: "grounded",
 *   usage: { prompt: 0, completion: 0 },
 *   latencyMs: 0,
 *   evidence: {
 *     method: "grounded", accuracy: 0.5, threshold: 0.75, held: 2, correct: 1,
 *     cases: [
 *       { role: "history", index: 0, title: "Heat (1995)", rating: 5, label: 1, predicted: "dislike", correct: false },
 *       { role: "history", index: 1, title: "Babe (1995)", rating: 1, label: 0, predicted: "dislike", correct: true },
 *     ],
 *   },
 * };
 * console.assert(casesFrom(model, task, critique).length === 1);
 * ```
 */
export function casesFrom(model: ProfileModel, task: KnowledgeTask, critique: Critique): Case[] {
  const evidence = GroundedEvidenceSchema.safeParse(critique.evidence);
  const out: Case[] = [];
  if (evidence.success) {
    for (const c of evidence.data.cases) {
      if (c.correct) continue;
      const like = c.label === 1;
      if (task.kind === "user") {
        const pair = c.index !== undefined ? task.history[c.index] : undefined;
        const title = c.title ?? pair?.title ?? "";
        const rating = c.rating ?? pair?.rating;
        const how = rating !== undefined
          ? ratingWord(task.domain, rating)
          : like
          ? "liked"
          : "disliked";
        out.push({
          x: model.itemProbe(model.itemOf({ title, item: c.item ?? pair?.item })),
          like,
          describe: `${quote(title, 40)} ${how}, ${predictedWords(c.predicted)}`,
        });
      } else if (c.role !== "history") {
        const history = c.role === "liker" ? task.likerHistory : task.dislikerHistory;
        out.push({
          x: model.userProbe(history),
          like,
          describe: `the ${like ? "fan" : "critic"} ${predictedWords(c.predicted)}`,
        });
      }
    }
    return out;
  }
  // A critique without grounded evidence (e.g. an LLM's): act on the history titles it quotes.
  if (task.kind === "user") {
    for (const p of task.history) {
      if (!critique.feedback.includes(p.title)) continue;
      out.push({
        x: model.itemProbe(model.itemOf(p)),
        like: p.rating > model.threshold,
        describe: `${quote(p.title, 40)} ${ratingWord(task.domain, p.rating)}, cited`,
      });
    }
  }
  return out;
}

/**
 * Moves the levels of each case's traits toward its actual label until every case (that has
 * traits) is scored on the right side, a few passes at most: a perceptron step sized to flip the
 * case, each weight then stated at its nearest level. Changed traits are pinned (kept in the text).
 *
 * @example
 * ```ts
 * import { account } from "./refine.ts";
 * import { USER_TRAIT } from "./words.ts";
 * const w = { kind: "user" as const, bias: 0.3, scalar: 0, terms: new Map<number, number>() };
 * const x = { scalar: 0, traits: new Map([[0, 1]]) };
 * account(w, [{ x, like: false, describe: "" }], new Set(), USER_TRAIT);
 * console.assert(w.terms.get(0)! < 0);
 * ```
 */
export function account(w: Weights, cases: Case[], pinned: Set<number>, scale: Scale): void {
  for (let pass = 0; pass < 4; pass++) {
    let changed = false;
    for (const c of cases) {
      const xs = [...c.x.traits].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
        .slice(0, TRAITS_PER_CASE);
      const norm = xs.reduce((s, [, v]) => s + v * v, 0);
      if (norm === 0) continue;
      const s = score(w, c.x);
      const y = c.like ? 1 : -1;
      if (s * y > 0) continue;
      const step = (Math.abs(s) + MARGIN) / norm;
      for (const [f, v] of xs) {
        const moved = (w.terms.get(f) ?? 0) + step * y * v;
        const stated = levelOf(scale, moved)?.value ?? 0;
        if (stated !== (w.terms.get(f) ?? 0)) changed = true;
        w.terms.set(f, stated);
        pinned.add(f);
      }
    }
    if (!changed) break;
  }
}
