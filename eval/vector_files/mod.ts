/**
 * Knowledge vectors computed outside r4ec (e.g. BGE-M3 on a platform's own GPUs), exchanged as a
 * folder holding one file set per kind: `users.*` and `items.*`, each in exactly one format:
 *
 * - `users.parquet`: columns `id` (string or integer) and `vector` (LIST/ARRAY of FLOAT/DOUBLE);
 * - `users.npy` (2-D, C order, `<f4` or `<f8`) with `users.ids.txt` (one raw id per line);
 * - `users.jsonl`: one `{"id": "...", "vector": [numbers]}` per line.
 *
 * @module
 */
export { VectorFileError, type VectorLocation } from "./error.ts";
export type { VectorKind, VectorRows, VectorSet } from "./table.ts";
export {
  type KindReport,
  type KindVectors,
  type KnowledgeVectors,
  type KnowledgeVectorsReport,
  readKnowledgeVectors,
  VECTOR_FORMATS,
  type VectorFormat,
} from "./read.ts";
export { writeKnowledgeVectors, type WriteVectorsOptions } from "./write.ts";
