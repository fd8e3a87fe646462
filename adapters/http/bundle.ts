/**
 * The serving bundle: one folder holding a trained backbone (`model.safetensors` + `model.json`,
 * written by `saveModel`) and `serving.json`, everything scoring and on-demand knowledge need that
 * the weights do not hold: the dataset's vocabularies (raw ids in dense order), item attributes and
 * descriptions, each user's latest backbone history and knowledge window, each item's rater windows,
 * the key prefix of the knowledge in the store, and the encoder (id, spec and, for the hashing
 * encoder, its fitted state) so new knowledge texts are embedded exactly as the training texts were.
 * The backbone is also written as `model.onnx` (`exportOnnx`) for hosts that serve it with ONNX
 * Runtime.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { join } from "node:path";
import { type EmbedderContext, embedderFromSpec } from "../embed/spec.ts";
import { HashingEmbedder } from "../embed/hashing.ts";
import { type ServingManifest, ServingManifestSchema } from "./bundle_manifest.ts";
import { type AdaptorMemoStats, memoizeKnowledgeAdaptor } from "./adaptor_memo.ts";
import { loadModel, saveModel } from "../../backbone/safetensors.ts";
import { exportOnnx, ONNX_FILE } from "../onnx/export.ts";
import type { CtrModel } from "../../backbone/model.ts";
import type { CtrDataset, HistoryPair, SampleSplit } from "../../datasets/types.ts";
import type { Embedder } from "../../plugins/types.ts";
import {
  type KnowledgeVectors,
  readKnowledgeVectors,
  writeKnowledgeVectors,
} from "../../eval/vector_files/mod.ts";

/**
 * File name of the bundle's description.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { SERVING_FILE } from "./bundle.ts";
 * const manifestOf = async (dir: string) =>
 *   JSON.parse(await Deno.readTextFile(join(dir, SERVING_FILE)));
 * ```
 */
export const SERVING_FILE = "serving.json";
/**
 * Base name of the model files inside the bundle (`model.safetensors`, `model.json`).
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { MODEL_BASENAME } from "./bundle.ts";
 * import { loadModel } from "../../backbone/safetensors.ts";
 * const modelOf = (dir: string) => loadModel(join(dir, MODEL_BASENAME));
 * ```
 */
export const MODEL_BASENAME = "model";

/**
 * A loaded bundle: the model, the manifest, id lookups and the encoder.
 *
 * @example
 * ```ts
 * import { loadServingBundle } from "./bundle.ts";
 * async function denseOf(dir: string, rawItem: string) {
 *   const bundle = await loadServingBundle(dir);
 *   return bundle.itemIndex.get(rawItem); // e.g. "1193" on ML-1M
 * }
 * ```
 */
export interface ServingBundle {
  /** Folder it was loaded from. */
  dir: string;
  /** The trained backbone. */
  model: CtrModel;
  /** `serving.json`. */
  manifest: ServingManifest;
  /** Raw item id -> dense index. */
  itemIndex: Map<string, number>;
  /** Raw user id -> dense index. */
  userIndex: Map<string, number>;
  /** Item attribute ids, `items * attrFields`. */
  itemAttrs: Int32Array;
  /** Counters of the adaptor memo, when on. */
  adaptorMemo?: AdaptorMemoStats;
  /**
   * The encoder of knowledge texts, built on first use (hashing: from the saved state; other
   * kinds: from the spec), or `undefined` when the bundle records neither.
   */
  encoder(): Promise<Embedder | undefined>;
  /** Brought-in vectors by raw id, when the model was trained on them. */
  vectors?: { user: Map<string, Float32Array>; item: Map<string, Float32Array> };
}

/**
 * Options of {@link saveServingBundle}.
 *
 * @example
 * ```ts
 * import type { SaveServingBundleOptions } from "./bundle.ts";
 * import type { CtrModel } from "../../backbone/model.ts";
 * import type { CtrDataset } from "../../datasets/types.ts";
 * import type { Embedder } from "../../plugins/types.ts";
 * function example(model: CtrModel, dataset: CtrDataset, encoder: Embedder) {
 *   const options: SaveServingBundleOptions = { model, dataset, encoder, encoderSpec: "hashing#dim=256" };
 * }
 * ```
 */
export interface SaveServingBundleOptions {
  /** The trained backbone. */
  model: CtrModel;
  /** The dataset it was trained on. */
  dataset: CtrDataset;
  /**
   * The encoder of the knowledge vectors the model was trained with (a `cachedEmbedder` around
   * it is fine: the hashing state is taken from the wrapped encoder). Not needed with `vectors`.
   */
  encoder?: Embedder;
  /** Vectors brought in from outside the model was trained with (copied into the bundle). */
  vectors?: { vectors: KnowledgeVectors; fingerprint: string };
  /** Spec that rebuilds the encoder (not needed for the hashing encoder, whose state is saved). */
  encoderSpec?: string;
  /** Prefix of the knowledge keys in the store (the eval's `<tag>|`); default `""`. */
  knowledgePrefix?: string;
  /**
   * Also write the backbone as `model.onnx` (opset 13, see `exportOnnx`).
   * @default true
   */
  onnx?: boolean;
}

const pairs = (window: HistoryPair[]): [number, number][] => window.map((p) => [p.item, p.rating]);

/** Each user's latest T interactions (oldest first), from the sample with the highest position. */
function latestHistories(d: CtrDataset): { item: number[]; rating: number[] } {
  const T = d.historyLength, users = d.users.raw.length;
  const bestPos = new Int32Array(users).fill(-1);
  const bestSplit: (SampleSplit | undefined)[] = new Array(users);
  const bestRow = new Int32Array(users);
  for (const split of [d.train, d.valid, d.test]) {
    for (let r = 0; r < split.size; r++) {
      const u = split.user[r];
      if (split.position[r] > bestPos[u]) {
        bestPos[u] = split.position[r];
        bestSplit[u] = split;
        bestRow[u] = r;
      }
    }
  }
  const item = new Array<number>(users * T).fill(0), rating = new Array<number>(users * T).fill(0);
  for (let u = 1; u < users; u++) {
    const s = bestSplit[u];
    if (!s) continue;
    const r = bestRow[u];
    // The window before the last sample, shifted by one, then the last sample itself.
    for (let t = 1; t < T; t++) {
      item[u * T + t - 1] = s.histItem[r * T + t];
      rating[u * T + t - 1] = s.histRating[r * T + t];
    }
    item[u * T + T - 1] = s.item[r];
    rating[u * T + T - 1] = s.rating[r];
  }
  return { item, rating };
}

/** Folder of brought-in vectors inside a bundle. */
const VECTORS_DIR = "vectors";

/**
 * The manifest's `encoder` (and `vectors`) entries, checked against the model's knowledge widths.
 * A bundle of brought-in vectors records a pseudo-encoder `vectors:<fingerprint>` that cannot
 * embed new texts.
 */
function knowledgeEntries(
  o: SaveServingBundleOptions,
): Pick<ServingManifest, "encoder" | "vectors"> {
  const k = o.model.config.knowledge;
  if (o.vectors) {
    const { vectors: v, fingerprint } = o.vectors;
    if (k && (k.userDim !== v.users.dim || k.itemDim !== v.items.dim)) {
      throw new Error(
        `saveServingBundle: the vectors are user ${v.users.dim}-d and item ${v.items.dim}-d but ` +
          `the model expects user ${k.userDim}-d and item ${k.itemDim}-d knowledge`,
      );
    }
    return {
      encoder: { id: `vectors:${fingerprint}`, dim: v.users.dim },
      vectors: { dir: VECTORS_DIR, fingerprint, summary: v.report.summary },
    };
  }
  const encoder = o.encoder;
  if (!encoder) throw new Error("saveServingBundle: needs an encoder or brought-in vectors");
  if (k && (k.userDim !== encoder.dim || k.itemDim !== encoder.dim)) {
    throw new Error(
      `saveServingBundle: encoder ${encoder.id} gives ${encoder.dim}-d vectors but the model ` +
        `expects user ${k.userDim}-d and item ${k.itemDim}-d knowledge`,
    );
  }
  // The eval wraps its encoder in a vector cache (`cachedEmbedder`): save the state underneath.
  let hashing: HashingEmbedder | undefined;
  for (let e: Embedder | undefined = encoder; e; e = (e as { inner?: Embedder }).inner) {
    if (e instanceof HashingEmbedder) {
      hashing = e;
      break;
    }
  }
  if (hashing && hashing.id !== encoder.id) {
    throw new Error(
      `saveServingBundle: encoder ${encoder.id} wraps hashing encoder ${hashing.id}; the ids ` +
        `must match for the stored vectors to be found`,
    );
  }
  return {
    encoder: {
      id: encoder.id,
      dim: encoder.dim,
      ...(o.encoderSpec !== undefined ? { spec: o.encoderSpec } : {}),
      ...(hashing ? { hashingState: hashing.toJSON() } : {}),
    },
  };
}

/**
 * Writes a serving bundle into `dir` (created if missing): `model.safetensors`, `model.json`,
 * `model.onnx` (unless `onnx: false`), `serving.json`, and `vectors/` with brought-in vectors.
 *
 * @example
 * ```ts
 * import { saveServingBundle } from "./bundle.ts";
 * import type { CtrModel } from "../../backbone/model.ts";
 * import type { CtrDataset } from "../../datasets/types.ts";
 * import type { Embedder } from "../../plugins/types.ts";
 * async function example(model: CtrModel, dataset: CtrDataset, encoder: Embedder) {
 *   await saveServingBundle("runs/serving", { model, dataset, encoder, knowledgePrefix: "ab12|" });
 * }
 * ```
 */
export async function saveServingBundle(
  dir: string,
  options: SaveServingBundleOptions,
): Promise<void> {
  const { model, dataset: d } = options;
  const c = model.config;
  const mismatch = (what: string, model: number, data: number) => {
    if (model !== data) {
      throw new Error(
        `saveServingBundle: the model has ${what} ${model} but dataset ${d.name} has ${data}`,
      );
    }
  };
  mismatch("items", c.items, d.items.raw.length);
  mismatch("attributes", c.attributes, d.attributes.raw.length);
  mismatch("attrFields", c.attrFields, d.attrFields);
  mismatch("historyLength", c.historyLength, d.historyLength);
  const knowledge = knowledgeEntries(options);
  const window: [number, number][][] = d.users.raw.map(() => []);
  for (const input of d.userInputs) window[input.user] = pairs(input.history);
  const raters: ServingManifest["items"]["raters"] = d.items.raw.map(() => null);
  for (const input of d.itemInputs) {
    raters[input.item] = {
      liker: pairs(input.likerHistory),
      disliker: pairs(input.dislikerHistory),
    };
  }
  const history = latestHistories(d);
  const manifest: ServingManifest = {
    format: "r4ec.serving-bundle",
    version: 1,
    createdAt: new Date().toISOString(),
    model: model.name,
    dataset: d.name,
    domain: {
      itemNoun: d.domain.itemNoun,
      ratingScale: [d.domain.ratingScale[0], d.domain.ratingScale[1]],
      likeThreshold: d.domain.likeThreshold,
    },
    historyLength: d.historyLength,
    attrFields: d.attrFields,
    attrFieldNames: d.attrFieldNames,
    attributes: d.attributes.raw,
    items: {
      raw: d.items.raw,
      attrs: Array.from(d.itemAttrs),
      info: d.itemInfo.map((i) => ({
        title: i.title,
        attributes: i.attributes,
        genres: i.genres,
        ...(i.description !== undefined ? { description: i.description } : {}),
        ...(i.year !== undefined ? { year: i.year } : {}),
      })),
      raters,
    },
    users: {
      raw: d.users.raw,
      historyItem: history.item,
      historyRating: history.rating,
      window,
    },
    knowledgePrefix: options.knowledgePrefix ?? "",
    ...knowledge,
  };
  await runtime.mkdir(dir, { recursive: true });
  if (options.vectors) {
    const { users, items } = options.vectors.vectors;
    await writeKnowledgeVectors(join(dir, VECTORS_DIR), { users, items });
  }
  await saveModel(model, join(dir, MODEL_BASENAME));
  if (options.onnx !== false) await runtime.writeFile(join(dir, ONNX_FILE), exportOnnx(model));
  await runtime.writeTextFile(join(dir, SERVING_FILE), JSON.stringify(manifest) + "\n");
}

/**
 * Options of {@link loadServingBundle}.
 *
 * @example
 * ```ts
 * import type { LoadServingBundleOptions } from "./bundle.ts";
 * const options: LoadServingBundleOptions = {
 *   embedderContext: { accessToken: Deno.env.get("HF_TOKEN") },
 *   memoCapacity: 20_000,
 * };
 * ```
 */
export interface LoadServingBundleOptions {
  /** Context for rebuilding a non-hashing encoder from its spec (tokens, local model folder). */
  embedderContext?: EmbedderContext;
  /**
   * Remember the knowledge adaptor's output per distinct vector (`memoizeKnowledgeAdaptor`);
   * default true. The loaded model is then for inference only.
   */
  memoizeAdaptor?: boolean;
  /** Rows per side the memo keeps (default 50,000). */
  memoCapacity?: number;
}

/** The brought-in vectors a bundle holds, read against its own vocabularies. */
function bundledVectors(dir: string, m: ServingManifest): Promise<KnowledgeVectors> {
  const vocabulary = (raw: string[]) => ({ raw, index: new Map(raw.map((id, i) => [id, i])) });
  return readKnowledgeVectors(join(dir, m.vectors!.dir), {
    users: vocabulary(m.users.raw),
    items: vocabulary(m.items.raw),
  });
}

/** Raw id -> vector of one kind. */
function byRawId(v: KnowledgeVectors["users"]): Map<string, Float32Array> {
  return new Map(v.ids.map((id, k) => [id, v.rows.subarray(k * v.dim, (k + 1) * v.dim)]));
}

/**
 * Reads a bundle written by {@link saveServingBundle}, checking that the manifest and the model fit
 * each other; errors name the file and the field.
 *
 * @example
 * ```ts
 * import { loadServingBundle } from "./bundle.ts";
 * async function describe(dir: string) {
 *   const { manifest } = await loadServingBundle(dir);
 *   return `${manifest.model} on ${manifest.dataset}, encoder ${manifest.encoder.id}`;
 * }
 * ```
 */
export async function loadServingBundle(
  dir: string,
  options: LoadServingBundleOptions = {},
): Promise<ServingBundle> {
  const file = join(dir, SERVING_FILE);
  let text: string;
  try {
    text = await runtime.readTextFile(file);
  } catch (e) {
    throw new Error(`loadServingBundle: cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`loadServingBundle: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = ServingManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `loadServingBundle: ${file}: field ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  const m = parsed.data;
  const model = await loadModel(join(dir, MODEL_BASENAME));
  const c = model.config;
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new Error(`loadServingBundle: ${file}: ${message}`);
  };
  const nItems = m.items.raw.length, nUsers = m.users.raw.length, T = m.historyLength;
  check(m.model === model.name, `model is "${m.model}" but the weights are "${model.name}"`);
  check(nItems === c.items, `items.raw has ${nItems} ids but the model has ${c.items} item rows`);
  check(
    m.attributes.length === c.attributes,
    `attributes has ${m.attributes.length} values but the model has ${c.attributes} rows`,
  );
  check(m.attrFields === c.attrFields, `attrFields ${m.attrFields} != model ${c.attrFields}`);
  check(T === c.historyLength, `historyLength ${T} != model ${c.historyLength}`);
  check(m.items.attrs.length === nItems * m.attrFields, "items.attrs length != items * attrFields");
  check(m.items.info.length === nItems, "items.info length != items.raw length");
  check(m.items.raters.length === nItems, "items.raters length != items.raw length");
  check(m.users.historyItem.length === nUsers * T, "users.historyItem length != users * T");
  check(m.users.historyRating.length === nUsers * T, "users.historyRating length != users * T");
  check(m.users.window.length === nUsers, "users.window length != users.raw length");
  check(m.items.attrs.every((a) => a < c.attributes), "items.attrs holds an unknown attribute id");
  check(m.users.historyItem.every((i) => i < nItems), "users.historyItem holds an unknown item");
  check(
    m.users.historyRating.every((r) => r < c.ratingValues),
    `users.historyRating holds a rating >= ${c.ratingValues}`,
  );
  const vectors = m.vectors ? await bundledVectors(dir, m) : undefined;
  if (c.knowledge && vectors) {
    check(
      c.knowledge.userDim === vectors.users.dim && c.knowledge.itemDim === vectors.items.dim,
      `the vectors in ${m.vectors!.dir} do not match the model's knowledge widths`,
    );
  } else if (c.knowledge) {
    check(
      c.knowledge.userDim === m.encoder.dim && c.knowledge.itemDim === m.encoder.dim,
      `encoder.dim ${m.encoder.dim} does not match the model's knowledge widths`,
    );
  }
  const index = (raw: string[]) => new Map(raw.map((id, i) => [id, i] as const).slice(1));
  let encoder: Promise<Embedder | undefined> | undefined;
  const buildEncoder = async (): Promise<Embedder | undefined> => {
    let e: Embedder;
    if (m.encoder.hashingState) e = HashingEmbedder.fromJSON(m.encoder.hashingState);
    else if (m.encoder.spec) e = await embedderFromSpec(m.encoder.spec, options.embedderContext);
    else return undefined;
    if (e.id !== m.encoder.id || e.dim !== m.encoder.dim) {
      throw new Error(
        `loadServingBundle: ${file}: the rebuilt encoder is ${e.id} (${e.dim}-d) but the bundle ` +
          `records ${m.encoder.id} (${m.encoder.dim}-d); its vectors would not match`,
      );
    }
    return e;
  };
  return {
    dir,
    model,
    manifest: m,
    itemIndex: index(m.items.raw),
    userIndex: index(m.users.raw),
    itemAttrs: Int32Array.from(m.items.attrs),
    ...(vectors ? { vectors: { user: byRawId(vectors.users), item: byRawId(vectors.items) } } : {}),
    adaptorMemo: options.memoizeAdaptor === false
      ? undefined
      : memoizeKnowledgeAdaptor(model, { capacity: options.memoCapacity }),
    encoder() {
      // A failed build is not cached, so a transient failure (a remote encoder) can be retried.
      encoder ??= buildEncoder().catch((e) => {
        encoder = undefined;
        throw e;
      });
      return encoder;
    },
  };
}
