/**
 * Subprocess for the embed kill test: embeds a fixed set of texts through `cachedEmbedder` into a
 * DuckDB store, in batches of 5, logging (synchronously, to a file) each batch it starts and each
 * text whose embedding finished. With a pause batch index it blocks when that batch starts, so the
 * parent can SIGKILL it at a known point.
 *
 * Usage: `deno run -A kill_embed_run.ts <store.duckdb> <log file> [pause batch index]`
 *
 * @module
 */
import { openStore } from "../../../adapters/store/mod.ts";
import { cachedEmbedder } from "../../../adapters/embed/cached.ts";
import { fitHashingEmbedder } from "../../../adapters/embed/hashing.ts";
import type { Embedder } from "../../../plugins/types.ts";
import { KILL_TEST_TEXTS } from "./kill_embed_texts.ts";

const [storePath, logPath, pauseArg] = Deno.args;
const pauseAt = pauseArg === undefined ? -1 : Number(pauseArg);
const log = (line: string) => Deno.writeTextFileSync(logPath, `${line}\n`, { append: true });

const inner = fitHashingEmbedder(KILL_TEST_TEXTS, { dim: 32 });
let batch = 0;
const logged: Embedder = {
  id: inner.id,
  dim: inner.dim,
  async embed(texts, signal) {
    const index = batch++;
    log(`start ${index}`);
    // Wait here to be killed (a pending timer keeps the process alive; a bare promise would not).
    if (index === pauseAt) await new Promise((resolve) => setTimeout(resolve, 600_000));
    const vectors = await inner.embed(texts, signal);
    for (const text of texts) log(`embedded ${text}`);
    return vectors;
  },
};

const store = await openStore(storePath);
const vectors = await cachedEmbedder(logged, store, { batchSize: 5 }).embed(KILL_TEST_TEXTS);
log(`finished ${vectors.length}`);
await store.close();
