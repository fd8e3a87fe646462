/**
 * Exporting fine-tuning sets as JSONL (docs/method.md#sft-export): Alpaca-style
 * `instruction`/`input`/`output`, chat `messages`, and the authors' released layout. One file per
 * (kind, role, format).
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import type {
  ConstructionOutcome,
  ConstructionRecord,
  SftRole,
  SftSample,
} from "./construction.ts";
import type { KnowledgeKind } from "./types.ts";

/**
 * The layouts: `alpaca` (`instruction`/`input`/`output` plus metadata), `chat` (`messages` plus
 * metadata), and `released` (the authors' example-file layout `user_id`/`prompt`/`answer`,
 * docs/method.md#sft-export).
 */
export type SftFormat = "alpaca" | "chat" | "released";

/** Metadata written beside every record (ignored by trainers). */
export interface SftMetadata {
  /** Dataset name. */
  dataset: string;
  /** User or item knowledge. */
  kind: KnowledgeKind;
  /** Which set. */
  role: SftRole;
  /** The task key (`<dataset>:<kind>:<raw id>`). */
  entity_id: string;
  /** The construction label. */
  label: 0 | 1;
  /** Id of the teacher. */
  teacher: string;
  /** Reflect set only. */
  judgement?: "reasonable" | "not_reasonable";
}

/** An Alpaca-style record. */
export interface AlpacaRecord extends SftMetadata {
  /** The rendered inference prompt. */
  instruction: string;
  /** Always empty: the prompt is complete. */
  input: "";
  /** The target text. */
  output: string;
}

/** A chat record. */
export interface ChatRecord extends SftMetadata {
  /** The prompt as the user turn, the target as the assistant turn. */
  messages: [{ role: "user"; content: string }, { role: "assistant"; content: string }];
}

/** A record in the released example file's layout (no metadata). */
export interface ReleasedRecord {
  /** The entity's id (the raw user or item id inside the task key). */
  user_id: string;
  /** The rendered inference prompt. */
  prompt: string;
  /** The target text. */
  answer: string;
}

function metadata(sample: SftSample, dataset: string): SftMetadata {
  const meta: SftMetadata = {
    dataset,
    kind: sample.kind,
    role: sample.role,
    entity_id: sample.key,
    label: sample.label,
    teacher: sample.teacher,
  };
  if (sample.judgement !== undefined) meta.judgement = sample.judgement;
  return meta;
}

/**
 * The Alpaca-style record of a sample: the inference prompt as `instruction`, empty `input`.
 *
 * @example
 * ```ts
 * import { toAlpacaRecord } from "./sft_export.ts";
 * import type { SftSample } from "./construction.ts";
 * const sample: SftSample = {
 *   kind: "user",
 *   role: "reason",
 *   instruction: "The user rated 'Heat (1995)' 5 ... What does the user like?",
 *   output: "Enjoys tense crime thrillers; avoids family comedies.",
 *   key: "ml-1m:user:42:train",
 *   label: 1,
 *   teacher: "hf:Qwen/Qwen2.5-7B-Instruct",
 * };
 * const record = toAlpacaRecord(sample, "ml-1m");
 * console.assert(record.instruction === sample.instruction && record.input === "" && record.dataset === "ml-1m");
 * ```
 */
export function toAlpacaRecord(sample: SftSample, dataset: string): AlpacaRecord {
  return {
    instruction: sample.instruction,
    input: "",
    output: sample.output,
    ...metadata(sample, dataset),
  };
}

/**
 * The released-layout record of a sample: `user_id` is the raw id inside the task key
 * (`<dataset>:<kind>:<id>`; anything after the id is ignored), or the whole key when it has
 * another shape.
 *
 * @example
 * ```ts
 * import { toReleasedRecord } from "./sft_export.ts";
 * import type { SftSample } from "./construction.ts";
 * const sample: SftSample = {
 *   kind: "user",
 *   role: "reason",
 *   instruction: "The user rated 'Heat (1995)' 5 ... What does the user like?",
 *   output: "Enjoys tense crime thrillers; avoids family comedies.",
 *   key: "ml-1m:user:42:train",
 *   label: 1,
 *   teacher: "hf:Qwen/Qwen2.5-7B-Instruct",
 * };
 * const record = toReleasedRecord(sample);
 * console.assert(record.user_id === "42" && record.answer === sample.output);
 * ```
 */
export function toReleasedRecord(sample: SftSample): ReleasedRecord {
  const parts = sample.key.split(":");
  const id = parts.length >= 3 && (parts[1] === "user" || parts[1] === "item")
    ? parts[2]
    : sample.key;
  return { user_id: id, prompt: sample.instruction, answer: sample.output };
}

/**
 * The chat record of a sample: one user turn (the prompt) and one assistant turn (the target).
 *
 * @example
 * ```ts
 * import { toChatRecord } from "./sft_export.ts";
 * import type { SftSample } from "./construction.ts";
 * const sample: SftSample = {
 *   kind: "user",
 *   role: "reason",
 *   instruction: "The user rated 'Heat (1995)' 5 ... What does the user like?",
 *   output: "Enjoys tense crime thrillers; avoids family comedies.",
 *   key: "ml-1m:user:42:train",
 *   label: 1,
 *   teacher: "hf:Qwen/Qwen2.5-7B-Instruct",
 * };
 * const record = toChatRecord(sample, "ml-1m");
 * console.assert(record.messages[1].content === sample.output);
 * ```
 */
export function toChatRecord(sample: SftSample, dataset: string): ChatRecord {
  return {
    messages: [
      { role: "user", content: sample.instruction },
      { role: "assistant", content: sample.output },
    ],
    ...metadata(sample, dataset),
  };
}

/** Counts of one (kind, role) set. */
export interface SftSetSummary {
  /** User or item knowledge. */
  kind: KnowledgeKind;
  /** Which set. */
  role: SftRole;
  /** Samples in the set. */
  count: number;
  /** Reflect sets: samples teaching "reasonable". */
  reasonable?: number;
  /** Reflect sets: samples teaching "not reasonable". */
  notReasonable?: number;
  /** Reflect sets: reasonable / not reasonable (`Infinity` when none is not reasonable). */
  reasonableRatio?: number;
}

/** A written file. */
export interface SftFile {
  /** Where it was written. */
  path: string;
  /** User or item knowledge. */
  kind: KnowledgeKind;
  /** Which set. */
  role: SftRole;
  /** Record layout. */
  format: SftFormat;
  /** Records (lines) written. */
  count: number;
}

/** What {@link writeSftSets} wrote. */
export interface SftExportReport {
  /** Every file written. */
  files: SftFile[];
  /** Counts per set. */
  sets: SftSetSummary[];
}

const ROLES: readonly SftRole[] = ["reason", "reflect", "refine"];

/**
 * Counts per (kind, role) set, with the reflect sets' reasonable/not-reasonable balance. Every role
 * of every kind in `kinds` (default: the kinds present) is listed, empty sets included.
 *
 * @example
 * ```ts
 * import { summarizeSftSets } from "./sft_export.ts";
 * summarizeSftSets([]); // []
 * ```
 */
export function summarizeSftSets(
  samples: readonly SftSample[],
  kinds?: readonly KnowledgeKind[],
): SftSetSummary[] {
  const present = kinds ?? [...new Set(samples.map((s) => s.kind))].sort();
  const out: SftSetSummary[] = [];
  for (const kind of present) {
    for (const role of ROLES) {
      const set = samples.filter((s) => s.kind === kind && s.role === role);
      const summary: SftSetSummary = { kind, role, count: set.length };
      if (role === "reflect") {
        const reasonable = set.filter((s) => s.judgement === "reasonable").length;
        const notReasonable = set.filter((s) => s.judgement === "not_reasonable").length;
        summary.reasonable = reasonable;
        summary.notReasonable = notReasonable;
        summary.reasonableRatio = notReasonable === 0
          ? (reasonable === 0 ? 0 : Infinity)
          : reasonable / notReasonable;
      }
      out.push(summary);
    }
  }
  return out;
}

/** Options of {@link writeSftSets}. */
export interface WriteSftOptions {
  /** Output folder (created when missing). */
  dir: string;
  /** Dataset name: file prefix and metadata, e.g. `ml-1m`. */
  dataset: string;
  /** Default both. */
  formats?: readonly SftFormat[];
  /** Kinds to write files for (empty sets give empty files); default the kinds present. */
  kinds?: readonly KnowledgeKind[];
}

/**
 * Writes `<dir>/<dataset>.<kind>.<role>.<format>.jsonl`, one JSON record per line, in sample order.
 * Each file is written to a temporary name and renamed, so a crash never leaves half a file.
 *
 * @example
 * ```ts
 * import { writeSftSets } from "./sft_export.ts";
 * import type { SftSample } from "./construction.ts";
 * const samples: SftSample[] = [{
 *   kind: "user",
 *   role: "reason",
 *   instruction: "The user rated 'Heat (1995)' 5 ... What does the user like?",
 *   output: "Enjoys tense crime thrillers; avoids family comedies.",
 *   key: "ml-1m:user:42:train",
 *   label: 1,
 *   teacher: "hf:Qwen/Qwen2.5-7B-Instruct",
 * }];
 * const dir = await Deno.makeTempDir();
 * const report = await writeSftSets(samples, { dir, dataset: "ml-1m" });
 * for (const f of report.files) console.log(f.path, f.count);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeSftSets(
  samples: readonly SftSample[],
  options: WriteSftOptions,
): Promise<SftExportReport> {
  if (!/^[A-Za-z0-9._-]+$/.test(options.dataset)) {
    throw new Error(
      `writeSftSets: dataset ${JSON.stringify(options.dataset)} must be letters, digits, ., _ or -`,
    );
  }
  const formats = options.formats ?? ["alpaca", "chat"];
  const sets = summarizeSftSets(samples, options.kinds);
  await runtime.mkdir(options.dir, { recursive: true });
  const files: SftFile[] = [];
  for (const { kind, role } of sets) {
    const set = samples.filter((s) => s.kind === kind && s.role === role);
    for (const format of formats) {
      const lines = set.map((s) =>
        JSON.stringify(
          format === "alpaca"
            ? toAlpacaRecord(s, options.dataset)
            : format === "chat"
            ? toChatRecord(s, options.dataset)
            : toReleasedRecord(s),
        )
      );
      const path = `${options.dir}/${options.dataset}.${kind}.${role}.${format}.jsonl`;
      const temp = `${path}.tmp-${runtime.pid}`;
      await runtime.writeTextFile(temp, lines.length ? lines.join("\n") + "\n" : "");
      await runtime.rename(temp, path);
      files.push({ path, kind, role, format, count: set.length });
    }
  }
  return { files, sets };
}

/** Totals over construction records. */
export interface ConstructionSummary {
  /** Records seen. */
  total: number;
  /** Records that yielded samples. */
  kept: number;
  /** Records per keep/discard outcome. */
  outcomes: Partial<Record<ConstructionOutcome, number>>;
  /** Counts per SFT set. */
  sets: SftSetSummary[];
  /** Tokens over all records. */
  usage: { prompt: number; completion: number };
}

/**
 * Totals over construction records: outcomes of the keep/discard table and the sets they built.
 *
 * @example
 * ```ts
 * import { summarizeConstruction } from "./sft_export.ts";
 * summarizeConstruction([]).total; // 0
 * ```
 */
export function summarizeConstruction(
  records: readonly ConstructionRecord[],
): ConstructionSummary {
  const outcomes: Partial<Record<ConstructionOutcome, number>> = {};
  const usage = { prompt: 0, completion: 0 };
  for (const r of records) {
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    usage.prompt += r.usage.prompt;
    usage.completion += r.usage.completion;
  }
  return {
    total: records.length,
    kept: records.filter((r) => r.kept).length,
    outcomes,
    sets: summarizeSftSets(records.flatMap((r) => r.samples)),
    usage,
  };
}
