/**
 * `deno task prep --dataset NAME [--data DIR] [--out DIR] [--history N] [--valid F] [--seed N]`:
 * prepares a dataset under the R4ec/KAR protocol and prints one JSON object of statistics.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { DATASET_NAMES, datasetStats, prepareDataset } from "../datasets/mod.ts";
import { exportParquet } from "../datasets/parquet.ts";
import { checkDataFlag } from "./checks.ts";
import { flagOptions, runCli } from "./run.ts";

const HELP = `deno task prep --dataset NAME [options]

Prepares a dataset under the R4ec/KAR protocol and prints one JSON object of statistics.

  --dataset NAME   ${DATASET_NAMES.join(" | ")} (required)
  --data DIR       folder of the dataset files (not needed for synthetic)
  --out DIR        also write Parquet files (samples, users, items) into DIR
  --history N      backbone history window (default 5)
  --valid F        fraction of users whose training targets become validation (default 0.1; 0 = off)
  --seed N         seed for validation users and liker/disliker choice (default 1234)
  --timezone TZ    MovieLens day-order timezone (default: ml-1m Etc/GMT-10, ml-100k UTC)
  --order KEY      MovieLens chronological key: day | timestamp (default day)
  --duplicates P   rows repeating an earlier (user, item, timestamp): keep | drop (default keep,
                   as the reference; counted either way as "duplicates")
`;

const Flags = z.object({
  dataset: z.enum(DATASET_NAMES),
  data: z.string().optional(),
  out: z.string().optional(),
  history: z.coerce.number().int().min(1).default(5),
  valid: z.coerce.number().min(0).lt(1).default(0.1),
  seed: z.coerce.number().int().default(1234),
  timezone: z.string().optional(),
  order: z.enum(["day", "timestamp"]).optional(),
  duplicates: z.enum(["keep", "drop"]).default("keep"),
});

await runCli(HELP, async (args) => {
  const { values } = parseArgs({
    args,
    options: flagOptions(Flags),
    strict: true,
  });
  const flags = Flags.parse(values);
  checkDataFlag(flags.dataset, flags.data);
  const t0 = performance.now();
  const { dataset, report } = await prepareDataset({
    dataset: flags.dataset,
    dataDir: flags.data,
    historyLength: flags.history,
    validationFraction: flags.valid,
    seed: flags.seed,
    timezone: flags.timezone,
    order: flags.order,
    duplicates: flags.duplicates,
  });
  const seconds = (performance.now() - t0) / 1000;
  const files = flags.out ? await exportParquet(dataset, flags.out) : [];
  console.log(JSON.stringify({
    ...datasetStats(dataset),
    dropped: report.dropped,
    duplicates: report.duplicates,
    usersWithoutTargets: report.usersWithoutTargets,
    itemsWithoutTrainingRatings: report.itemsWithoutTrainingRatings,
    prepareSeconds: Number(seconds.toFixed(3)),
    ...(files.length ? { files } : {}),
  }));
});
