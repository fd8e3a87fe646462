/**
 * Checks every CLI runs before any work, each failing in one line that names the flag and the
 * problem: the encoder spec (and its model folder), and the store, opened with its lock.
 *
 * @module
 */
import { dirname } from "node:path";
import { parseEmbedderSpec } from "../adapters/embed/spec.ts";
import { resolveLocalModel } from "../adapters/local_model.ts";
import { type DuckDbStore, openStore } from "../adapters/store/duckdb_store.ts";

/**
 * Checks an encoder spec: its syntax and, for `transformers:`, that the model is a folder with the
 * files transformers.js needs (or a name under `R4EC_MODELS_DIR`, or a Hub id).
 *
 * @example
 * ```ts
 * import { checkEncoderSpec } from "./checks.ts";
 * checkEncoderSpec("hashing#dim=64");
 * ```
 */
export function checkEncoderSpec(spec: string): void {
  try {
    const parsed = parseEmbedderSpec(spec);
    if (parsed.kind === "transformers") resolveLocalModel(parsed.model);
  } catch (error) {
    throw new Error(
      `--encoder ${spec}: ${(error as Error).message.replace(/^embedder spec ".*?": /, "")}`,
    );
  }
}

/**
 * Every dataset but `synthetic` is read from files: `--data` must name their folder.
 *
 * @example
 * ```ts
 * import { checkDataFlag } from "./checks.ts";
 * checkDataFlag("synthetic", undefined);
 * ```
 */
export function checkDataFlag(dataset: string, data: string | undefined): void {
  if (dataset !== "synthetic" && !data) {
    throw new Error(`--data: required for --dataset ${dataset} (the folder of its files)`);
  }
}

/**
 * Creates the output folder a flag names now, so a path that cannot be written fails before the
 * work whose results it would hold. Returns a function that removes the folder again if this call
 * created it and it is still empty (for a run that failed).
 *
 * @example
 * ```ts
 * import { makeOutDir } from "./checks.ts";
 * const undo = await makeOutDir("--out", `${await Deno.makeTempDir()}/report`);
 * await undo();
 * ```
 */
export async function makeOutDir(flag: string, dir: string): Promise<() => Promise<void>> {
  let existed = true;
  try {
    await Deno.stat(dir);
  } catch {
    existed = false;
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new Error(`${flag} ${dir}: cannot create the folder (${(error as Error).message})`);
  }
  // Deno.remove without `recursive` only removes an empty folder.
  return existed ? () => Promise.resolve() : () => Deno.remove(dir).catch(() => {});
}

/** Options of {@link openStoreFlag}. */
export interface OpenStoreFlagOptions {
  /** Refuse a file that does not exist instead of creating it (and its folder). @default false */
  mustExist?: boolean;
  /** Open without write access. @default false */
  readOnly?: boolean;
}

/**
 * Opens the store `--store` names, before any other work, so a typo or a store locked by another
 * process fails at once: `--store x.duckdb: in use by another process (PID 123); ...`.
 *
 * @example
 * ```ts
 * import { openStoreFlag } from "./checks.ts";
 * const store = await openStoreFlag(`${await Deno.makeTempDir()}/store.duckdb`);
 * await store.close();
 * ```
 */
export async function openStoreFlag(
  path: string,
  options: OpenStoreFlagOptions = {},
): Promise<DuckDbStore> {
  const fail = (problem: string): never => {
    throw new Error(`--store ${path}: ${problem}`);
  };
  if (options.mustExist) {
    try {
      if (!Deno.statSync(path).isFile) fail("not a file");
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        fail("no such store (give the file that deno task eval or knowledge wrote)");
      }
      throw error;
    }
  } else if (path !== ":memory:") {
    await Deno.mkdir(dirname(path), { recursive: true });
  }
  try {
    return await openStore(path, { readOnly: options.readOnly });
  } catch (error) {
    const message = (error as Error).message;
    return fail(
      message.replace(`cannot open store ${path}: `, "").replace(`store ${path} is `, "")
        .replace("or use another store", "or use another --store"),
    );
  }
}
