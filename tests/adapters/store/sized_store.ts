/**
 * Writes a store of a chosen size through the store's own API: knowledge records of users and
 * items (two rounds each, texts of about 90 words), one vector per record, LLM generations per
 * record and one run row, from a seeded generator. `{ users: 6040, items: 3706 }` is ML-1M's size
 * (77.5 MiB with the defaults).
 *
 * @module
 */
import { textHash } from "../../../adapters/embed/text_hash.ts";
import { openStore } from "../../../adapters/store/duckdb_store.ts";
import type { Draft } from "../../../plugins/types.ts";

/** Options of {@link writeSizedStore}. */
export interface SizedStoreOptions {
  users: number;
  items: number;
  /** LLM generations stored per knowledge record. @default 3 */
  generationsPerRecord?: number;
  /** Vector dimension. @default 256 */
  dim?: number;
  /** @default 1 */
  seed?: number;
}

const WORDS = ("drama comedy thriller romance action sci-fi horror classic family war western " +
  "musical crime documentary animation adventure mystery fantasy film-noir children liked " +
  "disliked rated often rarely prefers avoids recent older acclaimed popular niche").split(" ");

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
function generator(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the store at `path` (a new file) and closes it; returns the records written. */
export async function writeSizedStore(path: string, options: SizedStoreOptions): Promise<number> {
  const rand = generator(options.seed ?? 1), dim = options.dim ?? 256;
  const text = (n: number) =>
    Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
  const draft = (t: string): Draft => ({
    text: t,
    author: "hf:Qwen/Qwen2.5-7B-Instruct",
    usage: { prompt: 400, completion: 120 },
    latencyMs: 900,
  });
  const keys = [
    ...Array.from({ length: options.users }, (_, i) => `ml-1m:user:${i + 1}`),
    ...Array.from({ length: options.items }, (_, i) => `ml-1m:item:${i + 1}`),
  ];
  const store = await openStore(path);
  try {
    const runId = await store.startRun({ kind: "knowledge", config: { dataset: "ml-1m" } });
    for (let start = 0; start < keys.length; start += 500) {
      const chunk = keys.slice(start, start + 500);
      await Promise.all(chunk.flatMap((key) => {
        const first = draft(text(90)), final = draft(text(90));
        const generations = Array.from(
          { length: options.generationsPerRecord ?? 3 },
          (_, g) =>
            store.putGeneration({
              key: textHash(`${key}:${g}`),
              generator: "hf:Qwen/Qwen2.5-7B-Instruct",
              model: "Qwen/Qwen2.5-7B-Instruct",
              params: { maxTokens: 512, temperature: 0 },
              messages: [
                { role: "system", content: text(60) },
                { role: "user", content: text(250) },
              ],
              text: text(90),
              usage: { prompt: 400, completion: 120 },
              latencyMs: 900,
              createdAt: new Date(Date.UTC(2026, 0, 1)),
            }),
        );
        const critique = {
          reasonable: false,
          feedback: text(30),
          author: "grounded",
          usage: { prompt: 0, completion: 0 },
          latencyMs: 1,
        };
        return [
          ...generations,
          store.putKnowledge({
            key,
            kind: key.includes(":user:") ? "user" : "item",
            first,
            final,
            runId,
            rounds: [{ round: 0, draft: first, critique }, { round: 1, draft: final }],
          }),
        ];
      }));
      await store.putVectors(
        `hashing:v1:d${dim}`,
        chunk.map((key) => ({
          textHash: textHash(key),
          vector: Float32Array.from({ length: dim }, () => rand() - 0.5),
        })),
      );
    }
    await store.finishRun(runId, { status: "done", timings: { totalMs: 1 } });
  } finally {
    await store.close();
  }
  return keys.length;
}
