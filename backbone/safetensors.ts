/**
 * Weights in the safetensors format (8-byte little-endian header length, JSON header, raw
 * little-endian data), readable by Python's `safetensors` package. Every tensor is stored as F32
 * under its parameter name (each model's JSDoc lists the names; e.g. `embedding.item`,
 * `final_mlp.0.weight`), followed by the layers' state tensors (DIN's Dice running statistics,
 * `attention.dice{i}.running_mean|running_var`), which inference needs as much as the weights. The header's `__metadata__` holds `r4ec.model` (the model name) and
 * `r4ec.config` (its JSON configuration), so a file alone rebuilds the model. `saveModel` also
 * writes the configuration as a JSON file beside it.
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import { createModel } from "./create_model.ts";
import type { CtrModel } from "./model.ts";
import type { StateTensor } from "./param.ts";
import { backboneNames, type ModelConfig } from "./registry.ts";

/**
 * One decoded tensor.
 *
 * @example
 * ```ts
 * import type { DecodedTensor } from "./safetensors.ts";
 * const t: DecodedTensor = { shape: [2], data: new Float32Array([1, 2]) };
 * ```
 */
export interface DecodedTensor {
  /** Shape, row-major. */
  shape: number[];
  /** Values. */
  data: Float32Array;
}

/**
 * A decoded safetensors file.
 *
 * @example
 * ```ts
 * import type { DecodedSafetensors } from "./safetensors.ts";
 * const empty: DecodedSafetensors = { metadata: {}, tensors: new Map() };
 * ```
 */
export interface DecodedSafetensors {
  /** The `__metadata__` header entry (empty when absent). */
  metadata: Record<string, string>;
  /** Tensors by name. */
  tensors: Map<string, DecodedTensor>;
}

/**
 * Serialises a model's weights (F32) with its name and configuration in the metadata.
 *
 * @example
 * ```ts
 * import { createModel } from "./create_model.ts";
 * import { encodeSafetensors } from "./safetensors.ts";
 * const model = createModel("deepfm", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 8, mlp: [16, 8], seed: 1,
 * });
 * const bytes = encodeSafetensors(model);
 * ```
 */
export function encodeSafetensors(model: CtrModel): Uint8Array {
  const header: Record<string, unknown> = {
    __metadata__: {
      format: "pt",
      "r4ec.model": model.name,
      "r4ec.config": JSON.stringify(model.config),
    },
  };
  let offset = 0;
  const tensors = model.store.tensors();
  for (const p of tensors) {
    const bytes = p.size * 4;
    header[p.name] = { dtype: "F32", shape: p.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const p of tensors) {
    const v = p.value;
    for (let i = 0; i < v.length; i++, pos += 4) view.setFloat32(pos, v[i], true);
  }
  return out;
}

/**
 * Parses a safetensors buffer (F32 tensors only). `source` names the file in errors.
 *
 * @example
 * ```ts
 * import { decodeSafetensors } from "./safetensors.ts";
 * function names(bytes: Uint8Array): string[] {
 *   return [...decodeSafetensors(bytes, "model.safetensors").tensors.keys()];
 * }
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, source = "<buffer>"): DecodedSafetensors {
  if (bytes.length < 8) {
    throw new Error(`${source}: truncated safetensors file (${bytes.length} bytes, no header)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    throw new Error(
      `${source}: truncated safetensors file: header says ${headerLength} header bytes, ` +
        `file has ${bytes.length - 8} after the length field`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new Error(`${source}: corrupt safetensors header (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength, dataLength = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, DecodedTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (e.dtype !== "F32") {
      throw new Error(`${source}: tensor "${name}" has dtype ${e.dtype}; only F32 is supported`);
    }
    const [from, to] = e.data_offsets ?? [NaN, NaN];
    const shape = e.shape ?? [];
    const count = shape.reduce((a, b) => a * b, 1);
    if (!(to - from === count * 4 && from >= 0)) {
      throw new Error(`${source}: tensor "${name}" has inconsistent shape and offsets`);
    }
    if (to > dataLength) {
      throw new Error(
        `${source}: truncated safetensors file: tensor "${name}" needs data bytes ` +
          `[${from}, ${to}) but only ${dataLength} are present`,
      );
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + from + 4 * i, true);
    tensors.set(name, { shape, data });
  }
  return { metadata, tensors };
}

/**
 * Copies decoded weights (and state tensors) into `model`, checking the model name and every
 * tensor's presence and shape.
 *
 * @example
 * ```ts
 * import { createModel } from "./create_model.ts";
 * import { encodeSafetensors, loadWeights } from "./safetensors.ts";
 * const config = {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 8, mlp: [16, 8], seed: 1,
 * };
 * const a = createModel("din", config), b = createModel("din", { ...config, seed: 2 });
 * loadWeights(b, encodeSafetensors(a)); // b now equals a
 * ```
 */
export function loadWeights(model: CtrModel, bytes: Uint8Array, source = "<buffer>"): void {
  const decoded = decodeSafetensors(bytes, source);
  const fileModel = decoded.metadata["r4ec.model"];
  if (fileModel !== undefined && fileModel !== model.name) {
    throw new Error(`${source}: weights are for model "${fileModel}", not "${model.name}"`);
  }
  const tensors = model.store.tensors();
  for (const p of tensors) {
    const t = decoded.tensors.get(p.name);
    if (!t) {
      throw new Error(
        model.store.states.includes(p as StateTensor)
          ? `${source}: state tensor "${p.name}" of model "${model.name}" is missing: the file ` +
            `was saved before Dice kept running statistics, so its scores would depend on the ` +
            `other samples of a batch; retrain the model`
          : `${source}: tensor "${p.name}" of model "${model.name}" is missing ` +
            `(is this a file of another model or configuration?)`,
      );
    }
    if (t.shape.join(",") !== p.shape.join(",")) {
      throw new Error(
        `${source}: tensor "${p.name}" has shape [${t.shape}] but the model expects [${p.shape}]`,
      );
    }
  }
  const known = new Set(tensors.map((p) => p.name));
  const extra = [...decoded.tensors.keys()].filter((k) => !known.has(k));
  if (extra.length > 0) {
    throw new Error(
      `${source}: unexpected tensors for model "${model.name}": ${extra.slice(0, 5).join(", ")}`,
    );
  }
  for (const p of tensors) p.value.set(decoded.tensors.get(p.name)!.data);
}

/**
 * Rebuilds a model from a safetensors buffer written by `encodeSafetensors`.
 *
 * @example
 * ```ts
 * import { createModel } from "./create_model.ts";
 * import { encodeSafetensors, modelFromSafetensors } from "./safetensors.ts";
 * const a = createModel("dcnv2", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 8, mlp: [16, 8], seed: 1,
 * });
 * const b = modelFromSafetensors(encodeSafetensors(a));
 * ```
 */
export function modelFromSafetensors(bytes: Uint8Array, source = "<buffer>"): CtrModel {
  const { metadata } = decodeSafetensors(bytes, source);
  const name = metadata["r4ec.model"];
  if (!name) throw new Error(`${source}: no r4ec model name in the safetensors metadata`);
  if (!backboneNames().includes(name)) {
    throw new Error(
      `${source}: unknown model "${name}" in the safetensors metadata; r4ec knows ` +
        backboneNames().join(", "),
    );
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(metadata["r4ec.config"] ?? "");
  } catch {
    throw new Error(`${source}: the safetensors metadata holds no valid r4ec.config`);
  }
  const model = createModel(name, config);
  loadWeights(model, bytes, source);
  return model;
}

/**
 * Writes `<basePath>.safetensors` and `<basePath>.json` (`{ model, config, tensors, state }`).
 *
 * @example
 * ```ts
 * import type { CtrModel } from "./model.ts";
import type { StateTensor } from "./param.ts";
 * import { saveModel } from "./safetensors.ts";
 * async function store(model: CtrModel) {
 *   await saveModel(model, "runs/din-ml1m"); // runs/din-ml1m.safetensors + .json
 * }
 * ```
 */
export async function saveModel(model: CtrModel, basePath: string): Promise<void> {
  await runtime.writeFile(`${basePath}.safetensors`, encodeSafetensors(model));
  const description = {
    model: model.name,
    config: model.config,
    tensors: model.store.params.map((p) => ({ name: p.name, shape: p.shape })),
    state: model.store.states.map((t) => ({ name: t.name, shape: t.shape })),
  };
  await runtime.writeTextFile(`${basePath}.json`, JSON.stringify(description, null, 2) + "\n");
}

/**
 * Reads a model saved by `saveModel` (`basePath` without extension, or the .safetensors path).
 *
 * @example
 * ```ts
 * import { loadModel } from "./safetensors.ts";
 * async function restore() {
 *   return await loadModel("runs/din-ml1m");
 * }
 * ```
 */
export async function loadModel(basePath: string): Promise<CtrModel> {
  const path = basePath.endsWith(".safetensors") ? basePath : `${basePath}.safetensors`;
  return modelFromSafetensors(await runtime.readFile(path), path);
}
