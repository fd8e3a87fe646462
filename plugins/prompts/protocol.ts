/**
 * The protocol shared by prompts and parsers (docs/method.md#prompt-conventions,
 * docs/method.md#fixed-strings): tag names and the fixed verdict and judgement strings, per
 * knowledge kind and domain.
 *
 * @module
 */
import { domainWords } from "../domain.ts";
import type { Domain, KnowledgeKind } from "../types.ts";

/** Whether a prompt is target-aware (construction) or target-free (inference). */
export type PromptMode = "construction" | "inference";

/** The three roles of the method. */
export type PromptRole = "reason" | "reflect" | "refine";

/** Tag names (without angle brackets) for one domain. */
export interface TagNames {
  /** `User History`: the user's window (user kind). */
  userHistory: string;
  /** `Target Movie Name`: the target item (user kind) or the item described (item kind). */
  targetItemName: string;
  /** `Like User History`: a liker's window (item kind). */
  likeUserHistory: string;
  /** `Dislike User History`: a disliker's window (item kind). */
  dislikeUserHistory: string;
  /** `Target User History`: the construction target user (item kind) or a probe user. */
  targetUserHistory: string;
  /** `User Preference`: user knowledge in construction answers. */
  userPreference: string;
  /** `Movie Knowledge`: item knowledge in construction answers. */
  itemKnowledge: string;
  /** `Previous User Preference`: the draft handed to reflect and refine. */
  previousUserPreference: string;
  /** `Previous Movie Knowledge`: the draft handed to reflect and refine. */
  previousItemKnowledge: string;
  /** `Refined User Preference`: refined user knowledge in construction answers. */
  refinedUserPreference: string;
  /** `Refined Movie Knowledge`: refined item knowledge in construction answers. */
  refinedItemKnowledge: string;
  /** `Reflection`: the critique, in reflect answers and refine prompts. */
  reflection: string;
  /** `Question`: the task description inside reflect prompts. */
  question: string;
  /** `Final Verdict`: the prediction in construction and probe answers. */
  finalVerdict: string;
  /** `Final Judgement`: the judgement in reflect answers. */
  finalJudgement: string;
  /** Extra input of reflect prompts carrying a grounded reflector's findings (an extension). */
  evidence: string;
}

/**
 * Canonical tag names for a domain (`Book`/`Movie` swapped in).
 *
 * @example
 * ```ts
 * import { tagNames } from "./protocol.ts";
 * import { movieDomain } from "../domain.ts";
 * console.log(tagNames(movieDomain).itemKnowledge); // "Movie Knowledge"
 * ```
 */
export function tagNames(domain: Domain): TagNames {
  const { Noun } = domainWords(domain);
  return {
    userHistory: "User History",
    targetItemName: `Target ${Noun} Name`,
    likeUserHistory: "Like User History",
    dislikeUserHistory: "Dislike User History",
    targetUserHistory: "Target User History",
    userPreference: "User Preference",
    itemKnowledge: `${Noun} Knowledge`,
    previousUserPreference: "Previous User Preference",
    previousItemKnowledge: `Previous ${Noun} Knowledge`,
    // Canonical spelling for both datasets; parsers ignore case (ML-1M's source writes lower case).
    refinedUserPreference: "Refined User Preference",
    refinedItemKnowledge: `Refined ${Noun} Knowledge`,
    reflection: "Reflection",
    question: "Question",
    finalVerdict: "Final Verdict",
    finalJudgement: "Final Judgement",
    evidence: "Evidence",
  };
}

/** A pair of fixed answer strings. */
export interface FixedAnswers {
  /** "will like" / "is reasonable". */
  positive: string;
  /** "will not like" / "is not reasonable"; tested first. */
  negative: string;
}

/**
 * The fixed verdict strings of a knowledge kind: `user will like the target movie` /
 * `user will not like the target movie` (user), with `target ` prefixed for items.
 *
 * @example
 * ```ts
 * import { verdictStrings } from "./protocol.ts";
 * import { bookDomain } from "../domain.ts";
 * console.log(verdictStrings("item", bookDomain).negative); // "target user will not like the target book"
 * ```
 */
export function verdictStrings(kind: KnowledgeKind, domain: Domain): FixedAnswers {
  const { noun } = domainWords(domain);
  const subject = kind === "user" ? "user" : "target user";
  return {
    positive: `${subject} will like the target ${noun}`,
    negative: `${subject} will not like the target ${noun}`,
  };
}

/**
 * The fixed judgement strings: `The user preference is reasonable` / `... is not reasonable`, or
 * `The movie knowledge is ...` for items.
 *
 * @example
 * ```ts
 * import { judgementStrings } from "./protocol.ts";
 * import { movieDomain } from "../domain.ts";
 * console.log(judgementStrings("item", movieDomain).positive); // "The movie knowledge is reasonable"
 * ```
 */
export function judgementStrings(kind: KnowledgeKind, domain: Domain): FixedAnswers {
  const { noun } = domainWords(domain);
  const subject = kind === "user" ? "The user preference" : `The ${noun} knowledge`;
  return { positive: `${subject} is reasonable`, negative: `${subject} is not reasonable` };
}

/**
 * The tag that wraps knowledge in a construction-mode answer of a role (reason or refine).
 *
 * @example
 * ```ts
 * import { knowledgeOutputTag } from "./protocol.ts";
 * import { bookDomain } from "../domain.ts";
 * console.log(knowledgeOutputTag("item", "refine", bookDomain)); // "Refined Book Knowledge"
 * ```
 */
export function knowledgeOutputTag(
  kind: KnowledgeKind,
  role: "reason" | "refine",
  domain: Domain,
): string {
  const tags = tagNames(domain);
  if (kind === "user") return role === "reason" ? tags.userPreference : tags.refinedUserPreference;
  return role === "reason" ? tags.itemKnowledge : tags.refinedItemKnowledge;
}

/**
 * Every tag name of a domain's protocol; parsers end an unclosed tag at the next of these.
 *
 * @example
 * ```ts
 * import { allTagNames } from "./protocol.ts";
 * import { movieDomain } from "../domain.ts";
 * console.log(allTagNames(movieDomain).includes("Final Verdict")); // true
 * ```
 */
export function allTagNames(domain: Domain): string[] {
  return Object.values(tagNames(domain));
}
