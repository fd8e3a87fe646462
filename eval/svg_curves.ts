/**
 * Validation AUC per epoch: one panel per backbone, one line per condition, each point the mean
 * over the seeds that trained that epoch (early stopping ends some sooner).
 *
 * @module
 */
import type { Condition } from "./conditions.ts";
import type { EvalReport } from "./run_eval.ts";
import {
  CONDITION_COLORS,
  CONDITION_SHORT,
  escapeXml,
  svgLegend,
  svgOpen,
  svgTitle,
  valueAxis,
} from "./svg_parts.ts";

/** One point of a curve. */
export interface CurvePoint {
  /** 1-based epoch. */
  epoch: number;
  /** Mean validation AUC over `seeds` seeds. */
  validAuc: number;
  /** Seeds that trained this epoch. */
  seeds: number;
}

/**
 * The mean validation AUC per epoch of each backbone and condition; rows without per-epoch
 * validation AUCs (no validation split, or trainings cached before curves were kept) are left out.
 *
 * @example
 * ```ts
 * import { validationCurves } from "./svg_curves.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   for (const c of validationCurves(report)) console.log(c.backbone, c.condition, c.points.length);
 * }
 * ```
 */
export function validationCurves(
  r: EvalReport,
): { backbone: string; condition: Condition; points: CurvePoint[] }[] {
  return r.results.map((row) => {
    const byEpoch = new Map<number, number[]>();
    for (const run of row.runs) {
      for (const e of run.curve ?? []) {
        if (e.validAuc === undefined) continue;
        byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), e.validAuc]);
      }
    }
    const points = [...byEpoch].sort((a, b) => a[0] - b[0]).map(([epoch, v]) => ({
      epoch,
      validAuc: v.reduce((a, b) => a + b, 0) / v.length,
      seeds: v.length,
    }));
    return { backbone: row.backbone, condition: row.condition, points };
  }).filter((c) => c.points.length > 0);
}

/**
 * The chart as SVG, or `undefined` when no training kept per-epoch validation AUCs.
 *
 * @example
 * ```ts
 * import { curvesChart } from "./svg_curves.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   console.log(curvesChart(report) ?? "no validation curves");
 * }
 * ```
 */
export function curvesChart(r: EvalReport): string | undefined {
  const curves = validationCurves(r);
  if (!curves.length) return undefined;
  const all = curves.flatMap((c) => c.points.map((p) => p.validAuc));
  const lo = Math.min(...all), hi = Math.max(...all), pad = Math.max(0.002, (hi - lo) * 0.1);
  const maxEpoch = Math.max(...curves.flatMap((c) => c.points.map((p) => p.epoch)));
  const W = 520, left = 70, right = W - 20, panelH = 220;
  const title = svgTitle(`Validation AUC per epoch on ${r.dataset.dataset} (mean over seeds)`, {
    x: 10,
    width: W - 20,
  });
  const conditions = [...new Set(curves.map((c) => c.condition))];
  const legend = svgLegend(
    conditions.map((c) => ({ name: CONDITION_SHORT[c], color: CONDITION_COLORS[c] })),
    { x: left, y: title.height, width: right - left },
  );
  const backbones = [...new Set(curves.map((c) => c.backbone))];
  const start = title.height + legend.height + 10;
  const H = start + backbones.length * (panelH + 30) + 10;
  const x = (epoch: number) =>
    left + 10 + ((epoch - 1) / Math.max(1, maxEpoch - 1)) * (right - left - 20);
  const parts = [svgOpen(W, H, "chart-curves"), title.svg, legend.svg];
  backbones.forEach((b, bi) => {
    const top = start + bi * (panelH + 30) + 20, bottom = top + panelH - 40;
    const { y, grid } = valueAxis({ lo: lo - pad, hi: hi + pad, top, bottom });
    parts.push(
      `<g class="panel" data-backbone="${escapeXml(b)}">`,
      `<text x="${left}" y="${top - 12}" font-weight="bold">${escapeXml(b)}</text>`,
      grid({ left, right, format: (v) => v.toFixed(3) }),
    );
    for (let e = 1; e <= maxEpoch; e++) {
      parts.push(`<text x="${x(e)}" y="${bottom + 16}" text-anchor="middle">${e}</text>`);
    }
    parts.push(
      `<text x="${(left + right) / 2}" y="${bottom + 32}" text-anchor="middle">epoch</text>`,
    );
    for (const c of curves.filter((c) => c.backbone === b)) {
      const color = CONDITION_COLORS[c.condition];
      const path = c.points.map((p) => `${x(p.epoch).toFixed(1)},${y(p.validAuc).toFixed(1)}`);
      parts.push(
        `<polyline class="curve" data-condition="${c.condition}" points="${
          path.join(" ")
        }" fill="none" stroke="${color}" stroke-width="2"/>`,
        ...c.points.map((p) =>
          `<circle class="point" data-condition="${c.condition}" data-epoch="${p.epoch}" data-value="${p.validAuc}" cx="${
            x(p.epoch).toFixed(1)
          }" cy="${y(p.validAuc).toFixed(1)}" r="3" fill="${color}"><title>${
            escapeXml(
              `${b} ${c.condition}, epoch ${p.epoch}: ${p.validAuc.toFixed(4)} (${p.seeds} seeds)`,
            )
          }</title></circle>`
        ),
      );
    }
    parts.push("</g>");
  });
  parts.push("</svg>");
  return parts.join("\n");
}
