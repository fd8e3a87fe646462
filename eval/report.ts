/**
 * Renders an {@linkcode EvalReport} as Markdown (for people) and as the terminal table.
 *
 * @module
 */
import type { KnowledgeStats } from "./knowledge_stats.ts";
import { CONDITION_LABELS, type EvalReport } from "./run_eval.ts";
import { tokenLines } from "./token_usage.ts";

const f4 = (x: number) => x.toFixed(4);

/** What the Tokens section says when no knowledge was generated. */
export const NO_TOKENS = "no knowledge generated in this run, so no tokens";

/** A kind's token total for its knowledge line, or that no LLM was used. */
function tokensOf(r: EvalReport, x: KnowledgeStats): string {
  if (r.tokens && !r.tokens.actorLlm && !r.tokens.reflectorLlm) {
    return "no tokens (deterministic components, no LLM)";
  }
  const unknown = x.stages?.reduce((n, s) => n + s.unknown, 0) ?? 0;
  return `tokens ${x.tokens.prompt + x.tokens.completion}` +
    (unknown ? ` (and ${unknown} texts of unknown token counts)` : "");
}

/** The Tokens section: per kind, stage and round (see `tokenLines`). */
function tokensText(r: EvalReport): string[] {
  const context = r.tokens;
  if (!context) return [];
  const lines = (["user", "item"] as const).flatMap((kind) =>
    tokenLines(r.knowledge[kind].stages ?? [], context).map((line) => `${kind} ${line}`)
  );
  if (lines.length === 0) return [];
  return [
    ...lines,
    "Counts are those of the stored knowledge of this run's tasks, also where an earlier run " +
    "generated it (a rerun pays for none of it again).",
  ];
}
const pct = (x: number | undefined) =>
  x === undefined ? "" : `${x >= 0 ? "+" : ""}${x.toFixed(2)}%`;

/**
 * The cells of the results table, one array per row (Markdown-free text; the HTML report shares
 * them).
 *
 * @example
 * ```ts
 * import { RESULTS_HEADER, resultCells } from "./report.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   console.log(resultCells(report).every((row) => row.length === RESULTS_HEADER.length));
 * }
 * ```
 */
export function resultCells(r: EvalReport): string[][] {
  return r.results.map((row) => {
    const beyond = row.condition === "base"
      ? ""
      : row.beatsBaseBeyondSpread === undefined
      ? " (one seed: no spread)"
      : row.beatsBaseBeyondSpread
      ? " (beyond spread)"
      : " (within spread)";
    return [
      row.backbone,
      CONDITION_LABELS[row.condition],
      `${f4(row.auc.mean)} ± ${f4(row.auc.std)}`,
      `${f4(row.logloss.mean)} ± ${f4(row.logloss.std)}`,
      `${pct(row.gainOverBase)}${beyond}`,
      pct(row.gainOverStatistics),
      pct(row.gainOverHistory),
    ];
  });
}

/**
 * Column names of {@linkcode resultCells}.
 *
 * @example
 * ```ts
 * import { RESULTS_HEADER } from "./report.ts";
 * console.log(RESULTS_HEADER.join(" | "));
 * ```
 */
export const RESULTS_HEADER: readonly string[] = [
  "backbone",
  "condition",
  "test AUC (mean ± sd)",
  "test LogLoss",
  "gain vs base",
  "gain vs statistics",
  "gain vs plain history",
];

/**
 * The results table as Markdown rows (also printed on the terminal).
 *
 * @example
 * ```ts
 * import { resultsTable } from "./report.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * import { knowledgeStats } from "./knowledge_stats.ts";
 * // A small report of the shape `runEval` returns: one backbone, base and R4 knowledge, one seed.
 * const spread = (x: number) => ({ mean: x, std: 0, values: [x] });
 * const split = { samples: 200, positiveRate: 0.55 };
 * const report: EvalReport = {
 *   dataset: {
 *     dataset: "synthetic", users: 20, items: 30, attributes: 8, historyLength: 5,
 *     train: split, valid: split, test: split, userKnowledgeInputs: 20, itemKnowledgeInputs: 30,
 *     fingerprint: "0123456789abcdef", origin: "built-in synthetic dataset",
 *   },
 *   components: { actor: "profile", reflector: "grounded", encoder: "hashing", encoderId: "hashing:v1" },
 *   settings: {
 *     backbones: ["din"], conditions: ["base", "r4"], rounds: 1, seeds: [1], epochs: 1, patience: 1,
 *     batchSize: 256, lr: 5e-4, schedule: "constant", selection: "valid",
 *   },
 *   baselines: [{ name: "user rate", auc: 0.61, logloss: 0.68 }],
 *   knowledge: { user: knowledgeStats([]), item: knowledgeStats([]), coverage: {} },
 *   results: [
 *     { backbone: "din", condition: "base", auc: spread(0.70), logloss: spread(0.62), runs: [] },
 *     { backbone: "din", condition: "r4", auc: spread(0.72), logloss: spread(0.6), gainOverBase: 2.86, runs: [] },
 *   ],
 *   r4VersusReasoning: [],
 *   r4VersusHistory: [],
 *   r4VersusStatistics: [],
 *   timings: {},
 * };
 * console.log(resultsTable(report));
 * console.assert(resultsTable(report).includes("| din | R4 knowledge (reflected, refined) | 0.7200 ± 0.0000"));
 * ```
 */
export function resultsTable(r: EvalReport): string {
  return [
    `| ${RESULTS_HEADER.join(" | ")} |`,
    `|${RESULTS_HEADER.map(() => "---").join("|")}|`,
    ...resultCells(r).map((cells) => `| ${cells.join(" | ")} |`),
  ].join("\n");
}

/**
 * The non-neural baselines as Markdown rows.
 *
 * @example
 * ```ts
 * import { baselinesTable } from "./report.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   console.log(baselinesTable(report));
 * }
 * ```
 */
export function baselinesTable(r: EvalReport): string {
  return [
    "| non-neural baseline (training-period statistics) | test AUC | test LogLoss |",
    "|---|---|---|",
    ...r.baselines.map((b) => `| ${b.name} | ${f4(b.auc)} | ${f4(b.logloss)} |`),
  ].join("\n");
}

/**
 * The report's prose, with Markdown only inline (`**bold**`, `` `code` ``): one string per
 * paragraph or list item, so the Markdown and HTML reports say the same words.
 *
 * @example
 * ```ts
 * import { reportText } from "./report.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   console.log(reportText(report).components.join("\n"));
 * }
 * ```
 */
export interface ReportText {
  /** What data ran, its sizes and fingerprint. */
  data: string;
  /** `**Actor:** ...`, `**Reflector:** ...`, `**Encoder:** ...` (and brought-in vectors). */
  components: string[];
  /** Backbones, conditions, rounds, seeds and training settings. */
  settings: string;
  /** How the gains and the spread are read. */
  gainsNote: string;
  /** R4 versus reasoning-only and the two controls, per backbone. */
  comparisons: string[];
  /** Knowledge of each kind, and coverage. */
  knowledge: string[];
  /** Tokens per kind, stage and round, and their cost when prices were given. */
  tokens: string[];
  /** Saved serving bundles. */
  bundles: string[];
  /** Seconds of each phase. */
  timings: string[];
}

/**
 * The prose of a report (see {@linkcode ReportText}).
 *
 * @example
 * ```ts
 * import { reportText } from "./report.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   console.log(reportText(report).data);
 * }
 * ```
 */
export function reportText(r: EvalReport): ReportText {
  const d = r.dataset;
  const k = r.knowledge;
  const rounds = (s: typeof k.user) =>
    s.rounds.length
      ? s.rounds.map((x) =>
        `round ${x.round}: ${x.reasonable}/${x.judged} reasonable (${
          (100 * x.reasonableRate).toFixed(1)
        }%)`
      ).join("; ")
      : "no reflection";
  const versus = (list: EvalReport["r4VersusReasoning"], other: string) =>
    list.map((x) =>
      `${x.backbone}: R4 − ${other} = ${x.deltaAuc >= 0 ? "+" : ""}${x.deltaAuc.toFixed(4)} AUC (${
        r.settings.seeds.length < 2
          ? "one seed: no spread"
          : `${x.beyondSpread ? "beyond" : "within"} the seed spread`
      })`
    );
  return {
    data: `**Data:** ${d.origin}. ${d.users} users, ${d.items} items, ${d.attributes} attributes;
train ${d.train.samples} (positive ${f4(d.train.positiveRate)}), validation ${d.valid.samples},
test ${d.test.samples} (positive ${f4(d.test.positiveRate)}); fingerprint \`${d.fingerprint}\`.`,
    components: [
      `**Actor:** ${r.components.actor}`,
      `**Reflector:** ${r.components.reflector}`,
      `**Encoder:** ${r.components.encoder}${
        r.components.encoderId ? ` (\`${r.components.encoderId}\`)` : ""
      }`,
      ...(r.components.vectors ? [`**Brought-in vectors:** ${r.components.vectors}`] : []),
    ],
    settings: `**Settings:** backbones ${r.settings.backbones.join(", ")}; conditions ${
      r.settings.conditions.join(", ")
    }; R4 rounds ${r.settings.rounds}; seeds ${
      r.settings.seeds.join(", ")
    }; up to ${r.settings.epochs} epochs, patience ${r.settings.patience}; batch ${r.settings.batchSize}; Adam lr ${r.settings.lr} (${r.settings.schedule}); model selection: ${r.settings.selection}.`,
    gainsNote:
      `Gains are relative AUC differences of the means. "Beyond spread" means the mean gain over base
exceeds the larger of the two standard deviations over seeds.`,
    comparisons: [
      ...versus(r.r4VersusReasoning, "reasoning-only"),
      ...versus(r.r4VersusHistory, "plain history"),
      ...versus(r.r4VersusStatistics, "statistics control"),
    ],
    knowledge: [
      ...(k.user.records + k.item.records === 0
        ? ["no knowledge generated in this run"]
        : (["user", "item"] as const).map((kind) => {
          const x = k[kind];
          return `${kind} knowledge: ${x.records} texts, ${
            rounds(x)
          }; changed by refinement: ${x.changedByRefinement}; parse failures: ${x.parseFailures}; ${
            tokensOf(r, x)
          }; mean ${x.meanWords.toFixed(0)} words.`;
        })),
      `coverage (share of samples with knowledge): ${JSON.stringify(k.coverage)}`,
    ],
    tokens: tokensText(r),
    bundles: r.results.flatMap((x) =>
      x.runs.filter((run) => run.modelDir).map((run) =>
        `${x.backbone} / ${
          CONDITION_LABELS[x.condition]
        }: \`${run.modelDir}\` (serve with \`deno task serve --store STORE --model ${run.modelDir}\`)`
      )
    ),
    timings: Object.entries(r.timings).map(([name, s]) => `${name}: ${s.toFixed(1)}`),
  };
}

/**
 * The whole report as Markdown.
 *
 * @example
 * ```ts
 * import { markdownReport } from "./report.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * import { knowledgeStats } from "./knowledge_stats.ts";
 * // A small report of the shape `runEval` returns: one backbone, base and R4 knowledge, one seed.
 * const spread = (x: number) => ({ mean: x, std: 0, values: [x] });
 * const split = { samples: 200, positiveRate: 0.55 };
 * const report: EvalReport = {
 *   dataset: {
 *     dataset: "synthetic", users: 20, items: 30, attributes: 8, historyLength: 5,
 *     train: split, valid: split, test: split, userKnowledgeInputs: 20, itemKnowledgeInputs: 30,
 *     fingerprint: "0123456789abcdef", origin: "built-in synthetic dataset",
 *   },
 *   components: { actor: "profile", reflector: "grounded", encoder: "hashing", encoderId: "hashing:v1" },
 *   settings: {
 *     backbones: ["din"], conditions: ["base", "r4"], rounds: 1, seeds: [1], epochs: 1, patience: 1,
 *     batchSize: 256, lr: 5e-4, schedule: "constant", selection: "valid",
 *   },
 *   baselines: [{ name: "user rate", auc: 0.61, logloss: 0.68 }],
 *   knowledge: { user: knowledgeStats([]), item: knowledgeStats([]), coverage: {} },
 *   results: [
 *     { backbone: "din", condition: "base", auc: spread(0.70), logloss: spread(0.62), runs: [] },
 *     { backbone: "din", condition: "r4", auc: spread(0.72), logloss: spread(0.6), gainOverBase: 2.86, runs: [] },
 *   ],
 *   r4VersusReasoning: [],
 *   r4VersusHistory: [],
 *   r4VersusStatistics: [],
 *   timings: {},
 * };
 * await Deno.writeTextFile(await Deno.makeTempFile({ suffix: ".md" }), markdownReport(report));
 * ```
 */
export function markdownReport(r: EvalReport): string {
  const t = reportText(r);
  const list = (items: string[], none = "") =>
    items.length ? items.map((x) => `- ${x}`).join("\n") : none && `- ${none}`;
  return `# r4ec eval report: ${r.dataset.dataset}

${t.data}

${t.components.join("\n")}

${t.settings}

## Results (test split)

${resultsTable(r)}

${t.gainsNote}

R4 versus reasoning-only and the two controls (reported, not forced):
${list(t.comparisons, "not compared in this run")}

${baselinesTable(r)}

## Knowledge

${list(t.knowledge)}

## Tokens

${list(t.tokens, NO_TOKENS)}

## Serving bundles

${list(t.bundles, "none saved in this run")}

## Timings (seconds)

${list(t.timings)}
`;
}
