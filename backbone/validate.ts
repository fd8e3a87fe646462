/**
 * Input checks run once per `fit` / `predict` call (never per batch): shapes, id ranges,
 * knowledge widths and non-finite values, each reported with the field and the sample.
 *
 * @module
 */
import type { CtrInputs, KnowledgeInput, ModelConfig } from "./types.ts";

/**
 * Throws a `RangeError` naming the offending field (and sample) when `inputs` does not fit a
 * model built from `config`.
 *
 * @example
 * ```ts
 * import { validateInputs } from "./validate.ts";
 * import type { CtrInputs, ModelConfig } from "./types.ts";
 * function check(inputs: CtrInputs, config: ModelConfig) {
 *   validateInputs(inputs, config, "train"); // throws on bad input
 * }
 * ```
 */
export function validateInputs(inputs: CtrInputs, config: ModelConfig, label: string): void {
  const s = inputs.split;
  if (!s || typeof s.size !== "number" || !Number.isInteger(s.size) || s.size < 0) {
    throw new RangeError(`${label}: split.size must be a non-negative integer`);
  }
  const n = s.size, A = config.attrFields, T = config.historyLength;
  const expect = (field: string, arr: { length: number } | undefined, len: number) => {
    if (!arr) throw new RangeError(`${label}: split.${field} is missing`);
    if (arr.length !== len) {
      throw new RangeError(
        `${label}: split.${field} has length ${arr.length}, expected ${len} ` +
          `(size ${n}, attrFields ${A}, historyLength ${T})`,
      );
    }
  };
  expect("item", s.item, n);
  expect("attrs", s.attrs, n * A);
  expect("histItem", s.histItem, n * T);
  expect("histAttrs", s.histAttrs, n * T * A);
  expect("histRating", s.histRating, n * T);
  expect("label", s.label, n);
  const range = (field: string, arr: Int32Array, rows: number, per: number) => {
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (v < 0 || v >= rows) {
        throw new RangeError(
          `${label}: split.${field}[${i}] (sample ${Math.floor(i / per)}) = ${v} is outside ` +
            `the table of ${rows} rows`,
        );
      }
    }
  };
  range("item", s.item, config.items, 1);
  range("attrs", s.attrs, config.attributes, A);
  range("histItem", s.histItem, config.items, T);
  range("histAttrs", s.histAttrs, config.attributes, T * A);
  range("histRating", s.histRating, config.ratingValues, T);
  for (let i = 0; i < n; i++) {
    const y = s.label[i];
    if (!(y >= 0 && y <= 1)) {
      throw new RangeError(`${label}: split.label[${i}] = ${y} is not in [0, 1]`);
    }
  }
  const k = config.knowledge;
  if (!k) {
    if (inputs.userKnowledge || inputs.itemKnowledge) {
      throw new RangeError(
        `${label}: knowledge vectors were given but the model has no knowledge adaptor ` +
          `(config.knowledge is unset)`,
      );
    }
    return;
  }
  checkKnowledge(inputs.userKnowledge, k.userDim, n, `${label}: userKnowledge`);
  checkKnowledge(inputs.itemKnowledge, k.itemDim, n, `${label}: itemKnowledge`);
}

function checkKnowledge(kn: KnowledgeInput | undefined, dim: number, n: number, where: string) {
  if (!kn) throw new RangeError(`${where} is missing but the model was built with knowledge`);
  if (kn.dim !== dim) {
    throw new RangeError(`${where}.dim is ${kn.dim} but the model expects ${dim}`);
  }
  if (kn.data.length % dim !== 0) {
    throw new RangeError(`${where}.data length ${kn.data.length} is not a multiple of dim ${dim}`);
  }
  if (kn.row.length !== n) {
    throw new RangeError(
      `${where}.row has length ${kn.row.length}, expected ${n} (one per sample)`,
    );
  }
  const rows = kn.data.length / dim;
  for (let i = 0; i < n; i++) {
    const r = kn.row[i];
    if (r < -1 || r >= rows) {
      throw new RangeError(`${where}.row[${i}] = ${r} is outside [-1, ${rows})`);
    }
  }
  for (let i = 0; i < kn.data.length; i++) {
    if (!Number.isFinite(kn.data[i])) {
      throw new RangeError(
        `${where}.data has a non-finite value (${kn.data[i]}) in row ${Math.floor(i / dim)}, ` +
          `column ${i % dim}`,
      );
    }
  }
}
