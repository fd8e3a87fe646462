/**
 * Request files in the OpenAI Batch format (what `vllm run-batch` and the OpenAI Batch API read):
 * one JSON line per request, `{"custom_id", "method": "POST", "url": "/v1/chat/completions",
 * "body": {model, messages, ...params}}`, the `custom_id` being the store's generation key. Files
 * are grouped by model, stage and round, and split at the format's limits.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { effectiveParams } from "../store/generation_key.ts";
import type { ChatRequest } from "../../plugins/types.ts";
import type { PendingRequest } from "./deferring_generator.ts";

/** The endpoint every request line names. */
export const CHAT_ENDPOINT = "/v1/chat/completions";

/** Limits of one request file (the OpenAI Batch API's). */
export interface RequestFileLimits {
  /** Most requests in one file. @default 50_000 */
  maxRequests?: number;
  /** Most bytes in one file. @default 200 MB (200 * 1024 * 1024) */
  maxBytes?: number;
}

/** One request file written. */
export interface RequestFile {
  /** Where it is. */
  path: string;
  /** Model of its requests. */
  model: string;
  /** Stage of its requests. */
  stage: string;
  /** 0 for reasoning, else the reflection round. */
  round: number;
  /** Keys (`custom_id`s) in file order. */
  keys: string[];
}

/**
 * The chat-completion body of a request, with the decoding parameters `hfGenerator` sends
 * (`adapters/llm/hf.ts`), so a batch answer is what the online call would have been asked for.
 *
 * @example
 * ```ts
 * import { chatBody } from "./request_file.ts";
 * const body = chatBody("qwen", { messages: [{ role: "user", content: "hi" }] });
 * console.log(body.max_tokens, body.temperature); // 512 0
 * ```
 */
export function chatBody(model: string, request: ChatRequest): Record<string, unknown> {
  const p = effectiveParams(request);
  return {
    model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    max_tokens: p.maxTokens,
    temperature: p.temperature,
    ...(p.topP !== undefined ? { top_p: p.topP } : {}),
    ...(p.seed !== undefined ? { seed: p.seed } : {}),
    ...(p.stop !== undefined ? { stop: p.stop } : {}),
  };
}

/**
 * One request line (without its newline).
 *
 * @example
 * ```ts
 * import { requestLine } from "./request_file.ts";
 * const line = requestLine("k1", "qwen", { messages: [{ role: "user", content: "hi" }] });
 * console.log(JSON.parse(line).url); // /v1/chat/completions
 * ```
 */
export function requestLine(key: string, model: string, request: ChatRequest): string {
  return JSON.stringify({
    custom_id: key,
    method: "POST",
    url: CHAT_ENDPOINT,
    body: chatBody(model, request),
  });
}

/** File-name-safe form of a model name. */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60);
}

/**
 * Writes the requests to `dir` (created if missing): one file per model, stage and round, split
 * at the limits, named `<stage>-r<round>-<model>-<hash>[-<part>].jsonl` (the hash is of the keys,
 * so the same requests get the same name and other requests never overwrite them). Lines are in
 * key order.
 *
 * @example
 * ```ts
 * import { writeRequestFiles } from "./request_file.ts";
 * const files = await writeRequestFiles(await Deno.makeTempDir(), []);
 * console.log(files.length); // 0
 * ```
 */
export async function writeRequestFiles(
  dir: string,
  requests: Iterable<PendingRequest>,
  limits: RequestFileLimits = {},
): Promise<RequestFile[]> {
  const maxRequests = limits.maxRequests ?? 50_000;
  const maxBytes = limits.maxBytes ?? 200 * 1024 * 1024;
  const groups = new Map<string, PendingRequest[]>();
  for (const r of requests) {
    const step = r.deferred.step ?? { stage: "reason", round: 0 };
    const group = `${step.stage}-r${step.round}-${slug(r.model)}`;
    const members = groups.get(group) ?? [];
    members.push(r);
    groups.set(group, members);
  }
  await runtime.mkdir(dir, { recursive: true });
  const written: RequestFile[] = [];
  for (const [group, members] of [...groups].sort(([a], [b]) => a < b ? -1 : 1)) {
    members.sort((a, b) => a.key < b.key ? -1 : 1);
    const parts = splitLines(members, maxRequests, maxBytes);
    const hash = createHash("sha256").update(members.map((m) => m.key).join("\n")).digest("hex");
    for (const [i, part] of parts.entries()) {
      const suffix = parts.length > 1 ? `-${String(i + 1).padStart(3, "0")}` : "";
      const path = join(dir, `${group}-${hash.slice(0, 10)}${suffix}.jsonl`);
      await runtime.writeTextFile(path, part.lines.map((l) => `${l}\n`).join(""));
      const step = part.requests[0].deferred.step ?? { stage: "reason", round: 0 };
      written.push({
        path,
        model: part.requests[0].model,
        stage: step.stage,
        round: step.round,
        keys: part.requests.map((r) => r.key),
      });
    }
  }
  return written;
}

/** Requests cut into files of at most `maxRequests` lines and `maxBytes` bytes. */
function splitLines(
  requests: PendingRequest[],
  maxRequests: number,
  maxBytes: number,
): { requests: PendingRequest[]; lines: string[] }[] {
  const encoder = new TextEncoder();
  const parts: { requests: PendingRequest[]; lines: string[]; bytes: number }[] = [];
  for (const r of requests) {
    const line = requestLine(r.key, r.model, r.deferred.request);
    const bytes = encoder.encode(line).length + 1;
    if (bytes > maxBytes) {
      throw new Error(`request ${r.key} takes ${bytes} bytes, over a batch file's ${maxBytes}`);
    }
    const last = parts.at(-1);
    if (last && last.requests.length < maxRequests && last.bytes + bytes <= maxBytes) {
      last.requests.push(r);
      last.lines.push(line);
      last.bytes += bytes;
    } else parts.push({ requests: [r], lines: [line], bytes });
  }
  return parts;
}
