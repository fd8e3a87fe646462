/**
 * The `profile` actor: an honest no-LLM baseline that writes knowledge from interaction statistics.
 * Every text opens by saying it is a statistical profile, and states everything in words a
 * bag-of-words encoder can read (see `words.ts`).
 *
 * - **User knowledge** from the window: the user as a rater (tendency, leniency against the
 *   audience), every rated title with how it was rated, and the genres, eras and description
 *   themes the user favours or avoids.
 * - **Item knowledge** from metadata and the audience: reception, which users' tastes it suits
 *   (its likers' tastes against its dislikers'), and an example fan's and critic's favourites.
 * - **verdict** scores a probe with the weights the draft states (read back from its text), so the
 *   verdict tests what the knowledge says, never the history.
 * - **refine** moves the stated levels of the traits of the cases a critique cites until the text
 *   accounts for them, and notes the cases.
 *
 * @module
 */
import type { DatasetDomain, InteractionTable, ItemInfo } from "../../datasets/types.ts";
import type {
  Actor,
  ConstructionTarget,
  Critique,
  Draft,
  KnowledgeTask,
  StageContext,
  Verdict,
} from "../types.ts";
import { Audience } from "./audience.ts";
import { fitItemText } from "./item_text.ts";
import { ProfileReader } from "./read_back.ts";
import { account, casesFrom } from "./refine.ts";
import { ProfileModel, score, type Weights } from "./scoring.ts";
import { TraitSpace } from "./traits.ts";
import { fitUserText } from "./user_text.ts";
import { ITEM_TRAIT, levelOf, RECEPTION, type Scale, USER_TENDENCY, USER_TRAIT } from "./words.ts";

/**
 * What the profile actor reads: item metadata, the domain, and optionally interactions for
 * audience statistics (a whole `CtrDataset` fits).
 *
 * @example
 * ```ts
 * import type { ProfileSource } from "./actor.ts";
 * const source: ProfileSource = {
 *   itemInfo: [{ title: "", attributes: [], genres: [] }, { title: "Heat (1995)", attributes: ["Action"], genres: ["Action", "Crime"], year: 1995 }],
 *   domain: { itemNoun: "movie", ratingScale: [1, 5], likeThreshold: 3 },
 * };
 * ```
 */
export interface ProfileSource {
  /** Descriptive item info by dense item index (index 0 is a placeholder). */
  itemInfo: ItemInfo[];
  /** Like-threshold and nouns. */
  domain: DatasetDomain;
  /** Interactions for audience statistics; without them item knowledge uses the task's raters. */
  trainPeriod?: InteractionTable;
  /**
   * With `trainPeriod`: only positions before it are read (a prepared dataset's first CTR target
   * position), so no target's rating reaches any text.
   */
  firstTarget?: number;
}

/**
 * Options of {@link profileActor}.
 *
 * @example
 * ```ts
 * import type { ProfileActorOptions } from "./actor.ts";
 * import { prepareDataset } from "../../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const options: ProfileActorOptions = { dataset, maxWords: 150 };
 * ```
 */
export interface ProfileActorOptions {
  /** A prepared dataset, or the parts of one the actor reads. */
  dataset: ProfileSource;
  /** Word cap of a knowledge text (default 200). */
  maxWords?: number;
  /** Size of the description-keyword vocabulary (default 256 most frequent qualifying words). */
  keywordVocabulary?: number;
  /** A keyword must describe at least this many items (default 2). */
  minKeywordItems?: number;
  /** Actor id (default `profile`). */
  id?: string;
}

/**
 * The profile actor, with the feature space it scores in (exposed for diagnostics and tests).
 *
 * @example
 * ```ts
 * import { profileActor } from "./actor.ts";
 * import { prepareDataset } from "../../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const actor = profileActor({ dataset });
 * console.log(actor.itemTraits(1)); // e.g. ["genre:Animation", "era:1990s"]
 * ```
 */
export interface ProfileActor extends Actor {
  /** Always `deterministic`: no language model is involved. */
  readonly kind: "deterministic";
  /** Traits of an item as `namespace:name` keys (`genre:Comedy`, `era:1990s`, `theme:witty`). */
  itemTraits(item: number): string[];
  /** Dense item index of a title, when known. */
  itemOfTitle(title: string): number | undefined;
}

/** Weights as a text states them: every term at its level (or dropped), the bias at its level. */
function stated(w: Weights, traits: Scale, bias: Scale): Weights {
  const terms = new Map<number, number>();
  for (const [f, v] of w.terms) {
    const level = levelOf(traits, v);
    if (level) terms.set(f, level.value);
  }
  return { ...w, bias: levelOf(bias, w.bias)!.value, terms };
}

function draftOf(text: string, author: string, started: number): Draft {
  return {
    text,
    author,
    usage: { prompt: 0, completion: 0 },
    latencyMs: performance.now() - started,
  };
}

/**
 * Creates the profile actor over a prepared dataset (or its item metadata and interactions).
 * Building it indexes traits and audience statistics once; each call is then cheap.
 *
 * @example
 * ```ts
 * import { profileActor } from "./actor.ts";
 * import { knowledgeTasks } from "../tasks.ts";
 * import { prepareDataset } from "../../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const [task] = knowledgeTasks(dataset);
 * const actor = profileActor({ dataset });
 * const draft = await actor.reason(task);
 * console.log(draft.text.startsWith("Statistical")); // true
 * ```
 */
export function profileActor(options: ProfileActorOptions): ProfileActor {
  const { dataset } = options;
  if (!dataset || !Array.isArray(dataset.itemInfo)) {
    throw new Error("profileActor: options.dataset.itemInfo must be an array of ItemInfo");
  }
  const id = options.id ?? "profile";
  const maxWords = options.maxWords ?? 200;
  const space = new TraitSpace(
    dataset.itemInfo,
    options.keywordVocabulary ?? 256,
    options.minKeywordItems ?? 2,
  );
  const threshold = dataset.domain.likeThreshold;
  const audience = dataset.trainPeriod
    ? new Audience(space, dataset.trainPeriod, threshold, dataset.firstTarget)
    : undefined;
  const model = new ProfileModel(space, audience, threshold);
  const reader = new ProfileReader(space, audience !== undefined);

  function userDraft(
    task: Extract<KnowledgeTask, { kind: "user" }>,
    w: Weights,
    pinned: Set<number>,
    revised: string[],
  ): string {
    const taste = model.tasteOf(task.history);
    const parts = { task, taste, weights: w, revised, audience: audience !== undefined };
    return fitUserText(space, parts, pinned, maxWords);
  }

  function itemDraft(
    task: Extract<KnowledgeTask, { kind: "item" }>,
    w: Weights,
    pinned: Set<number>,
    revised: string[],
  ): string {
    const item = space.titleIndex.get(task.title);
    const known = item !== undefined && audience?.knows(item) === true;
    return fitItemText(
      space,
      { task, item, weights: w, audience: known, revised },
      pinned,
      maxWords,
    );
  }

  /** The weights a task's inputs support, as a text states them. */
  function fresh(task: KnowledgeTask): Weights {
    if (task.kind === "user") {
      return stated(model.userWeights(model.tasteOf(task.history)), USER_TRAIT, USER_TENDENCY);
    }
    const item = space.titleIndex.get(task.title);
    const w = model.itemWeights(item, task.likerHistory, task.dislikerHistory);
    return stated(w, ITEM_TRAIT, RECEPTION);
  }

  const render = (task: KnowledgeTask, w: Weights, pinned: Set<number>, revised: string[]) =>
    task.kind === "user"
      ? userDraft(task, w, pinned, revised)
      : itemDraft(task, w, pinned, revised);

  return {
    id,
    kind: "deterministic",
    itemTraits: (item) => [...space.of(item)].map((f) => space.key(f)),
    itemOfTitle: (title) => space.titleIndex.get(title),

    reason(task: KnowledgeTask, ctx?: StageContext): Promise<Draft> {
      const started = performance.now();
      ctx?.signal?.throwIfAborted();
      return Promise.resolve(draftOf(render(task, fresh(task), new Set(), []), id, started));
    },

    refine(task: KnowledgeTask, draft: Draft, critique: Critique, ctx?: StageContext) {
      const started = performance.now();
      ctx?.signal?.throwIfAborted();
      const cases = casesFrom(model, task, critique);
      // A draft this actor did not write is replaced by its own profile before accounting.
      const current = reader.read(draft.text, task.kind);
      const w = current ? { ...current, terms: new Map(current.terms) } : fresh(task);
      const pinned = new Set<number>();
      account(w, cases, pinned, task.kind === "user" ? USER_TRAIT : ITEM_TRAIT);
      const text = render(task, w, pinned, cases.map((c) => c.describe));
      return Promise.resolve(draftOf(text, id, started));
    },

    verdict(
      task: KnowledgeTask,
      draft: Draft,
      probe: Omit<ConstructionTarget, "label">,
      ctx?: StageContext,
    ): Promise<Verdict | undefined> {
      ctx?.signal?.throwIfAborted();
      const w = reader.read(draft.text, task.kind);
      if (!w) return Promise.resolve(undefined);
      let x;
      if (task.kind === "user") {
        if (probe.itemTitle === undefined) return Promise.resolve(undefined);
        x = model.itemProbe(space.titleIndex.get(probe.itemTitle));
      } else {
        if (probe.userHistory === undefined) return Promise.resolve(undefined);
        x = model.userProbe(probe.userHistory);
      }
      return Promise.resolve(score(w, x) > 0 ? "like" : "dislike");
    },
  };
}
