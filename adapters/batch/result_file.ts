/**
 * Result files of a batch: the output of `vllm run-batch` and the OpenAI Batch API's output and
 * error files, one JSON line per request: `{id, custom_id, response: {status_code, body}, error}`.
 * Each line is read into an answer or the reason it is none; a line that is not such a result is
 * bad input, named by file and line.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { z } from "zod";
import type { TokenUsage } from "../../plugins/types.ts";

/**
 * A result file that cannot be read, naming the file and line.
 *
 * @example
 * ```ts
 * import { BatchFileError, parseResultFile } from "./result_file.ts";
 * try {
 *   parseResultFile("{not json", "out.jsonl");
 * } catch (error) {
 *   console.assert(error instanceof BatchFileError && error.message.startsWith("out.jsonl:1:"));
 * }
 * ```
 */
export class BatchFileError extends Error {
  override readonly name = "BatchFileError";
}

const ResultLineSchema = z.object({
  id: z.string().nullish(),
  custom_id: z.string().min(1),
  response: z.object({ status_code: z.number().int(), body: z.unknown() }).nullish(),
  error: z.object({ code: z.unknown(), message: z.unknown() }).partial().nullish(),
});

const CompletionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({
    message: z.object({ content: z.string().nullish() }),
    finish_reason: z.string().nullish(),
  })).min(1),
  usage: z.object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
  }).partial().nullish(),
});

/** An answer a result line carries. */
export interface BatchAnswer {
  text: string;
  usage: TokenUsage;
  /** Model the server reported (none: the request's). */
  model?: string;
  finishReason?: string;
}

/** One line of a result file. */
export interface ResultLine {
  /** The file it is in. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** Its `custom_id`: a generation key. */
  key: string;
  /** The answer, or why there is none. */
  outcome: { answer: BatchAnswer } | { error: string };
}

/**
 * The outcome of one parsed result line: the answer of a 200 chat completion, else the error it
 * reports (an `error` object, a non-200 status, or a body that is not a chat completion).
 */
function outcomeOf(line: z.infer<typeof ResultLineSchema>): ResultLine["outcome"] {
  if (line.error) {
    return { error: `error ${line.error.code ?? ""}: ${line.error.message ?? "(no message)"}` };
  }
  if (!line.response) return { error: "no response and no error" };
  const { status_code: status, body } = line.response;
  if (status !== 200) return { error: `status ${status}: ${JSON.stringify(body).slice(0, 200)}` };
  const completion = CompletionSchema.safeParse(body);
  if (!completion.success) {
    return { error: `status 200 with a body that is not a chat completion` };
  }
  const { choices, usage, model } = completion.data;
  return {
    answer: {
      text: choices[0].message.content ?? "",
      usage: { prompt: usage?.prompt_tokens ?? 0, completion: usage?.completion_tokens ?? 0 },
      ...(model !== undefined ? { model } : {}),
      ...(choices[0].finish_reason ? { finishReason: choices[0].finish_reason } : {}),
    },
  };
}

/**
 * Reads the text of a result file; empty lines are skipped. Throws {@link BatchFileError} at the
 * first line that is not JSON or not a result line: `out.jsonl:3: not JSON (...)`.
 *
 * @example
 * ```ts
 * import { parseResultFile } from "./result_file.ts";
 * const text = JSON.stringify({ id: "r1", custom_id: "k1", error: null, response: {
 *   status_code: 200, body: { choices: [{ message: { content: "Enjoys jazz." } }] } } });
 * const [line] = parseResultFile(text, "out.jsonl");
 * console.log(line.key, "answer" in line.outcome); // k1 true
 * ```
 */
export function parseResultFile(text: string, file: string): ResultLine[] {
  const lines: ResultLine[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    if (raw.trim() === "") continue;
    const where = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new BatchFileError(`${where}: not JSON (${(error as Error).message})`);
    }
    if ((json as { method?: unknown })?.method !== undefined && !("response" in Object(json))) {
      throw new BatchFileError(`${where}: a request line, not a result (give the answers' file)`);
    }
    const parsed = ResultLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BatchFileError(
        `${where}: not a batch result line (${issue.message} at ${
          issue.path.join(".") || "the top"
        })`,
      );
    }
    lines.push({ file, line: i + 1, key: parsed.data.custom_id, outcome: outcomeOf(parsed.data) });
  }
  return lines;
}

/**
 * Reads result files and folders (every `*.jsonl` in a folder, by name), all of them before any
 * is used, so bad input fails before anything is stored.
 *
 * @example
 * ```ts
 * import { readResultFiles } from "./result_file.ts";
 * console.log((await readResultFiles([await Deno.makeTempDir()])).length); // 0
 * ```
 */
export async function readResultFiles(paths: string[]): Promise<ResultLine[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await runtime.stat(path).catch(() => undefined);
    if (!info) throw new BatchFileError(`${path}: no such file or folder`);
    if (!info.isDirectory) {
      files.push(path);
      continue;
    }
    const names = [...runtime.readDirSync(path)].map((e) => e.name)
      .filter((name) => name.endsWith(".jsonl"));
    files.push(...names.sort().map((name) => `${path.replace(/\/+$/, "")}/${name}`));
  }
  const lines: ResultLine[] = [];
  for (const file of files) lines.push(...parseResultFile(await runtime.readTextFile(file), file));
  return lines;
}
