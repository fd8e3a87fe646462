/**
 * Test helpers shared across folders: where the licensed datasets and the small real models live.
 * They are never in the repo; a clone finds them in `../shared` (as CI lays it out) or wherever
 * `R4EC_DATA_DIR` and `R4EC_MODELS_DIR` point. Tests that need them skip, with one line saying why.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The `shared/` folder beside the repo (CI lays it there). */
export const SHARED_DIR = join(fileURLToPath(new URL("../../", import.meta.url)), "shared");

/** Folder of the datasets: `$R4EC_DATA_DIR`, else `../shared/data`. */
export const DATA_DIR = Deno.env.get("R4EC_DATA_DIR") || join(SHARED_DIR, "data");

/** Folder of the small real models: `$R4EC_MODELS_DIR`, else `../shared/models`. */
export const MODELS_DIR = Deno.env.get("R4EC_MODELS_DIR") || join(SHARED_DIR, "models");

function existing(dir: string, what: string, env: string): string | undefined {
  try {
    if (Deno.statSync(dir).isDirectory) return dir;
  } catch {
    // Reported below.
  }
  console.warn(`skipping tests on ${what}: ${dir} not found (set ${env} to its parent folder)`);
  return undefined;
}

/**
 * Path of a dataset folder (`ml-1m`, `ml-100k`) under {@link DATA_DIR}, or `undefined` after one
 * line saying why, so tests can skip (`ignore: dir === undefined`).
 *
 * @example
 * ```ts
 * import { sharedData } from "./helpers.ts";
 * const dir = sharedData("ml-1m");
 * Deno.test({ name: "needs ml-1m", ignore: dir === undefined, fn() {} });
 * ```
 */
export function sharedData(name: string): string | undefined {
  return existing(join(DATA_DIR, name), `dataset ${name}`, "R4EC_DATA_DIR");
}

/**
 * Path of a model folder (`stories260K`, `glove-twitter-25d-avg`) under {@link MODELS_DIR}, or
 * `undefined` after one line saying why.
 *
 * @example
 * ```ts
 * import { sharedModel } from "./helpers.ts";
 * const stories = sharedModel("stories260K");
 * Deno.test({ name: "needs stories260K", ignore: stories === undefined, fn() {} });
 * ```
 */
export function sharedModel(name: string): string | undefined {
  return existing(join(MODELS_DIR, name), `model ${name}`, "R4EC_MODELS_DIR");
}
