/**
 * `deno task store merge A.duckdb B.duckdb ... --into S.duckdb`: merges stores, e.g. the shards of
 * one knowledge job (`deno task knowledge --shard I/N`), into one, and prints a JSON summary of
 * the rows it added. Refuses stores made with other prompts, models, rounds or data.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { mergeStores } from "../adapters/store/merge.ts";
import { flagOptions, runCli } from "./run.ts";

const HELP = `deno task store merge A.duckdb B.duckdb ... --into S.duckdb

Merges knowledge stores (e.g. the shards of deno task knowledge --shard I/N) into one, and prints
a JSON summary (rows added per table) on stdout.

  --into FILE   the merged store (required; created if missing, else merged into)

Rows are deduplicated by primary key: merging twice, or stores that overlap, stores nothing twice.
A knowledge record already in the target is kept, unless it holds an unparsable answer and a
source's is parsed. Every store is checked whole first; stores whose knowledge runs were made with
other prompts, models, rounds or data (the runs' recorded identity) are refused, naming both stores
and the field, before anything is written.
`;

const Flags = z.object({ into: z.string().min(1) });

await runCli(HELP, async (args) => {
  const { values, positionals } = parseArgs({
    args,
    options: flagOptions(Flags),
    strict: true,
    allowPositionals: true,
  });
  const [command, ...sources] = positionals;
  if (command !== "merge") {
    throw new Error(
      `${command === undefined ? "no command" : `unknown command "${command}"`}; ` +
        `expected: deno task store merge A.duckdb B.duckdb ... --into S.duckdb (see --help)`,
    );
  }
  const flags = Flags.parse(values);
  const summary = await mergeStores(sources, flags.into);
  console.log(JSON.stringify(summary));
  if (summary.missingShards.length) {
    console.error(
      `store merge: ${flags.into} lacks shard(s) ${summary.missingShards.join(", ")} ` +
        `(it holds ${summary.shards.join(", ")}); merge their stores too for the whole task set`,
    );
  }
});
