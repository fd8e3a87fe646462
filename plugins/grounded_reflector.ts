/**
 * The `grounded` reflector: judges knowledge by whether it explains the entity's own
 * training-period behaviour — the signal R4ec's reflection model is trained to imitate
 * (docs/method.md#offline-components: a draft is "reasonable" when its verdicts match the labels).
 * It holds back k interactions the actor could see (user kind: k pairs of the task's own window;
 * item kind: the liker and the disliker), asks the actor for a verdict on each, compares with the
 * actual ratings, and either accepts the draft or names the mispredicted cases. No language model
 * is involved; works with any {@link Actor}.
 *
 * @module
 */
import { z } from "zod";
import { quote } from "../util/quote.ts";
import { hashSeed, mulberry32 } from "../util/random.ts";
import type {
  Actor,
  ConstructionTarget,
  Critique,
  Draft,
  KnowledgeTask,
  Reflector,
  StageContext,
  Verdict,
} from "./types.ts";

/**
 * One held-back interaction and what the actor said about it.
 *
 * The runtime check of {@linkcode GroundedCase}. Internal to the documented API: its type is zod's,
 * which the API does not expose; the public contract is the type (checked to agree at compile
 * time).
 *
 * @internal
 *
 * @example
 * ```ts
 * import { GroundedCaseSchema } from "./grounded_reflector.ts";
 * GroundedCaseSchema.parse({ role: "liker", label: 1, predicted: "dislike", correct: false });
 * ```
 */
export const GroundedCaseSchema = z.object({
  /** `history`: a pair of the user's own window; `liker` / `disliker`: the item task's raters. */
  role: z.enum(["history", "liker", "disliker"]),
  /** Index of the pair in the task's history (`history` role). */
  index: z.number().int().nonnegative().optional(),
  /** Title of the held-back item (`history` role). */
  title: z.string().optional(),
  /** Dense item index when the task carries it. */
  item: z.number().int().optional(),
  /** Actual rating when the task shows it (`history` role; item raters' ratings are not shown). */
  rating: z.number().int().optional(),
  /** Ground truth: 1 = like (rating above the domain's threshold). */
  label: z.union([z.literal(0), z.literal(1)]),
  /** The actor's verdict; `null` when it gave none that could be parsed. */
  predicted: z.enum(["like", "dislike"]).nullable(),
  correct: z.boolean(),
});
/** One held-back interaction and what the actor said about it. */
export type GroundedCase = {
  /** `history`: a pair of the user's own window; `liker` / `disliker`: the item task's raters. */
  role: "history" | "liker" | "disliker";
  /** Index of the pair in the task's history (`history` role). */
  index?: number;
  /** Title of the held-back item (`history` role). */
  title?: string;
  /** Dense item index when the task carries it. */
  item?: number;
  /** Actual rating when the task shows it (`history` role; item raters' ratings are not shown). */
  rating?: number;
  /** Ground truth: 1 = like (rating above the domain's threshold). */
  label: 0 | 1;
  /** The actor's verdict; `null` when it gave none that could be parsed. */
  predicted: Verdict | null;
  /** Whether `predicted` matches `label`. */
  correct: boolean;
};

/**
 * What the grounded reflector puts in {@link Critique.evidence}; refiners read the cases from it.
 *
 * The runtime check of {@linkcode GroundedEvidence}, internal like {@linkcode GroundedCaseSchema}.
 *
 * @internal
 *
 * @example
 * ```ts
 * import { GroundedEvidenceSchema, groundedReflector } from "./grounded_reflector.ts";
 * import type { Actor, Draft, KnowledgeTask } from "./types.ts";
 * const task: KnowledgeTask = {
 *   kind: "user",
 *   key: "demo:user:1:train",
 *   domain: { itemNoun: "movie", ratingScale: [1, 5], likeThreshold: 3 },
 *   history: [{ title: "Heat", rating: 5 }, { title: "Cats", rating: 1 }],
 * };
 * const draft: Draft = { text: "likes everything", author: "likes-all", usage: { prompt: 0, completion: 0 }, latencyMs: 0 };
 * const likesAll: Actor = {
 *   id: "likes-all",
 *   kind: "deterministic",
 *   reason: () => Promise.resolve(draft),
 *   refine: (_task, d) => Promise.resolve(d),
 *   verdict: () => Promise.resolve("like"),
 * };
 * const critique = await groundedReflector({ actor: likesAll, k: 2 }).reflect(task, draft);
 * const evidence = GroundedEvidenceSchema.safeParse(critique.evidence);
 * if (evidence.success) console.log(evidence.data.accuracy, evidence.data.cases.filter((c) => !c.correct));
 * console.assert(evidence.success && evidence.data.accuracy === 0.5);
 * ```
 */
export const GroundedEvidenceSchema = z.object({
  method: z.literal("grounded"),
  /** Share of held-back cases predicted correctly; `null` when there was nothing to hold back. */
  accuracy: z.number().min(0).max(1).nullable(),
  threshold: z.number(),
  held: z.number().int().nonnegative(),
  correct: z.number().int().nonnegative(),
  cases: z.array(GroundedCaseSchema),
});
/** What the grounded reflector puts in {@link Critique.evidence}. */
export type GroundedEvidence = {
  /** Always `grounded`: tells this evidence from other reflectors'. */
  method: "grounded";
  /** Share of held-back cases predicted correctly; `null` when there was nothing to hold back. */
  accuracy: number | null;
  /** The accuracy at or above which the draft was judged reasonable. */
  threshold: number;
  /** How many cases were held back. */
  held: number;
  /** How many of them the actor predicted correctly. */
  correct: number;
  /** Every held-back case, in the order checked. */
  cases: GroundedCase[];
};

// The schemas' outputs are the types, checked at compile time so that neither drifts alone.
type Same<A, B> = [A, keyof A] extends [B, keyof B]
  ? [B, keyof B] extends [A, keyof A] ? true : false
  : false;
type Agree<T extends true> = T;
type _SchemasAgreeWithTypes = [
  Agree<Same<z.output<typeof GroundedCaseSchema>, GroundedCase>>,
  Agree<Same<z.output<typeof GroundedEvidenceSchema>, GroundedEvidence>>,
];

/**
 * Options of {@link groundedReflector}.
 *
 * @example
 * ```ts
 * import type { GroundedReflectorOptions } from "./grounded_reflector.ts";
 * import { profileActor } from "./profile/actor.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const actor = profileActor({ dataset });
 * const options: GroundedReflectorOptions = { actor, k: 4, threshold: 0.75, seed: 0 };
 * ```
 */
export interface GroundedReflectorOptions {
  /** The actor whose verdicts are checked (any actor with `verdict`). */
  actor: Actor;
  /** How many window pairs a user task holds back (default 4); item tasks use at most 2 (liker, disliker). */
  k?: number;
  /** Accuracy at or above which the draft is reasonable (default 0.75). */
  threshold?: number;
  /** Seed of the per-task choice of held-back pairs (default 0). */
  seed?: number;
  /** Reflector id (default `grounded(k=…,threshold=…)`). */
  id?: string;
}

/**
 * Which pairs of a window are held back: `k` distinct indices chosen by a seeded shuffle of the
 * task key, returned in chronological order. The same task and seed always give the same pairs,
 * so successive rounds are judged on the same evidence.
 *
 * @example
 * ```ts
 * import { heldBackIndices } from "./grounded_reflector.ts";
 * console.log(heldBackIndices("ml-1m:user:1", 10, 4, 0)); // four indices in 0..9
 * ```
 */
export function heldBackIndices(key: string, length: number, k: number, seed: number): number[] {
  const rand = mulberry32(hashSeed(seed, key));
  const order = Array.from({ length }, (_, i) => i);
  const take = Math.min(k, length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rand() * (length - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, take).sort((a, b) => a - b);
}

interface Probe {
  case: Omit<GroundedCase, "predicted" | "correct">;
  target: Omit<ConstructionTarget, "label">;
}

function probesOf(task: KnowledgeTask, k: number, seed: number): Probe[] {
  const threshold = task.domain.likeThreshold;
  if (task.kind === "user") {
    return heldBackIndices(task.key, task.history.length, k, seed).map((index) => {
      const pair = task.history[index];
      return {
        case: {
          role: "history" as const,
          index,
          title: pair.title,
          ...(pair.item !== undefined ? { item: pair.item } : {}),
          rating: pair.rating,
          label: pair.rating > threshold ? 1 : 0,
        },
        target: { itemTitle: pair.title },
      };
    });
  }
  const raters: Probe[] = [];
  if (task.likerHistory.length > 0) {
    raters.push({
      case: { role: "liker", label: 1 },
      target: { userHistory: task.likerHistory },
    });
  }
  if (task.dislikerHistory.length > 0) {
    raters.push({
      case: { role: "disliker", label: 0 },
      target: { userHistory: task.dislikerHistory },
    });
  }
  if (k >= raters.length) return raters;
  // Fewer probes than raters: a seeded choice, as for windows.
  return heldBackIndices(task.key, raters.length, k, seed).map((i) => raters[i]);
}

function describeMiss(task: KnowledgeTask, c: GroundedCase): string {
  const noun = task.domain.itemNoun;
  const said = c.predicted === null ? "gave no usable verdict" : `predicted ${c.predicted}`;
  if (c.role === "history") {
    const actual = c.label === 1 ? "a like" : "a dislike";
    return `${quote(c.title ?? "")}: ${said}, but the user rated it ${c.rating} (${actual})`;
  }
  const history = task.kind === "item"
    ? (c.role === "liker" ? task.likerHistory : task.dislikerHistory)
    : [];
  const shown = history.slice(-3).map((p) => `${quote(p.title)} ${p.rating}`).join(", ");
  const who = c.role === "liker"
    ? `the user who liked this ${noun} (rating above ${task.domain.likeThreshold})`
    : `the user who disliked this ${noun} (rating ${task.domain.likeThreshold} or below)`;
  return `${who}, whose recent ratings include ${shown}: ${said}`;
}

/**
 * Creates a grounded reflector around an actor.
 *
 * @example
 * ```ts
 * import { groundedReflector } from "./grounded_reflector.ts";
 * import { profileActor } from "./profile/actor.ts";
 * import { knowledgeTasks } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const actor = profileActor({ dataset });
 * const reflector = groundedReflector({ actor, k: 4, threshold: 0.75, seed: 0 });
 * const [task] = knowledgeTasks(dataset);
 * const critique = await reflector.reflect(task, await actor.reason(task));
 * console.log(critique.reasonable, critique.feedback);
 * ```
 */
export function groundedReflector(options: GroundedReflectorOptions): Reflector {
  const k = options.k ?? 4;
  const threshold = options.threshold ?? 0.75;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`groundedReflector: k must be a positive integer, got ${k}`);
  }
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new Error(`groundedReflector: threshold must lie in [0, 1], got ${threshold}`);
  }
  const id = options.id ?? `grounded(k=${k},threshold=${threshold})`;
  const actor = options.actor;
  return {
    id,
    kind: "deterministic",
    async reflect(task: KnowledgeTask, draft: Draft, ctx?: StageContext): Promise<Critique> {
      const started = performance.now();
      const probes = probesOf(task, k, seed);
      const cases: GroundedCase[] = [];
      for (const probe of probes) {
        ctx?.signal?.throwIfAborted();
        const predicted = (await actor.verdict(task, draft, probe.target, ctx)) ?? null;
        const correct = predicted !== null && (predicted === "like") === (probe.case.label === 1);
        cases.push({ ...probe.case, predicted, correct });
      }
      const correct = cases.filter((c) => c.correct).length;
      const accuracy = cases.length ? correct / cases.length : null;
      const evidence: GroundedEvidence = {
        method: "grounded",
        accuracy,
        threshold,
        held: cases.length,
        correct,
        cases,
      };
      // Nothing to hold back: no evidence against the draft.
      const reasonable = accuracy === null || accuracy >= threshold;
      ctx?.trace?.({ stage: "grounded-reflect", key: task.key, detail: { accuracy, reasonable } });
      const what = task.kind === "user"
        ? "held-back ratings from the user's own history"
        : `held-back raters of this ${task.domain.itemNoun}`;
      const feedback = reasonable ? "" : [
        `Grounded check (statistical, no language model): the knowledge predicts ${correct} of ` +
        `${cases.length} ${what} correctly (${Math.round((accuracy ?? 0) * 100)}%; ` +
        `needs ${Math.round(threshold * 100)}%).`,
        `Mispredicted: ${
          cases.filter((c) => !c.correct).map((c) => describeMiss(task, c)).join("; ")
        }.`,
        task.kind === "user"
          ? "Revise the preference so that it accounts for these ratings."
          : "Revise the knowledge so that it accounts for these users.",
      ].join(" ");
      return {
        reasonable,
        feedback,
        author: id,
        usage: { prompt: 0, completion: 0 },
        latencyMs: performance.now() - started,
        evidence,
      };
    },
  };
}
