/**
 * Where a local transformers.js model (text generator or encoder) is: a folder on disk, checked for
 * the files transformers.js needs before anything loads, or a Hub id. A bare name is looked up under
 * the models folder (`R4EC_MODELS_DIR`, e.g. `../shared/models`), so `local:stories260K` works from
 * any clone that points there.
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";

/** A resolved model: a checked folder (absolute path) or a Hub id to download. */
export type LocalModelSource = { folder: string } | { hubId: string };

/** Options of {@link resolveLocalModel}. */
export interface ResolveLocalModelOptions {
  /**
   * Folder of models by name, consulted when `model` is no folder itself.
   * @default the `R4EC_MODELS_DIR` environment variable
   */
  modelsDir?: string;
}

function isDirectory(path: string): boolean {
  try {
    return runtime.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function envModelsDir(): string | undefined {
  return runtime.env("R4EC_MODELS_DIR") || undefined; // unset, or not permitted to read
}

/** Paths, not Hub ids (`org/name`): absolute, `./`, `../`, `~`, or ending in a slash. */
function looksLikePath(model: string): boolean {
  return /^(\/|\.{1,2}(\/|$)|~)/.test(model) || model.endsWith("/") || model.includes("\\");
}

/** Throws naming the first file transformers.js needs that the folder lacks. */
function checkModelFolder(folder: string): void {
  for (const file of ["config.json", "tokenizer.json"]) {
    try {
      if (!runtime.statSync(join(folder, file)).isFile) throw new Error();
    } catch {
      throw new Error(`model folder ${folder} has no ${file}`);
    }
  }
  let onnx = false;
  try {
    for (const entry of runtime.readDirSync(join(folder, "onnx"))) {
      if (entry.name.endsWith(".onnx")) onnx = true;
    }
  } catch {
    // Reported below.
  }
  if (!onnx) throw new Error(`model folder ${folder} has no onnx/*.onnx weights`);
}

/**
 * Resolves a model name: an existing folder (checked), a path that does not exist (an error), a
 * name under the models folder (checked), else a Hub id. Errors are one line naming the path.
 *
 * @example
 * ```ts
 * import { resolveLocalModel } from "./local_model.ts";
 * console.log(resolveLocalModel("Xenova/bge-small-en-v1.5")); // { hubId: "Xenova/bge-small-en-v1.5" }
 * ```
 */
export function resolveLocalModel(
  model: string,
  options: ResolveLocalModelOptions = {},
): LocalModelSource {
  if (!model) throw new Error("no model given");
  if (isDirectory(model)) {
    const folder = resolve(model);
    checkModelFolder(folder);
    return { folder };
  }
  if (looksLikePath(model)) throw new Error(`no model folder at ${resolve(model)}`);
  const modelsDir = options.modelsDir ?? envModelsDir();
  if (modelsDir && isDirectory(join(modelsDir, model))) {
    const folder = resolve(modelsDir, model);
    checkModelFolder(folder);
    return { folder };
  }
  return { hubId: model };
}

/**
 * `local/<name>@<hash>`: a location-independent name of a model folder (a hash of its config and
 * tokenizer files), so a copy elsewhere shares cached results and another model does not.
 *
 * @example
 * ```ts
 * import { localModelKey } from "./local_model.ts";
 * import { join } from "node:path";
 * const folder = join(await Deno.makeTempDir(), "stories260K");
 * await Deno.mkdir(folder);
 * await Deno.writeTextFile(join(folder, "config.json"), '{"model_type": "llama"}');
 * console.log(await localModelKey(folder)); // local/stories260K@<12 hex digits>
 * ```
 */
export async function localModelKey(folder: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
    try {
      hash.update(file).update(await runtime.readFile(join(folder, file)));
    } catch (error) {
      if (!runtime.isNotFound(error)) throw error;
    }
  }
  return `local/${basename(folder)}@${hash.digest("hex").slice(0, 12)}`;
}
