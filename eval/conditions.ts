/**
 * The conditions an eval compares for every backbone: no knowledge, two controls, generated
 * knowledge (reasoning-only and R4), and vectors brought from outside.
 *
 * @module
 */

/**
 * Every condition, in report order.
 *
 * @example
 * ```ts
 * import { CONDITIONS } from "./conditions.ts";
 * console.assert(CONDITIONS[0] === "base");
 * ```
 */
export const CONDITIONS = ["base", "statistics", "history", "reasoning", "r4", "vectors"] as const;
/** One condition. */
export type Condition = typeof CONDITIONS[number];

/**
 * What `deno task eval` runs unless told otherwise (`vectors` joins when vectors are given).
 *
 * @example
 * ```ts
 * import { DEFAULT_CONDITIONS } from "./conditions.ts";
 * console.assert(DEFAULT_CONDITIONS.includes("history"));
 * ```
 */
export const DEFAULT_CONDITIONS: readonly Condition[] = [
  "base",
  "statistics",
  "history",
  "reasoning",
  "r4",
];

/**
 * Human names of the conditions.
 *
 * @example
 * ```ts
 * import { CONDITION_LABELS } from "./conditions.ts";
 * console.log(CONDITION_LABELS.history);
 * ```
 */
export const CONDITION_LABELS: Record<Condition, string> = {
  base: "base (no knowledge)",
  statistics: "statistics control",
  history: "plain-history control",
  reasoning: "reasoning-only knowledge",
  r4: "R4 knowledge (reflected, refined)",
  vectors: "brought-in vectors",
};

/**
 * Conditions that need the actor to generate knowledge.
 *
 * @example
 * ```ts
 * import { needsGeneration } from "./conditions.ts";
 * console.assert(!needsGeneration(["base", "history"]));
 * ```
 */
export function needsGeneration(conditions: readonly Condition[]): boolean {
  return conditions.includes("reasoning") || conditions.includes("r4");
}

/**
 * Parses a comma-separated list of conditions, failing in one line on an unknown name.
 *
 * @example
 * ```ts
 * import { parseConditions } from "./conditions.ts";
 * console.assert(parseConditions("base,vectors").length === 2);
 * ```
 */
export function parseConditions(list: string): Condition[] {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new Error(`--conditions: expected a comma-separated list`);
  for (const n of names) {
    if (!(CONDITIONS as readonly string[]).includes(n)) {
      throw new Error(`--conditions: unknown condition "${n}"; expected ${CONDITIONS.join(", ")}`);
    }
  }
  // Report order, whatever order they were given in.
  return CONDITIONS.filter((c) => names.includes(c));
}
