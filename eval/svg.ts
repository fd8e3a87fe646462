/**
 * `report.svg`: test AUC by backbone and condition, with the seed spread as error bars and each
 * seed's AUC as a dot.
 *
 * @module
 */
import type { EvalReport } from "./run_eval.ts";
import {
  CONDITION_COLORS,
  CONDITION_SHORT,
  escapeXml,
  svgOpen,
  svgTitle,
  valueAxis,
} from "./svg_parts.ts";

/**
 * Renders the chart as a standalone SVG document; its title wraps to the chart's width.
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
  const values = r.results.flatMap((x) => [x.auc.mean - x.auc.std, x.auc.mean + x.auc.std]);
  const lo = Math.min(
    ...values,
    ...r.results.flatMap((x) => x.auc.values),
    ...r.baselines.map((b) => b.auc),
  );
  const hi = Math.max(
    ...values,
    ...r.results.flatMap((x) => x.auc.values),
    ...r.baselines.map((b) => b.auc),
  );
  const pad = Math.max(0.002, (hi - lo) * 0.15);
  // Backbones wrap into rows of one scale, so ten backbones' bars keep a legible size.
  const perRow = Math.max(1, Math.floor((MAX_WIDTH - 120) / block));
  const rows = Array.from(
    { length: Math.ceil(backbones.length / perRow) },
    (_, i) => backbones.slice(i * perRow, (i + 1) * perRow),
  );
  const W = 120 + Math.min(backbones.length, perRow) * block, left = 70;
  const title = svgTitle(
    `Test AUC on ${r.dataset.dataset} (mean ± sd over ${r.settings.seeds.length} seeds)`,
    { x: 10, width: W - 20 },
  );
  const rowHeight = 320, H = title.height + 10 + rows.length * rowHeight;
  const parts: string[] = [svgOpen(W, H, "chart-auc"), title.svg];
  rows.forEach((row, i) => {
    const top = title.height + 10 + i * rowHeight;
    parts.push(aucRow(r, row, { lo: lo - pad, hi: hi + pad, top, left, right: W - 20, block }));
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** Widest the AUC chart grows before its backbones wrap to a new row. */
const MAX_WIDTH = 1200;

/** One row of the AUC chart: its axis, the naive Bayes line, and the bars of `backbones`. */
function aucRow(
  r: EvalReport,
  backbones: readonly string[],
  a: { lo: number; hi: number; top: number; left: number; right: number; block: number },
): string {
  const { top, left, block } = a, bottom = top + 260;
  const { y, grid } = valueAxis({ lo: a.lo, hi: a.hi, top, bottom });
  const at = (v: number) => y(v).toFixed(1);
  const parts = [grid({ left, right: a.right, format: (v) => v.toFixed(3) })];
  const nb = r.baselines.find((b) => b.name.startsWith("naive Bayes"));
  if (nb) {
    parts.push(
      `<line x1="${left}" x2="${a.right}" y1="${at(nb.auc)}" y2="${
        at(nb.auc)
      }" stroke="#2e7d32" stroke-dasharray="4 3"/>`,
      `<text x="${a.right - 2}" y="${
        y(nb.auc) - 4
      }" text-anchor="end" fill="#2e7d32" stroke="#fff" stroke-width="3" paint-order="stroke">naive Bayes ${
        nb.auc.toFixed(4)
      }</text>`,
    );
  }
  backbones.forEach((b, bi) => {
    const x0 = left + 30 + bi * block;
    r.settings.conditions.forEach((c, ci) => {
      const row = r.results.find((x) => x.backbone === b && x.condition === c);
      if (!row) return;
      const x = x0 + ci * 55;
      const m = row.auc.mean, s = row.auc.std;
      parts.push(
        `<rect class="bar" data-backbone="${
          escapeXml(b)
        }" data-condition="${c}" data-value="${m}" ` +
          `x="${x}" y="${at(m)}" width="40" height="${(bottom - y(m)).toFixed(1)}" fill="${
            CONDITION_COLORS[c]
          }"><title>${escapeXml(`${b} ${c}: ${m.toFixed(4)} ± ${s.toFixed(4)}`)}</title></rect>`,
        `<line x1="${x + 20}" x2="${x + 20}" y1="${at(m - s)}" y2="${at(m + s)}" stroke="#000"/>`,
        `<line x1="${x + 14}" x2="${x + 26}" y1="${at(m + s)}" y2="${at(m + s)}" stroke="#000"/>`,
        `<line x1="${x + 14}" x2="${x + 26}" y1="${at(m - s)}" y2="${at(m - s)}" stroke="#000"/>`,
        ...row.auc.values.map((v, k) =>
          `<circle class="seed" data-seed="${r.settings.seeds[k]}" data-value="${v}" cx="${
            x + 33
          }" cy="${at(v)}" r="2.5" fill="#fff" stroke="#000"/>`
        ),
        `<text x="${x + 20}" y="${bottom + 14}" text-anchor="middle">${CONDITION_SHORT[c]}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + (block - 40) / 2}" y="${
        bottom + 34
      }" text-anchor="middle" font-weight="bold">${escapeXml(b)}</text>`,
    );
  });
  return parts.join("\n");
}
