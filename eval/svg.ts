/**
 * `report.svg`: test AUC by backbone and condition, with the seed spread as error bars.
 *
 * @module
 */
import type { Condition } from "./conditions.ts";
import type { EvalReport } from "./run_eval.ts";

const COLORS: Record<Condition, string> = {
  base: "#9e9e9e",
  statistics: "#6d8fb3",
  history: "#8e7cc3",
  reasoning: "#f0a04b",
  r4: "#c0392b",
  vectors: "#2e8b57",
};
const SHORT: Record<Condition, string> = {
  base: "base",
  statistics: "stats",
  history: "history",
  reasoning: "reason",
  r4: "r4",
  vectors: "vectors",
};

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Renders the chart as a standalone SVG document.
 *
 * @example
 * ```ts
 * import { svgChart } from "./svg.ts";
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
 * const svg = svgChart(report);
 * console.assert(svg.startsWith("<svg"));
 * await Deno.writeTextFile(await Deno.makeTempFile({ suffix: ".svg" }), svg);
 * ```
 */
export function svgChart(r: EvalReport): string {
  const backbones = r.settings.backbones;
  const conditions = r.settings.conditions;
  const block = conditions.length * 55 + 40;
  const lo = Math.min(
    ...r.results.map((x) => x.auc.mean - x.auc.std),
    ...r.baselines.map((b) => b.auc),
  );
  const hi = Math.max(
    ...r.results.map((x) => x.auc.mean + x.auc.std),
    ...r.baselines.map((b) => b.auc),
  );
  const pad = Math.max(0.002, (hi - lo) * 0.15);
  const y0 = lo - pad, y1 = hi + pad;
  const W = 120 + backbones.length * block, H = 360, top = 40, bottom = 300, left = 70;
  const y = (v: number) => bottom - ((v - y0) / (y1 - y0)) * (bottom - top);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<text x="${left}" y="20" font-size="14">${
      esc(`Test AUC on ${r.dataset.dataset} (mean ± sd over ${r.settings.seeds.length} seeds)`)
    }</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = y0 + (k / 4) * (y1 - y0);
    parts.push(
      `<line x1="${left}" x2="${W - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(3)}</text>`,
    );
  }
  const nb = r.baselines.find((b) => b.name.startsWith("naive Bayes"));
  if (nb) {
    parts.push(
      `<line x1="${left}" x2="${W - 20}" y1="${y(nb.auc)}" y2="${
        y(nb.auc)
      }" stroke="#2e7d32" stroke-dasharray="4 3"/>`,
      `<text x="${W - 22}" y="${y(nb.auc) - 4}" text-anchor="end" fill="#2e7d32">naive Bayes ${
        nb.auc.toFixed(4)
      }</text>`,
    );
  }
  backbones.forEach((b, bi) => {
    const x0 = left + 30 + bi * block;
    conditions.forEach((c, ci) => {
      const row = r.results.find((x) => x.backbone === b && x.condition === c);
      if (!row) return;
      const x = x0 + ci * 55;
      const m = row.auc.mean, s = row.auc.std;
      parts.push(
        `<rect x="${x}" y="${y(m)}" width="40" height="${bottom - y(m)}" fill="${
          COLORS[c]
        }"><title>${esc(`${b} ${c}: ${m.toFixed(4)} ± ${s.toFixed(4)}`)}</title></rect>`,
        `<line x1="${x + 20}" x2="${x + 20}" y1="${y(m - s)}" y2="${y(m + s)}" stroke="#000"/>`,
        `<line x1="${x + 14}" x2="${x + 26}" y1="${y(m + s)}" y2="${y(m + s)}" stroke="#000"/>`,
        `<line x1="${x + 14}" x2="${x + 26}" y1="${y(m - s)}" y2="${y(m - s)}" stroke="#000"/>`,
        `<text x="${x + 20}" y="${bottom + 14}" text-anchor="middle">${SHORT[c]}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + (block - 40) / 2}" y="${
        bottom + 34
      }" text-anchor="middle" font-weight="bold">${esc(b)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}
