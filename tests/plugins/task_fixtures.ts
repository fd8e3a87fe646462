/**
 * Knowledge tasks shared by the plugin tests: an ML-1M-style user window and an Amazon-style item.
 *
 * @module
 */
import { bookDomain, movieDomain } from "../../plugins/domain.ts";
import type { KnowledgeTask, RatedTitle } from "../../plugins/types.ts";

/** Ten chronological movie ratings (oldest first). */
export const movieHistory: RatedTitle[] = [
  { title: "Toy Story (1995)", rating: 5 },
  { title: "Schindler's List (1993)", rating: 4 },
  { title: "A Bronx Tale (1993)", rating: 3 },
  { title: "The American President (1995)", rating: 2 },
  { title: "Babe (1995)", rating: 5 },
  { title: "Casino (1995)", rating: 1 },
  { title: "Sense and Sensibility (1995)", rating: 4 },
  { title: "Apollo 13 (1995)", rating: 5 },
  { title: "Dead Man Walking (1995)", rating: 3 },
  { title: "Jumanji (1995)", rating: 4 },
];

/** Book histories. */
export const likerHistory: RatedTitle[] = [
  { title: "Never Never", rating: 5 },
  { title: "Throb", rating: 2 },
  { title: "Ugly Love", rating: 5 },
];
export const dislikerHistory: RatedTitle[] = [
  { title: "The Martian", rating: 5 },
  { title: "Gone Girl", rating: 4 },
];
export const targetUserHistory: RatedTitle[] = [
  { title: "Hopeless", rating: 5 },
  { title: "Slammed", rating: 4 },
];

/** A user task in inference mode. */
export const userTask: KnowledgeTask = {
  kind: "user",
  key: "ml-1m:user:42:train",
  domain: movieDomain,
  history: movieHistory,
};

/** The same user window with a construction target. */
export function userConstructionTask(label: 0 | 1 = 1): KnowledgeTask {
  return { ...userTask, target: { itemTitle: "Heat (1995)", label } };
}

/** An item task in inference mode. */
export const itemTask: KnowledgeTask = {
  kind: "item",
  key: "amazon-book:item:7:train",
  domain: bookDomain,
  title: "It Ends with Us",
  attributes: [],
  likerHistory,
  dislikerHistory,
};

/** The same item with a construction target. */
export function itemConstructionTask(label: 0 | 1 = 1): KnowledgeTask {
  return { ...itemTask, target: { userHistory: targetUserHistory, label } };
}
