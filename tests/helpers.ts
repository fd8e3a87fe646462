/**
 * Test helpers shared across folders.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The `shared/` folder beside the repo (CI lays it there). */
export const SHARED_DIR = join(fileURLToPath(new URL("../../", import.meta.url)), "shared");

/**
 * Path of a dataset folder under `../shared/data`, or `undefined` (after printing why) when absent,
 * so tests can skip with a clear message.
 */
export function sharedData(name: string): string | undefined {
  const dir = join(SHARED_DIR, "data", name);
  try {
    Deno.statSync(dir);
    return dir;
  } catch {
    console.warn(
      `skipping tests on ${name}: ${dir} not found (licensed data is never in the repo)`,
    );
    return undefined;
  }
}

/** Path of a model folder under `../shared/models`, or `undefined` (after printing why). */
export function sharedModel(name: string): string | undefined {
  const dir = join(SHARED_DIR, "models", name);
  try {
    Deno.statSync(dir);
    return dir;
  } catch {
    console.warn(`skipping tests on model ${name}: ${dir} not found`);
    return undefined;
  }
}
