/**
 * A bounded map that forgets the least recently used entry first (a `Map` keeps insertion order,
 * so re-inserting on access makes the first key the oldest).
 *
 * @module
 */

/**
 * The LRU map.
 *
 * @example
 * ```ts
 * import { Lru } from "./lru.ts";
 * const lru = new Lru<string, number>(2);
 * lru.set("a", 1);
 * lru.set("b", 2);
 * lru.get("a");
 * lru.set("c", 3); // forgets "b"
 * console.log(lru.has("b")); // false
 * ```
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();

  /**
   * An empty map holding at most `capacity` entries.
   *
   * @param capacity Entries held, at most (a positive integer).
   */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Lru: capacity must be a positive integer, got ${capacity}`);
    }
  }

  /** Entries held. */
  get size(): number {
    return this.#map.size;
  }

  /** Whether `key` is held (does not refresh it). */
  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** The value of `key` (refreshing it), or `undefined`. */
  get(key: K): V | undefined {
    if (!this.#map.has(key)) return undefined;
    const value = this.#map.get(key)!;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** Stores `value`, forgetting the oldest entry when full. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#map.clear();
  }

  /** Forgets `key`. */
  delete(key: K): void {
    this.#map.delete(key);
  }
}
