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
 * declare const report: EvalReport;
 * await Deno.writeTextFile("report.svg", svgChart(report));
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
