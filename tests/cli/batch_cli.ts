/**
 * Shared pieces of the batch-mode CLI tests: the knowledge run's flags, a store's generations and
 * final knowledge, and a CLI run killed when its stderr shows a line.
 *
 * @module
 */
import { openStore } from "../../adapters/store/duckdb_store.ts";

/** Eight tasks, two reflection rounds, one LLM as actor and reflector. */
export function batchArgs(llm: string, store: string, extra: string[] = []): string[] {
  return [
    "--dataset=synthetic",
    "--synthetic-users=20",
    "--synthetic-items=20",
    "--limit=8",
    "--rounds=2",
    `--actor=${llm}`,
    `--reflector=${llm}`,
    `--store=${store}`,
    "--concurrency=4",
    ...extra,
  ];
}

/** What a store holds: generations (key → text), their count, and final knowledge (key → text). */
export async function storeContents(path: string) {
  await using store = await openStore(path, { readOnly: true });
  const rows = await store.query("SELECT key, output FROM generations ORDER BY key");
  const knowledge = await store.listKnowledge();
  return {
    generations: rows.map((r) => `${r.key} ${r.output}`),
    count: rows.length,
    distinct: new Set(rows.map((r) => r.key)).size,
    finals: knowledge.map((k) => `${k.key} ${k.final.text}`),
    batches: await store.batches.list(),
  };
}

/** Runs `cli/knowledge.ts` and SIGKILLs it at the first stderr line matching `at`. */
export async function killAt(args: string[], at: RegExp): Promise<{ killed: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../cli/knowledge.ts", import.meta.url).pathname, ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let seen = "", killed = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stderr) {
    seen += decoder.decode(chunk, { stream: true });
    const line = seen.split("\n").find((l) => at.test(l));
    if (line && !killed) {
      killed = line;
      child.kill("SIGKILL");
    }
  }
  const status = await child.status;
  if (!killed) throw new Error(`never saw ${at} (exit ${status.code}):\n${seen}`);
  return { killed };
}
