/**
 * Knowledge quality per reflection round, for users and items: the share of drafts the reflector
 * judged reasonable, and the share refined after that round's critique.
 *
 * @module
 */
import type { KnowledgeStats } from "./knowledge_stats.ts";
import type { EvalReport } from "./run_eval.ts";
import { escapeXml, svgLegend, svgOpen, svgTitle, valueAxis } from "./svg_parts.ts";

/** One round of one kind. */
export interface RoundQuality {
  /** Whose knowledge. */
  kind: "user" | "item";
  /** 1-based reflection round. */
  round: number;
  /** Drafts judged in this round. */
  judged: number;
  /** Judged reasonable, of those judged in this round. */
  reasonableShare: number;
  /** Refined after this round's critique, of those judged in this round. */
  refinedShare: number;
}

const MEASURES = [
  { key: "reasonableShare", name: "judged reasonable", color: "#2e8b57" },
  { key: "refinedShare", name: "refined after the critique", color: "#f0a04b" },
] as const;

/**
 * The per-round figures of the knowledge statistics.
 *
 * @example
 * ```ts
 * import { roundQuality } from "./svg_knowledge.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   for (const q of roundQuality(report)) console.log(q.kind, q.round, q.reasonableShare);
 * }
 * ```
 */
export function roundQuality(r: EvalReport): RoundQuality[] {
  const of = (kind: "user" | "item", s: KnowledgeStats) =>
    s.rounds.map((x): RoundQuality => {
      // A record refined in round k has at least k refinements.
      const refined = Object.entries(s.refinements)
        .filter(([n]) => Number(n) >= x.round)
        .reduce((a, [, count]) => a + count, 0);
      return {
        kind,
        round: x.round,
        judged: x.judged,
        reasonableShare: x.reasonableRate,
        refinedShare: x.judged ? refined / x.judged : 0,
      };
    });
  return [...of("user", r.knowledge.user), ...of("item", r.knowledge.item)];
}

/**
 * The chart as SVG, or `undefined` when no knowledge was reflected on in this run.
 *
 * @example
 * ```ts
 * import { knowledgeChart } from "./svg_knowledge.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   console.log(knowledgeChart(report) ?? "no reflection rounds");
 * }
 * ```
 */
export function knowledgeChart(r: EvalReport): string | undefined {
  const rows = roundQuality(r);
  if (!rows.length) return undefined;
  const left = 60, group = 2 * 34 + 26, gap = 30;
  const kinds = (["user", "item"] as const).filter((k) => rows.some((q) => q.kind === k));
  const widthOf = (k: string) => rows.filter((q) => q.kind === k).length * group;
  const W = Math.max(360, left + kinds.reduce((a, k) => a + widthOf(k) + gap, 0) + 20);
  const title = svgTitle(`Knowledge judged per reflection round on ${r.dataset.dataset}`, {
    x: 10,
    width: W - 20,
  });
  const legend = svgLegend(MEASURES.map((m) => ({ name: m.name, color: m.color })), {
    x: left,
    y: title.height,
    width: W - left - 20,
  });
  const top = title.height + legend.height + 24, bottom = top + 200, H = bottom + 50;
  const { y, grid } = valueAxis({ lo: 0, hi: 1, top, bottom });
  const parts = [
    svgOpen(W, H, "chart-knowledge"),
    title.svg,
    legend.svg,
    grid({ left, right: W - 20, format: (v) => `${Math.round(100 * v)}%` }),
  ];
  let x = left + 16;
  for (const kind of kinds) {
    const start = x;
    for (const q of rows.filter((q) => q.kind === kind)) {
      MEASURES.forEach((m, k) => {
        const v = q[m.key], bx = x + k * 34;
        parts.push(
          `<rect class="bar" data-kind="${kind}" data-round="${q.round}" data-measure="${m.key}" data-value="${v}" x="${bx}" y="${
            y(v).toFixed(1)
          }" width="30" height="${(bottom - y(v)).toFixed(1)}" fill="${m.color}"><title>${
            escapeXml(`${kind} round ${q.round}: ${m.name} ${(100 * v).toFixed(1)}% of ${q.judged}`)
          }</title></rect>`,
          `<text x="${bx + 15}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${
            Math.round(100 * v)
          }%</text>`,
        );
      });
      parts.push(
        `<text x="${x + 32}" y="${bottom + 14}" text-anchor="middle">round ${q.round}</text>`,
      );
      x += group;
    }
    parts.push(
      `<text x="${start + (x - start - 26) / 2}" y="${
        bottom + 34
      }" text-anchor="middle" font-weight="bold">${kind}s</text>`,
    );
    x += gap;
  }
  parts.push("</svg>");
  return parts.join("\n");
}
