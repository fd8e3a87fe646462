/**
 * The inputs and outputs of every exported graph, and the tensors to feed it from r4ec's columnar
 * samples. Every id is a dense r4ec index (1-based, 0 = padding), as in `serving.json` and the
 * `SampleSplit` the model was trained on; `N` is the dynamic batch axis `batch`.
 *
 * @module
 */
import type { CtrInputs, ModelConfig } from "../../backbone/types.ts";
import type { OnnxElementType } from "./graph.ts";

/**
 * Names of the graph inputs.
 *
 * @example
 * ```ts
 * import { INPUT_NAMES } from "./inputs.ts";
 * console.log(INPUT_NAMES.histItem); // "hist_item"
 * ```
 */
export const INPUT_NAMES = {
  item: "item",
  attrs: "attrs",
  histItem: "hist_item",
  histAttrs: "hist_attrs",
  histRating: "hist_rating",
  userKnowledge: "user_knowledge",
  itemKnowledge: "item_knowledge",
} as const;

/**
 * Names of the graph outputs: `probability` `[N]` (the click probability, what `predict`
 * returns) and `logit` `[N]`.
 *
 * @example
 * ```ts
 * import { OUTPUT_NAMES } from "./inputs.ts";
 * console.log(OUTPUT_NAMES.probability); // "probability"
 * ```
 */
export const OUTPUT_NAMES = { probability: "probability", logit: "logit" } as const;

/**
 * One graph input: its name, element type, shape (`"batch"` = the dynamic axis) and meaning.
 *
 * @example
 * ```ts
 * import type { OnnxInputSpec } from "./inputs.ts";
 * const item: OnnxInputSpec = { name: "item", type: "int64", dims: ["batch"], doc: "target item" };
 * ```
 */
export interface OnnxInputSpec {
  /** Input name in the graph. */
  name: string;
  /** Element type. */
  type: OnnxElementType;
  /** Dimensions: a size, or `"batch"` for the dynamic axis. */
  dims: (number | string)[];
  /** What the input holds. */
  doc: string;
}

/**
 * The inputs of a model's graph, in order: `item` `[N]`, `attrs` `[N, A]`, `hist_item` `[N, T]`,
 * `hist_attrs` `[N, T, A]`, `hist_rating` `[N, T]` (int64), and with knowledge
 * `user_knowledge` `[N, userDim]` and `item_knowledge` `[N, itemDim]` (float32; a zero row = no
 * knowledge, as r4ec treats a missing vector).
 *
 * @example
 * ```ts
 * import { onnxInputSpecs } from "./inputs.ts";
 * const specs = onnxInputSpecs({
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 8, mlp: [16], seed: 1,
 * });
 * console.log(specs.map((s) => s.name));
 * ```
 */
export function onnxInputSpecs(config: ModelConfig): OnnxInputSpec[] {
  const A = config.attrFields, T = config.historyLength, N = "batch";
  const specs: OnnxInputSpec[] = [
    {
      name: INPUT_NAMES.item,
      type: "int64",
      dims: [N],
      doc: `target item, dense index in [1, ${config.items})`,
    },
    {
      name: INPUT_NAMES.attrs,
      type: "int64",
      dims: [N, A],
      doc: `the target item's ${A} attribute ids, dense indices in [0, ${config.attributes})`,
    },
    {
      name: INPUT_NAMES.histItem,
      type: "int64",
      dims: [N, T],
      doc: `the user's last ${T} items, oldest first; 0 = padding (masked in DIN's attention)`,
    },
    {
      name: INPUT_NAMES.histAttrs,
      type: "int64",
      dims: [N, T, A],
      doc: "attribute ids of each history item (0 for padding)",
    },
    {
      name: INPUT_NAMES.histRating,
      type: "int64",
      dims: [N, T],
      doc: `ratings of the history items in [0, ${config.ratingValues}); 0 = padding`,
    },
  ];
  const k = config.knowledge;
  if (k) {
    specs.push(
      {
        name: INPUT_NAMES.userKnowledge,
        type: "float32",
        dims: [N, k.userDim],
        doc: "the user's knowledge vector (encoder output); zeros = no knowledge",
      },
      {
        name: INPUT_NAMES.itemKnowledge,
        type: "float32",
        dims: [N, k.itemDim],
        doc: "the target item's knowledge vector; zeros = no knowledge",
      },
    );
  }
  return specs;
}

/**
 * One input tensor, runtime-neutral: build an `onnxruntime` tensor with
 * `new ort.Tensor(feed.type, feed.data, feed.dims)`.
 *
 * @example
 * ```ts
 * import type { OnnxFeed } from "./inputs.ts";
 * const feed: OnnxFeed = { type: "int64", data: BigInt64Array.of(3n, 4n), dims: [2] };
 * ```
 */
export type OnnxFeed =
  | { type: "int64"; data: BigInt64Array; dims: number[] }
  | { type: "float32"; data: Float32Array; dims: number[] };

/**
 * The feeds of samples `[start, start + size)` of `inputs` (all by default), in the layout the
 * exported graph of a model with `config` reads. Knowledge rows of -1 become zero vectors.
 *
 * @example
 * ```ts
 * import { onnxFeeds } from "./inputs.ts";
 * import { sampleInputs } from "./sample_inputs.ts";
 * const config = {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * };
 * const test = sampleInputs(config, { size: 300, seed: 7 });
 * const feeds = onnxFeeds(config, test, { start: 0, size: 256 });
 * console.assert(feeds.hist_item.dims.join() === "256,5");
 * ```
 */
export function onnxFeeds(
  config: ModelConfig,
  inputs: CtrInputs,
  range: { start?: number; size?: number } = {},
): Record<string, OnnxFeed> {
  const s = inputs.split, A = config.attrFields, T = config.historyLength;
  const start = range.start ?? 0, n = range.size ?? s.size - start;
  if (start < 0 || n < 0 || start + n > s.size) {
    throw new RangeError(`onnxFeeds: samples [${start}, ${start + n}) outside 0..${s.size}`);
  }
  const ids = (a: Int32Array, width: number) =>
    BigInt64Array.from(a.subarray(start * width, (start + n) * width), (v) => BigInt(v));
  const feeds: Record<string, OnnxFeed> = {
    [INPUT_NAMES.item]: { type: "int64", data: ids(s.item, 1), dims: [n] },
    [INPUT_NAMES.attrs]: { type: "int64", data: ids(s.attrs, A), dims: [n, A] },
    [INPUT_NAMES.histItem]: { type: "int64", data: ids(s.histItem, T), dims: [n, T] },
    [INPUT_NAMES.histAttrs]: { type: "int64", data: ids(s.histAttrs, T * A), dims: [n, T, A] },
    [INPUT_NAMES.histRating]: { type: "int64", data: ids(s.histRating, T), dims: [n, T] },
  };
  const k = config.knowledge;
  if (!k) return feeds;
  const dense = (name: string, dim: number, source: CtrInputs["userKnowledge"]) => {
    if (!source || source.dim !== dim) {
      throw new RangeError(`onnxFeeds: the model needs ${dim}-d ${name} vectors`);
    }
    const data = new Float32Array(n * dim);
    for (let b = 0; b < n; b++) {
      const r = source.row[start + b];
      if (r >= 0) data.set(source.data.subarray(r * dim, r * dim + dim), b * dim);
    }
    feeds[name] = { type: "float32", data, dims: [n, dim] };
  };
  dense(INPUT_NAMES.userKnowledge, k.userDim, inputs.userKnowledge);
  dense(INPUT_NAMES.itemKnowledge, k.itemDim, inputs.itemKnowledge);
  return feeds;
}
