/**
 * Titles quoted inside generated sentences (profile texts, reflector critiques), one rule for all.
 *
 * @module
 */

/**
 * Quotes a title in single quotes, shortened with `...` past `max` characters.
 *
 * @example
 * ```ts
 * import { quote } from "./quote.ts";
 * console.assert(quote("Heat (1995)") === "'Heat (1995)'");
 * console.assert(quote("x".repeat(50), 10) === "'xxxxxxx...'");
 * ```
 */
export function quote(title: string, max = 60): string {
  return `'${title.length > max ? `${title.slice(0, max - 3)}...` : title}'`;
}
