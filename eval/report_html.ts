/**
 * `report.html`: the report as one self-contained page (inline CSS and SVG, no scripts, nothing
 * fetched): the components used, the results table, the charts (test AUC with the seed spread,
 * validation AUC per epoch, knowledge judged per round), and links into the knowledge viewer when
 * its address is given. The prose is report.md's (`reportText`), so both say the same words.
 *
 * @module
 */
import { NO_TOKENS, reportText, resultCells, RESULTS_HEADER } from "./report.ts";
import type { EvalReport } from "./run_eval.ts";
import { svgChart } from "./svg.ts";
import { curvesChart } from "./svg_curves.ts";
import { knowledgeChart } from "./svg_knowledge.ts";
import { escapeXml } from "./svg_parts.ts";

/** Options of {@linkcode htmlReport}. */
export interface HtmlReportOptions {
  /**
   * Address of the knowledge viewer (e.g. `http://localhost:8000/ui/`); when given, the report
   * links a few users and items to it as `#user/<id>` and `#item/<id>`, the viewer's routes.
   * @default {undefined: no links}
   */
  viewer?: string;
}

const CSS = `
body { font: 15px/1.5 system-ui, sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; background: #fff; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .75rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
th { background: #f2f2f2; }
td.num { text-align: right; white-space: nowrap; }
dl.components { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.components dt { font-weight: bold; }
dl.components dd { margin: 0; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: .9rem; }
code { background: #f2f2f2; padding: 0 .25rem; border-radius: 3px; word-break: break-all; }
`;

/** Inline Markdown (`**bold**`, `` `code` ``) of escaped text as HTML. */
const inline = (text: string) =>
  escapeXml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");

const list = (items: string[], none: string) =>
  `<ul>${(items.length ? items : [none]).map((x) => `<li>${inline(x)}</li>`).join("")}</ul>`;

const table = (header: readonly string[], rows: string[][], numeric: (col: number) => boolean) =>
  `<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead>` +
  `<tbody>${
    rows.map((cells) =>
      `<tr>${
        cells.map((c, k) => `<td${numeric(k) ? ' class="num"' : ""}>${escapeXml(c)}</td>`).join("")
      }</tr>`
    ).join("")
  }</tbody></table>`;

/** The components: report.md's words for the actor, reflector and encoder, and the data. */
function componentsSection(r: EvalReport): string {
  const c = r.components;
  const rows: [string, string][] = [
    ["Actor", c.actor],
    ["Reflector", c.reflector],
    ["Encoder", `${c.encoder}${c.encoderId ? ` (\`${c.encoderId}\`)` : ""}`],
    ...(c.vectors ? [["Brought-in vectors", c.vectors] as [string, string]] : []),
    ["Data", r.dataset.origin],
  ];
  return `<section id="components"><h2>Components used</h2><dl class="components">${
    rows.map(([name, text]) => `<dt>${name}</dt><dd>${inline(text)}</dd>`).join("")
  }</dl></section>`;
}

/** A figure, or what is missing and why. */
const figure = (id: string, svg: string | undefined, caption: string, none: string) =>
  `<figure id="${id}">${svg ?? `<p class="none">${escapeXml(none)}</p>`}<figcaption>${
    escapeXml(caption)
  }</figcaption></figure>`;

function chartsSection(r: EvalReport): string {
  const k = r.knowledge;
  const changed = (["user", "item"] as const).filter((kind) => k[kind].records > 0).map((kind) =>
    `${kind}s ${k[kind].changedByRefinement}/${k[kind].records} (${
      (100 * k[kind].changedByRefinement / k[kind].records).toFixed(1)
    }%)`
  );
  return `<section id="charts"><h2>Charts</h2>${
    figure(
      "figure-auc",
      svgChart(r),
      "Bars: mean test AUC over seeds; whiskers: ± one standard deviation; dots: each seed. " +
        "Dashed: the naive Bayes baseline.",
      "",
    )
  }${
    figure(
      "figure-curves",
      curvesChart(r),
      "Validation AUC after every epoch (the split model selection reads), mean over the seeds " +
        "that trained that epoch.",
      "No per-epoch validation AUC in this run (no validation split, or trainings reused from " +
        "before curves were kept).",
    )
  }${
    figure(
      "figure-knowledge",
      knowledgeChart(r),
      `Share of drafts the reflector judged reasonable in each round, and share refined after it. ` +
        (changed.length ? `Final text changed by refinement: ${changed.join(", ")}.` : ""),
      "No reflection rounds in this run.",
    )
  }</section>`;
}

/** Links to a few users and items in the knowledge viewer. */
function viewerSection(r: EvalReport, viewer: string | undefined): string {
  if (viewer === undefined) return "";
  const examples = r.knowledge.examples;
  const link = (kind: "user" | "item", id: string, refined: boolean) => {
    const url = new URL(viewer);
    url.hash = `${kind}/${encodeURIComponent(id)}`;
    return `<li><a href="${escapeXml(url.href)}">${kind} ${escapeXml(id)}</a> (${
      refined ? "changed by refinement" : "first draft kept"
    })</li>`;
  };
  const items = (["user", "item"] as const).flatMap((kind) =>
    (examples?.[kind] ?? []).map((x) => link(kind, x.id, x.refined))
  );
  return `<section id="viewer"><h2>In the knowledge viewer</h2><p>Served at <a href="${
    escapeXml(viewer)
  }">${escapeXml(viewer)}</a> (<code>deno task serve</code> on this run's store).</p>${
    items.length ? `<ul>${items.join("")}</ul>` : "<p>No knowledge in this run to link.</p>"
  }</section>`;
}

/**
 * The whole report as one HTML page.
 *
 * @example
 * ```ts
 * import { htmlReport } from "./report_html.ts";
 * import type { EvalReport } from "./run_eval.ts";
 * async function show(report: EvalReport): Promise<void> {
 *   await Deno.writeTextFile("report.html", htmlReport(report, { viewer: "http://localhost:8000/ui/" }));
 * }
 * ```
 */
export function htmlReport(r: EvalReport, options: HtmlReportOptions = {}): string {
  const t = reportText(r);
  const title = `r4ec eval report: ${r.dataset.dataset}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeXml(title)}</h1>
<p>${inline(t.data)}</p>
${componentsSection(r)}
<p>${inline(t.settings)}</p>
<section id="results"><h2>Results (test split)</h2>
${table(RESULTS_HEADER, resultCells(r), (k) => k >= 2)}
<p>${inline(t.gainsNote)}</p>
<p>R4 versus reasoning-only and the two controls (reported, not forced):</p>
${list(t.comparisons, "not compared in this run")}
${
    table(
      ["non-neural baseline (training-period statistics)", "test AUC", "test LogLoss"],
      r.baselines.map((b) => [b.name, b.auc.toFixed(4), b.logloss.toFixed(4)]),
      (k) => k >= 1,
    )
  }
</section>
${chartsSection(r)}
<section id="knowledge"><h2>Knowledge</h2>${list(t.knowledge, "")}</section>
<section id="tokens"><h2>Tokens</h2>${list(t.tokens, NO_TOKENS)}</section>
${viewerSection(r, options.viewer)}
<section id="bundles"><h2>Serving bundles</h2>${list(t.bundles, "none saved in this run")}</section>
<section id="timings"><h2>Timings (seconds)</h2>${list(t.timings, "none")}</section>
</main>
</body>
</html>
`;
}
