/**
 * Pieces the report's charts share: escaping, a title that wraps to the chart's width, a value
 * axis with grid lines, a legend, and the colours and short names of the conditions.
 *
 * @module
 */
import type { Condition } from "./conditions.ts";

/**
 * A colour per condition, the same in every chart.
 *
 * @example
 * ```ts
 * import { CONDITION_COLORS } from "./svg_parts.ts";
 * console.log(CONDITION_COLORS.r4); // #c0392b
 * ```
 */
export const CONDITION_COLORS: Record<Condition, string> = {
  base: "#9e9e9e",
  statistics: "#6d8fb3",
  history: "#8e7cc3",
  reasoning: "#f0a04b",
  r4: "#c0392b",
  vectors: "#2e8b57",
};

/**
 * A short name per condition, for axis labels.
 *
 * @example
 * ```ts
 * import { CONDITION_SHORT } from "./svg_parts.ts";
 * console.log(CONDITION_SHORT.statistics); // stats
 * ```
 */
export const CONDITION_SHORT: Record<Condition, string> = {
  base: "base",
  statistics: "stats",
  history: "history",
  reasoning: "reason",
  r4: "r4",
  vectors: "vectors",
};

/**
 * Escapes text for XML and HTML (content and attribute values).
 *
 * @example
 * ```ts
 * import { escapeXml } from "./svg_parts.ts";
 * console.assert(escapeXml('<b a="1">') === "&#60;b a=&#34;1&#34;&#62;");
 * ```
 */
export const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Width of `text` in a sans-serif font of `size` px, estimated on the generous side (0.62 em per
 * character), so text laid out by it fits in any common font.
 *
 * @example
 * ```ts
 * import { textWidth } from "./svg_parts.ts";
 * console.log(textWidth("AUC", 12)); // 22.32
 * ```
 */
export const textWidth = (text: string, size: number): number => text.length * size * 0.62;

/**
 * A title wrapped on words to `width`; `height` is what it takes from the top of the chart.
 *
 * @example
 * ```ts
 * import { svgTitle } from "./svg_parts.ts";
 * const title = svgTitle("Test AUC on synthetic (mean ± sd over 3 seeds)", { x: 10, width: 200 });
 * console.log(title.lines.length, title.height);
 * ```
 */
export function svgTitle(
  text: string,
  at: { x: number; width: number; size?: number },
): { svg: string; lines: string[]; height: number } {
  const size = at.size ?? 14, lead = Math.round(size * 1.3);
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && textWidth(`${last} ${word}`, size) <= at.width) {
      lines[lines.length - 1] = `${last} ${word}`;
    } else lines.push(word);
  }
  const tspans = lines.map((line, k) =>
    `<tspan x="${at.x}" y="${lead * (k + 1)}">${escapeXml(line)}</tspan>`
  ).join("");
  return {
    svg: `<text class="title" font-size="${size}" font-weight="bold">${tspans}</text>`,
    lines,
    height: lead * lines.length + 10,
  };
}

/**
 * The opening tag of a chart, sized `width` x `height` with a matching viewBox (so it scales).
 *
 * @example
 * ```ts
 * import { svgOpen } from "./svg_parts.ts";
 * console.log(svgOpen(400, 300, "auc"));
 * ```
 */
export const svgOpen = (width: number, height: number, id: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" id="${id}" width="${width}" height="${height}" ` +
  `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`;

/**
 * A linear value axis: `y(v)` maps `[lo, hi]` onto `[bottom, top]`; `grid` draws `ticks + 1`
 * labelled grid lines from `left` to `right`.
 *
 * @example
 * ```ts
 * import { valueAxis } from "./svg_parts.ts";
 * const axis = valueAxis({ lo: 0.5, hi: 0.7, top: 40, bottom: 240 });
 * console.log(axis.y(0.6), axis.grid({ left: 60, right: 300, format: (v) => v.toFixed(2) }));
 * ```
 */
export function valueAxis(a: { lo: number; hi: number; top: number; bottom: number }): {
  y: (v: number) => number;
  grid: (
    g: { left: number; right: number; format: (v: number) => string; ticks?: number },
  ) => string;
} {
  const y = (v: number) => a.bottom - ((v - a.lo) / (a.hi - a.lo)) * (a.bottom - a.top);
  const grid = (
    g: { left: number; right: number; format: (v: number) => string; ticks?: number },
  ) => {
    const ticks = g.ticks ?? 4, parts: string[] = [];
    for (let k = 0; k <= ticks; k++) {
      const v = a.lo + (k / ticks) * (a.hi - a.lo), at = y(v).toFixed(1);
      parts.push(
        `<line x1="${g.left}" x2="${g.right}" y1="${at}" y2="${at}" stroke="#e6e6e6"/>`,
        `<text x="${g.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${
          g.format(v)
        }</text>`,
      );
    }
    return parts.join("\n");
  };
  return { y, grid };
}

/**
 * A row of legend entries (a swatch and a name each) starting at (`x`, `y`), wrapping at `width`;
 * `height` is the rows it takes.
 *
 * @example
 * ```ts
 * import { svgLegend } from "./svg_parts.ts";
 * const legend = svgLegend([{ name: "r4", color: "#c0392b" }], { x: 60, y: 40, width: 300 });
 * console.log(legend.svg, legend.height);
 * ```
 */
export function svgLegend(
  entries: { name: string; color: string }[],
  at: { x: number; y: number; width: number },
): { svg: string; height: number } {
  const parts: string[] = [];
  let x = at.x, row = 0;
  for (const e of entries) {
    const w = 18 + textWidth(e.name, 12) + 14;
    if (x > at.x && x + w > at.x + at.width) {
      x = at.x;
      row++;
    }
    const y = at.y + row * 18;
    parts.push(
      `<rect x="${x}" y="${y}" width="12" height="12" fill="${e.color}"/>`,
      `<text x="${x + 18}" y="${y + 10}">${escapeXml(e.name)}</text>`,
    );
    x += w;
  }
  return { svg: `<g class="legend">${parts.join("")}</g>`, height: (row + 1) * 18 };
}
