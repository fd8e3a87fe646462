/**
 * Subprocess for the store's kill test: writes knowledge records with 1-4 rounds each, as fast as
 * it can, printing each committed key, until killed.
 *
 * Usage: `deno run -A kill_writer.ts <store.duckdb>`
 *
 * @module
 */
import { openStore } from "../../../adapters/store/mod.ts";
import type { Draft, KnowledgeRound } from "../../../plugins/types.ts";

const store = await openStore(Deno.args[0]);
const encoder = new TextEncoder();
for (let i = 0;; i++) {
  const roundCount = 1 + (i % 4);
  const rounds: KnowledgeRound[] = [];
  for (let r = 0; r < roundCount; r++) {
    const draft: Draft = {
      text: `entity ${i} round ${r} `.repeat(50),
      author: "writer",
      usage: { prompt: r, completion: i },
      latencyMs: 1,
    };
    rounds.push({
      round: r,
      draft,
      critique: r < roundCount - 1
        ? {
          reasonable: false,
          feedback: `fix ${r}`,
          author: "critic",
          usage: { prompt: 1, completion: 1 },
          latencyMs: 1,
        }
        : undefined,
    });
  }
  await store.putKnowledge({
    key: `k:${i}`,
    kind: "user",
    first: rounds[0].draft,
    final: rounds.at(-1)!.draft,
    rounds,
  });
  await Deno.stdout.write(encoder.encode(`committed k:${i}\n`));
}
