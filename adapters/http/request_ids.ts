/**
 * What a request names, checked against the bundle: raw item ids become dense ids (unknown ones
 * collected and refused together, as a 404 naming them), ratings are checked against the scale
 * the model was trained on, and rated histories become the titled pairs the actor reads.
 *
 * @module
 */
import type { RatedTitle } from "../../plugins/types.ts";
import type { ServingBundle } from "./bundle.ts";
import { HttpProblem, type ProblemField } from "./problem.ts";

/**
 * One interaction as a request gives it (raw item id).
 *
 * @example
 * ```ts
 * import type { RawInteraction } from "./request_ids.ts";
 * const h: RawInteraction = { item: "1193", rating: 5 };
 * ```
 */
export interface RawInteraction {
  item: string | number;
  rating: number;
}

/**
 * The dense id of raw item `raw`, or 0 with an entry in `unknown` naming `field`.
 *
 * @example
 * ```ts
 * import { denseItem } from "./request_ids.ts";
 * import type { ServingBundle } from "./bundle.ts";
 * function example(bundle: ServingBundle) {
 *   const unknown: { field: string; message: string }[] = [];
 *   const dense = denseItem(bundle, "1193", "body.items[0]", unknown);
 * }
 * ```
 */
export function denseItem(
  bundle: ServingBundle,
  raw: string | number,
  field: string,
  unknown: ProblemField[],
): number {
  const dense = bundle.itemIndex.get(String(raw));
  if (dense === undefined) unknown.push({ field, message: `unknown item "${raw}"` });
  return dense ?? 0;
}

/**
 * Throws a 404 problem naming the unknown `what`s collected, if any.
 *
 * @example
 * ```ts
 * import { refuseUnknown } from "./request_ids.ts";
 * refuseUnknown([], "item"); // nothing unknown: returns
 * ```
 */
export function refuseUnknown(unknown: ProblemField[], what: string): void {
  if (unknown.length === 0) return;
  throw new HttpProblem(
    404,
    `${unknown.length} unknown ${what}${unknown.length > 1 ? "s" : ""}: ${
      unknown.slice(0, 5).map((u) => u.message.replace(/^unknown \w+ /, "")).join(", ")
    }`,
    { type: `urn:r4ec:problem:unknown-${what}`, errors: unknown.slice(0, 20) },
  );
}

/**
 * Throws a 422 problem when a rating of `history` lies outside the scale the model knows.
 *
 * @example
 * ```ts
 * import { checkRatings } from "./request_ids.ts";
 * import type { ServingBundle } from "./bundle.ts";
 * function example(bundle: ServingBundle) {
 *   checkRatings(bundle, [{ rating: 4 }], "body.history");
 * }
 * ```
 */
export function checkRatings(
  bundle: ServingBundle,
  history: { rating: number }[],
  where: string,
): void {
  const [low, high] = bundle.manifest.domain.ratingScale;
  const max = Math.min(high, bundle.model.config.ratingValues - 1);
  const bad = history.flatMap((h, i) =>
    h.rating < low || h.rating > max
      ? [{
        field: `${where}[${i}].rating`,
        message: `rating ${h.rating} is outside [${low}, ${max}]`,
      }]
      : []
  );
  if (bad.length > 0) {
    throw new HttpProblem(422, bad[0].message + ` (${bad[0].field})`, {
      type: "urn:r4ec:problem:validation",
      errors: bad.slice(0, 20),
    });
  }
}

/**
 * A history from a request as titled pairs (ratings and items checked first).
 *
 * @example
 * ```ts
 * import { titledFromRequest } from "./request_ids.ts";
 * import type { ServingBundle } from "./bundle.ts";
 * function example(bundle: ServingBundle) {
 *   const pairs = titledFromRequest(bundle, [{ item: "1193", rating: 5 }], "body.history");
 * }
 * ```
 */
export function titledFromRequest(
  bundle: ServingBundle,
  history: RawInteraction[],
  where: string,
): RatedTitle[] {
  checkRatings(bundle, history, where);
  const unknown: ProblemField[] = [];
  const pairs: [number, number][] = history.map((h, i) => [
    denseItem(bundle, h.item, `${where}[${i}].item`, unknown),
    h.rating,
  ]);
  refuseUnknown(unknown, "item");
  return titledFromBundle(bundle, pairs);
}

/**
 * `[dense item, rating]` pairs the bundle holds as titled pairs.
 *
 * @example
 * ```ts
 * import { titledFromBundle } from "./request_ids.ts";
 * import type { ServingBundle } from "./bundle.ts";
 * function example(bundle: ServingBundle) {
 *   const window = titledFromBundle(bundle, bundle.manifest.users.window[1]);
 * }
 * ```
 */
export function titledFromBundle(bundle: ServingBundle, pairs: [number, number][]): RatedTitle[] {
  const info = bundle.manifest.items.info;
  return pairs.map(([item, rating]) => ({ title: info[item].title, rating, item }));
}
