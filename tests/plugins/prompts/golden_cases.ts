/**
 * Prompt cases whose rendered text is pinned in `tests/fixtures/prompts_golden.json`: every one of
 * the 12 kinds over three domains (one with a two-word noun), with awkward inputs (empty histories, titles holding braces and
 * line breaks, padded knowledge, empty critiques, blank and multi-line evidence).
 *
 * @module
 */
import { bookDomain, defineDomain, movieDomain } from "../../../plugins/domain.ts";
import type { Domain, KnowledgeTask, RatedTitle } from "../../../plugins/types.ts";

/** One pinned prompt: which kind, for which task, with which inputs. */
export interface GoldenCase {
  name: string;
  role: "reason" | "reflect" | "refine";
  task: KnowledgeTask;
  knowledge?: string;
  reflection?: string;
  evidence?: string;
}

const boardGames = defineDomain({ itemNoun: "Board Game", ratingScale: [1, 10], likeThreshold: 7 });

const histories: Record<string, RatedTitle[]> = {
  plain: [
    { title: "Toy Story (1995)", rating: 5 },
    { title: "Schindler's List (1993)", rating: 2 },
  ],
  awkward: [
    { title: "The {noun} Affair", rating: 4 },
    { title: "Braces {{ and }} here", rating: 1 },
    { title: "Line\nBreak  Title", rating: 5 },
  ],
  empty: [],
};

function tasks(domain: Domain, label: string, which: string[]): [string, KnowledgeTask][] {
  const out: [string, KnowledgeTask][] = [];
  for (const h of which) {
    const history = histories[h];
    const user: KnowledgeTask = { kind: "user", key: `${label}:u:${h}`, domain, history };
    out.push([`${label}/user/${h}/inference`, user]);
    out.push([`${label}/user/${h}/construction`, {
      ...user,
      target: { itemTitle: h === "awkward" ? "  {item_title} Returns " : "Heat (1995)", label: 1 },
    }]);
    const item: KnowledgeTask = {
      kind: "item",
      key: `${label}:i:${h}`,
      domain,
      title: h === "awkward" ? "It {Noun} with Us" : "It Ends with Us",
      attributes: [],
      likerHistory: history,
      dislikerHistory: h === "plain" ? [{ title: "Gone Girl", rating: 1 }] : [],
    };
    out.push([`${label}/item/${h}/inference`, item]);
    out.push([`${label}/item/${h}/construction`, {
      ...item,
      target: { userHistory: h === "empty" ? [] : histories.plain, label: 0 },
    }]);
  }
  return out;
}

/**
 * Every pinned case.
 *
 * @example
 * ```ts
 * import { goldenCases } from "./golden_cases.ts";
 * console.log(goldenCases().length);
 * ```
 */
export function goldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  const all = [
    ...tasks(movieDomain, "movie", ["plain", "awkward", "empty"]),
    ...tasks(bookDomain, "book", ["plain"]),
    ...tasks(boardGames, "games", ["awkward"]),
  ];
  for (const [name, task] of all) {
    cases.push({ name: `${name}/reason`, role: "reason", task });
    cases.push({ name: `${name}/reflect`, role: "reflect", task, knowledge: "Likes {noun}s." });
    cases.push({
      name: `${name}/reflect/padded`,
      role: "reflect",
      task,
      knowledge: "  \n Padded knowledge.\n\n",
      evidence: "   ",
    });
    cases.push({
      name: `${name}/reflect/evidence`,
      role: "reflect",
      task,
      knowledge: "Enjoys comedies.",
      evidence: "\n- 'Heat': predicted like; actual rating 2 (wrong).\n- {evidence}\n",
    });
    cases.push({
      name: `${name}/refine`,
      role: "refine",
      task,
      knowledge: "Enjoys comedies.",
      reflection: " It ignores the dislikes. ",
    });
    cases.push({
      name: `${name}/refine/empty-critique`,
      role: "refine",
      task,
      knowledge: "Enjoys comedies.",
      reflection: "",
    });
  }
  return cases;
}
