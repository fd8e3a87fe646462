/**
 * Where `deno task eval` finds a dataset: `--data`, then `$R4EC_DATA_DIR/<dataset>`, then
 * `./data/<dataset>`, then a checksum-verified download from GroupLens into a cache folder. When
 * none of these yields the files and the dataset was not asked for explicitly, the built-in
 * synthetic dataset runs instead, and the reason is reported. An explicit request is never silently
 * changed.
 *
 * @module
 */
import { join } from "node:path";

/** Files whose presence marks a usable dataset folder. */
const MARKERS: Record<string, string[][]> = {
  "ml-1m": [["ratings.dat", "ratings.dat.gz"], ["movies.dat"], ["users.dat"]],
  "ml-100k": [["u.data"], ["u.item"], ["u.genre"], ["u.user"]],
  "amazon-book": [["Books_5.json.gz"], ["meta_Books.json.gz"]],
};

/** The outcome of resolution. */
export interface ResolvedData {
  /** The dataset that will run. */
  dataset: string;
  /** Its folder (absent for synthetic). */
  dataDir?: string;
  /** One sentence for the report and the first line of output. */
  origin: string;
  /** True when the synthetic dataset replaces the default one. */
  fellBack: boolean;
}

function missingFiles(dir: string, dataset: string): string[] {
  const missing: string[] = [];
  for (const alternatives of MARKERS[dataset] ?? []) {
    const found = alternatives.some((f) => {
      try {
        return Deno.statSync(join(dir, f)).isFile;
      } catch {
        return false;
      }
    });
    if (!found) missing.push(alternatives.join(" or "));
  }
  return missing;
}

/**
 * Resolves the data folder.
 *
 * @example
 * ```ts
 * import { resolveData } from "./resolve_data.ts";
 * const r = await resolveData({ dataset: "ml-1m", explicit: false });
 * console.log(r.origin);
 * ```
 */
export async function resolveData(options: {
  dataset: string;
  /** True when the user named the dataset (or a folder) on the command line. */
  explicit: boolean;
  dataDir?: string;
  env?: (name: string) => string | undefined;
  /** Fetches the dataset into a cache and returns its folder (absent: no download). */
  download?: (dataset: string) => Promise<string>;
}): Promise<ResolvedData> {
  const { dataset } = options;
  if (dataset === "synthetic") {
    return { dataset, origin: "built-in synthetic dataset (seeded, offline)", fellBack: false };
  }
  if (options.dataDir) {
    const missing = missingFiles(options.dataDir, dataset);
    if (missing.length) {
      throw new Error(
        `--data ${options.dataDir} has no ${
          missing.join(", ")
        } for ${dataset}; point --data at the folder with the ${dataset} files`,
      );
    }
    return {
      dataset,
      dataDir: options.dataDir,
      origin: `${dataset} from ${options.dataDir}`,
      fellBack: false,
    };
  }
  const env = options.env ?? ((n) => Deno.env.get(n));
  const tried: string[] = [];
  const candidates = [
    ...(env("R4EC_DATA_DIR") ? [join(env("R4EC_DATA_DIR")!, dataset)] : []),
    join("data", dataset),
  ];
  for (const dir of candidates) {
    if (missingFiles(dir, dataset).length === 0) {
      return { dataset, dataDir: dir, origin: `${dataset} from ${dir}`, fellBack: false };
    }
    tried.push(dir);
  }
  let why = `no ${dataset} files in ${tried.join(" or ")}`;
  if (options.download) {
    try {
      const dir = await options.download(dataset);
      if (missingFiles(dir, dataset).length === 0) {
        return {
          dataset,
          dataDir: dir,
          origin: `${dataset} downloaded into ${dir}`,
          fellBack: false,
        };
      }
      why += `, and the download into ${dir} lacks its files`;
    } catch (e) {
      why += `, and the download failed (${e instanceof Error ? e.message : String(e)})`;
    }
  } else {
    why += " (no download is known for it)";
  }
  why += "; set --data or R4EC_DATA_DIR";
  if (options.explicit) throw new Error(why);
  return {
    dataset: "synthetic",
    origin: `built-in synthetic dataset, because ${why}`,
    fellBack: true,
  };
}
