/**
 * The tokenizer and feature extraction of the `hashing` embedder (see `hashing.ts` for how a text
 * becomes a vector): a table of character classes, 32-bit token hashes computed over char codes
 * without allocating strings, the stopword set looked up by those hashes, and the unique hashed
 * unigram and bigram features of one text in reusable scratch space.
 *
 * @module
 */
import { ENGLISH_STOPWORDS } from "../../util/stopwords.ts";

// ---------------------------------------------------------------------------------------------
// Character classes: one table lookup per code unit. > 0: a word char, folded to lower case;
// 0: a separator; -1: a separator that also ends a phrase (no bigram across it).

const SEPARATOR = 0;
const PHRASE_BREAK = -1;
const FOLD = buildFoldTable();

function buildFoldTable(): Int32Array {
  const table = new Int32Array(65536);
  const wordChar = /[\p{L}\p{N}\p{M}]/u;
  for (let c = 1; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      table[c] = c; // half of a surrogate pair: emoji, rare CJK; kept as word characters
      continue;
    }
    const ch = String.fromCharCode(c);
    if (wordChar.test(ch)) {
      const lower = ch.toLowerCase();
      table[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
    } else {
      table[c] = SEPARATOR;
    }
  }
  for (const ch of '.,;:!?()[]{}"\n\r\u2026\u201c\u201d\u00ab\u00bb\u3002\uff0c') {
    table[ch.charCodeAt(0)] = PHRASE_BREAK;
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// Hashing primitives (32-bit, all integer maths via Math.imul).

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * murmur3 32-bit finaliser: a bijective avalanche of a 32-bit integer (int32 result, kept
 * signed so that V8 stays in integer registers).
 *
 * @example
 * ```ts
 * import { fmix32 } from "./hashing_tokenizer.ts";
 * fmix32(0); // 0
 * fmix32(1) !== fmix32(2); // true
 * ```
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function bigramHash(previous: number, current: number): number {
  return fmix32(Math.imul(previous, 0x9e3779b1) ^ current ^ 0x2545f491);
}

/** Token hashes of a string that must be exactly one token (used for stopwords). */
function singleTokenHash(word: string, where: string): number {
  let h = FNV_OFFSET;
  let length = 0;
  for (let i = 0; i < word.length; i++) {
    const c = FOLD[word.charCodeAt(i)];
    if (c <= 0) {
      throw new Error(`${where}: stopword ${JSON.stringify(word)} is not a single token`);
    }
    h = Math.imul(h ^ c, FNV_PRIME);
    length++;
  }
  if (length === 0) throw new Error(`${where}: empty stopword`);
  return h;
}

// ---------------------------------------------------------------------------------------------
// Stopword set: open addressing over token hashes; a hash hit is confirmed char by char.

/**
 * The stopwords, folded to lower case, in an open-addressing table keyed by token hash.
 *
 * @example
 * ```ts
 * import { StopwordSet } from "./hashing_tokenizer.ts";
 * const set = new StopwordSet(["The", "a", "the"]);
 * set.words; // ["a", "the"]
 * ```
 */
export class StopwordSet {
  /** The words, folded, sorted and unique. */
  readonly words: string[];
  private readonly keys: Int32Array;
  /** Index + 1 into `words` (0 = empty slot). */
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(words: readonly string[]) {
    const folded = [...new Set(words.map((w) => foldWord(w)))].sort();
    this.words = folded;
    let capacity = 16;
    while (capacity < folded.length * 4) capacity *= 2;
    this.keys = new Int32Array(capacity);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    folded.forEach((word, index) => {
      const h = singleTokenHash(word, "hashing embedder stopwords");
      let slot = fmix32(h) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.keys[slot] = h;
      this.slots[slot] = index + 1;
    });
  }

  /** True when `text[start, end)` (folded) is a stopword whose token hash is `hash`. */
  has(h: number, text: string, start: number, end: number): boolean {
    let slot = fmix32(h) & this.mask;
    for (let index = this.slots[slot]; index !== 0; index = this.slots[slot]) {
      if (this.keys[slot] === h && sameFolded(this.words[index - 1], text, start, end)) return true;
      slot = (slot + 1) & this.mask;
    }
    return false;
  }
}

function foldWord(word: string): string {
  let out = "";
  for (let i = 0; i < word.length; i++) {
    const c = FOLD[word.charCodeAt(i)];
    if (c <= 0) {
      throw new Error(`hashing embedder stopwords: ${JSON.stringify(word)} is not a token`);
    }
    out += String.fromCharCode(c);
  }
  if (out.length === 0) throw new Error("hashing embedder stopwords: empty stopword");
  return out;
}

function sameFolded(word: string, text: string, start: number, end: number): boolean {
  if (word.length !== end - start) return false;
  for (let i = 0; i < word.length; i++) {
    if (word.charCodeAt(i) !== FOLD[text.charCodeAt(start + i)]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Feature extraction into reusable scratch space (no allocation per token or per text).

/**
 * Unique buckets of one text and their counts; reused across texts.
 *
 * @example
 * ```ts
 * import { FeatureScratch } from "./hashing_tokenizer.ts";
 * const scratch = new FeatureScratch();
 * scratch.reset(10);
 * scratch.add(5);
 * scratch.add(5);
 * scratch.size; // 1, and scratch.counts[0] is 2
 * ```
 */
export class FeatureScratch {
  /** The distinct buckets, `size` of them. */
  unique = new Int32Array(256);
  /** How often each of `unique` occurred. */
  counts = new Int32Array(256);
  /** Feature weights, filled by the embedder. */
  weights = new Float64Array(256);
  /** Number of distinct buckets. */
  size = 0;
  private table = new Int32Array(512); // slot -> index + 1 into `unique`, valid when stamped
  private stamps = new Uint32Array(512);
  private stamp = 0;
  private mask = 511;

  /** Prepares for a text of `length` code units (at most `length + 1` features). */
  reset(length: number): void {
    const needed = 2 * (length + 2);
    if (needed > this.table.length) {
      let capacity = this.table.length;
      while (capacity < needed) capacity *= 2;
      this.table = new Int32Array(capacity);
      this.stamps = new Uint32Array(capacity);
      this.mask = capacity - 1;
      this.unique = new Int32Array(capacity >> 1);
      this.counts = new Int32Array(capacity >> 1);
      this.weights = new Float64Array(capacity >> 1);
      this.stamp = 0;
    }
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    this.size = 0;
  }

  /** Counts one occurrence of `bucket`. */
  add(bucket: number): void {
    // Buckets come from an avalanche hash, so their low bits are already uniform.
    let slot = bucket & this.mask;
    while (this.stamps[slot] === this.stamp) {
      const index = this.table[slot] - 1;
      if (this.unique[index] === bucket) {
        this.counts[index]++;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    this.stamps[slot] = this.stamp;
    this.unique[this.size] = bucket;
    this.counts[this.size] = 1;
    this.table[slot] = ++this.size;
  }
}

/**
 * Fills `scratch` with the hashed unigram (and bigram) features of `text`.
 *
 * @example
 * ```ts
 * import { extractFeatures, FeatureScratch, StopwordSet } from "./hashing_tokenizer.ts";
 * const scratch = new FeatureScratch();
 * extractFeatures("space opera", new StopwordSet([]), 2 ** 18 - 1, true, scratch);
 * scratch.size; // 3: "space", "opera" and the bigram
 * ```
 */
export function extractFeatures(
  text: string,
  stopwords: StopwordSet,
  bucketMask: number,
  bigrams: boolean,
  scratch: FeatureScratch,
): void {
  scratch.reset(text.length);
  const n = text.length;
  let previous = 0;
  let hasPrevious = false;
  let i = 0;
  while (i < n) {
    let c = FOLD[text.charCodeAt(i)];
    if (c <= 0) {
      if (c === PHRASE_BREAK) hasPrevious = false;
      i++;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET;
    do {
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
      if (i >= n) break;
      c = FOLD[text.charCodeAt(i)];
    } while (c > 0);
    if (stopwords.has(h, text, start, i)) continue;
    scratch.add(fmix32(h) & bucketMask);
    if (bigrams && hasPrevious) scratch.add(bigramHash(previous, h) & bucketMask);
    previous = h;
    hasPrevious = true;
  }
}

/**
 * The tokens the hashing embedder sees in `text`, stopwords removed, as strings (for inspection
 * and tests; the embedder itself never allocates them). Phrase breaks appear as `null`.
 *
 * @example
 * ```ts
 * import { hashingTokens } from "./hashing_tokenizer.ts";
 * hashingTokens("The user's taste: Sci-Fi!"); // ["user", "taste", null, "sci", "fi", null]
 * ```
 */
export function hashingTokens(
  text: string,
  stopwords: readonly string[] = ENGLISH_STOPWORDS,
): (string | null)[] {
  const set = new StopwordSet(stopwords);
  const tokens: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    const c = FOLD[text.charCodeAt(i)];
    if (c <= 0) {
      if (c === PHRASE_BREAK && tokens.at(-1) !== null) tokens.push(null);
      i++;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET;
    let token = "";
    while (i < text.length && FOLD[text.charCodeAt(i)] > 0) {
      const folded = FOLD[text.charCodeAt(i)];
      h = Math.imul(h ^ folded, FNV_PRIME);
      token += String.fromCharCode(folded);
      i++;
    }
    if (!set.has(h, text, start, i)) tokens.push(token);
  }
  return tokens;
}
