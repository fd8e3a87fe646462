/**
 * One epoch of one backbone (tests/node/train_epoch.mjs: DIN, data-parallel on 2 threads, batch
 * 256) on the default synthetic dataset, on Node from the built npm package and on Deno from
 * source, in alternating runs, each in a fresh process (so neither runtime trains warmed up by an
 * earlier epoch); prints samples/s per run and the mean of each (bench/results/node.md).
 *
 * `deno run -A bench/node_throughput.ts [--runs 3]`; `--one-epoch` is the Deno run itself.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as r4ec from "../mod.ts";
import { hostFolder, nodeVersion } from "../tests/node/host_folder.ts";
// @ts-types="../tests/node/train_epoch.d.mts"
import { EPOCH_SETTINGS, trainEpoch } from "../tests/node/train_epoch.mjs";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string" }, "one-epoch": { type: "boolean" } },
});
const { dataset } = await r4ec.prepareDataset({ dataset: "synthetic" });
if (values["one-epoch"]) {
  const { model: _, ...figures } = await trainEpoch(r4ec, dataset);
  console.log(JSON.stringify(figures));
  Deno.exit(0);
}
const runs = Number(values.runs ?? 3);
const node = nodeVersion();
if (!node) throw new Error("bench/node_throughput.ts needs `node` on PATH");

/** Runs `command args` in `cwd` and reads the JSON line it prints last. */
async function figures(command: string, args: string[], cwd: string) {
  const out = await new Deno.Command(command, { args, cwd, stdout: "piped", stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`${command} ${args.join(" ")} failed (${out.code})`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

const self = new URL(import.meta.url).pathname;
const dir = await hostFolder();
const rows: { runtime: string; run: number; samplesPerSecond: number; seconds: number }[] = [];
try {
  for (let run = 1; run <= runs; run++) {
    const onNode = await figures("node", ["host.mjs", "--train-only"], dir);
    rows.push({ runtime: `node ${node}`, run, ...onNode });
    const onDeno = await figures(Deno.execPath(), ["run", "-A", self, "--one-epoch"], Deno.cwd());
    rows.push({ runtime: `deno ${Deno.version.deno}`, run, ...onDeno });
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
console.log(`settings: ${JSON.stringify(EPOCH_SETTINGS)}, ${dataset.train.size} training samples`);
console.log("| runtime | run | seconds | samples/s |\n|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.runtime} | ${r.run} | ${r.seconds.toFixed(2)} | ${Math.round(r.samplesPerSecond)} |`,
  );
}
for (const runtime of new Set(rows.map((r) => r.runtime))) {
  const mine = rows.filter((r) => r.runtime === runtime);
  const mean = mine.reduce((s, r) => s + r.samplesPerSecond, 0) / mine.length;
  console.log(`${runtime}: mean ${Math.round(mean)} samples/s over ${mine.length} runs`);
}
