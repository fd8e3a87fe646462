/**
 * Content address of a generation: a SHA-256 of (generator id, decoding parameters with defaults
 * applied, messages) over a canonical JSON form, so equal requests hash equally whatever the key
 * order or the omitted defaults.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type ChatRequest,
  type GenerationParams,
  GenerationParamsSchema,
} from "../../plugins/types.ts";

/**
 * JSON with object keys sorted at every level; `undefined` members are dropped as JSON does.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./generation_key.ts";
 * console.assert(canonicalJson({ b: 1, a: { d: [2, undefined], c: undefined } }) === '{"a":{"d":[2,null]},"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * The decoding parameters a request really runs with (schema defaults filled in).
 *
 * @example
 * ```ts
 * import { effectiveParams } from "./generation_key.ts";
 * effectiveParams({ messages: [{ role: "user", content: "hi" }] }); // { maxTokens: 512, temperature: 0 }
 * ```
 */
export function effectiveParams(req: ChatRequest): GenerationParams {
  return GenerationParamsSchema.parse(req.params ?? {});
}

/**
 * Hex SHA-256 content key of a request to a given generator.
 *
 * @example
 * ```ts
 * import { generationKey } from "./generation_key.ts";
 * const key = generationKey("hf:Qwen/Qwen2.5-7B-Instruct", {
 *   messages: [{ role: "user", content: "Describe this user." }],
 *   params: { maxTokens: 512 },
 * });
 * console.log(key.length); // 64
 * ```
 */
export function generationKey(generatorId: string, req: ChatRequest): string {
  const messages = req.messages.map((m) => ({ role: m.role, content: m.content }));
  return createHash("sha256")
    .update(canonicalJson({ generator: generatorId, params: effectiveParams(req), messages }))
    .digest("hex");
}
