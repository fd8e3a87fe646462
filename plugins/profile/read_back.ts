/**
 * Reads the weights a profile text states back from the text, so a verdict tests what the
 * knowledge says (and a refined text is judged by its own words). Only the profile actor's own
 * format reads back; any other text gives `null`.
 *
 * @module
 */
import type { Weights } from "./scoring.ts";
import { ITEM_HEADER } from "./item_text.ts";
import type { TraitSpace } from "./traits.ts";
import { USER_HEADER } from "./user_text.ts";
import { ITEM_TRAIT, RECEPTION, USER_TENDENCY, USER_TRAIT, valueOf } from "./words.ts";

/** The `; `-separated entries of a line after `label`, up to `end` (when it occurs). */
function entries(text: string, label: string, end?: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(label));
  if (line === undefined) return [];
  let body = line.slice(label.length);
  const stop = end === undefined ? -1 : body.indexOf(end);
  if (stop >= 0) body = body.slice(0, stop);
  return body.replace(/\.\s*$/, "").split("; ").filter((e) => e !== "");
}

/** Reads profile texts of one trait space, with a cache (texts are read again on every verdict). */
export class ProfileReader {
  private readonly cache = new Map<string, Weights | null>();

  /**
   * @param space The trait space the texts name traits of.
   * @param consensus Whether user verdicts weigh the probe item's reception (audience known).
   */
  constructor(private readonly space: TraitSpace, private readonly consensus: boolean) {}

  /**
   * The weights a text states, or `null` when it is not a profile of that kind.
   *
   * @example
   * ```ts
   * import { ProfileReader } from "./read_back.ts";
   * import { TraitSpace } from "./traits.ts";
   * const space = new TraitSpace([
   *   { title: "", attributes: [], genres: [] },
   *   { title: "Heat (1995)", attributes: ["Crime"], genres: ["Crime"] },
   * ], 256, 2);
   * const w = new ProfileReader(space, false).read(
   *   "Statistical profile (no LLM): a harsh viewer.\nTastes: loves Crime.",
   *   "user",
   * );
   * console.assert(w?.bias === -0.6 && w.terms.get(0) === 0.6);
   * ```
   */
  read(text: string, kind: "user" | "item"): Weights | null {
    const key = `${kind}\n${text}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const w = kind === "user" ? this.user(text) : this.item(text);
    if (this.cache.size > 20_000) this.cache.clear();
    this.cache.set(key, w);
    return w;
  }

  private user(text: string): Weights | null {
    if (!text.startsWith(USER_HEADER)) return null;
    const tendency = text.slice(USER_HEADER.length).match(/^ an? (\S+) /)?.[1] ?? "";
    const w: Weights = {
      kind: "user",
      bias: valueOf(USER_TENDENCY, tendency) ?? 0,
      scalar: this.consensus ? 1 : 0,
      terms: new Map(),
    };
    for (const e of entries(text, "Tastes: ")) {
      const sp = e.indexOf(" ");
      const value = valueOf(USER_TRAIT, e.slice(0, sp));
      const f = this.space.find(e.slice(sp + 1));
      if (value !== undefined && f !== undefined) w.terms.set(f, value);
    }
    return w;
  }

  private item(text: string): Weights | null {
    if (!text.startsWith(ITEM_HEADER)) return null;
    const fans = entries(text, "(2) Fans: ", " Example fan ");
    const w: Weights = {
      kind: "item",
      bias: valueOf(RECEPTION, fans[0] ?? "") ?? 0,
      scalar: 1,
      terms: new Map(),
    };
    for (const e of [...fans.slice(1), ...entries(text, "(3) Critics: ", " Example critic ")]) {
      const m = e.match(/^(\S+) by (.+) fans$/);
      const value = m ? valueOf(ITEM_TRAIT, m[1]) : undefined;
      const f = m ? this.space.find(m[2]) : undefined;
      if (value !== undefined && f !== undefined) w.terms.set(f, value);
    }
    return w;
  }
}
