import assert from "node:assert/strict";
import { markdownReport, resultsTable } from "../../eval/report.ts";
import { htmlReport } from "../../eval/report_html.ts";
import { svgChart } from "../../eval/svg.ts";
import { curvesChart, validationCurves } from "../../eval/svg_curves.ts";
import { knowledgeChart, roundQuality } from "../../eval/svg_knowledge.ts";
import { escapeXml, svgTitle, textWidth } from "../../eval/svg_parts.ts";
import { fixtureReport, MARKUP, validAucOf } from "./report_fixture.ts";
import { MODEL_NAMES } from "../../backbone/mod.ts";

/** The elements of `svg` with class `cls`, each as its attributes. */
function marks(svg: string, tag: string, cls: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${tag} class="${cls}"([^>]*)>`, "g"))) {
    out.push(
      Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
    );
  }
  return out;
}

/** The figure `id` of a page, as its markup. */
function figureOf(html: string, id: string): string {
  const start = html.indexOf(`<figure id="${id}">`);
  assert.ok(start >= 0, `${id} present`);
  return html.slice(start, html.indexOf("</figure>", start));
}

const close = (a: string, b: number) => assert.ok(Math.abs(Number(a) - b) < 1e-12, `${a} vs ${b}`);

Deno.test("AUC chart: a bar per backbone and condition at its mean, a dot per seed", () => {
  const r = fixtureReport();
  const svg = figureOf(htmlReport(r), "figure-auc");
  const bars = marks(svg, "rect", "bar"), seeds = marks(svg, "circle", "seed");
  assert.equal(bars.length, r.results.length);
  assert.equal(seeds.length, r.results.length * r.settings.seeds.length);
  for (const [k, row] of r.results.entries()) {
    assert.equal(bars[k]["data-backbone"], escapeXml(row.backbone));
    assert.equal(bars[k]["data-condition"], row.condition);
    close(bars[k]["data-value"], row.auc.mean);
    for (const [s, v] of row.auc.values.entries()) {
      close(seeds[k * 3 + s]["data-value"], v);
      assert.equal(seeds[k * 3 + s]["data-seed"], String(r.settings.seeds[s]));
    }
  }
  // Error bars: a whisker from mean - sd to mean + sd per bar, besides the two caps.
  assert.equal(svg.match(/<line x1="(\d+)" x2="\1" /g)?.length, r.results.length);
});

Deno.test("validation curves: the mean over the seeds that trained each epoch", () => {
  const r = fixtureReport();
  const curves = validationCurves(r);
  assert.equal(curves.length, r.results.length);
  const points = marks(figureOf(htmlReport(r), "figure-curves"), "circle", "point");
  assert.equal(points.length, r.results.length * 4);
  for (const [k, c] of curves.entries()) {
    const b = r.settings.backbones.indexOf(c.backbone as never);
    const ci = r.settings.conditions.indexOf(c.condition);
    assert.deepEqual(c.points.map((p) => p.seeds), [3, 3, 2, 2], "seed 3 stopped after epoch 2");
    for (const p of c.points) {
      const seeds = p.epoch <= 2 ? [1, 2, 3] : [1, 2];
      const mean = seeds.reduce((a, s) => a + validAucOf(b, ci, s, p.epoch), 0) / seeds.length;
      assert.ok(Math.abs(p.validAuc - mean) < 1e-12);
      const point = points[k * 4 + p.epoch - 1];
      assert.equal(point["data-condition"], c.condition);
      assert.equal(point["data-epoch"], String(p.epoch));
      close(point["data-value"], mean);
    }
  }
});

Deno.test("validation curves: none kept (no validation split, old cached trainings) says so", () => {
  const r = fixtureReport();
  for (const row of r.results) for (const run of row.runs) delete run.curve;
  assert.equal(curvesChart(r), undefined);
  assert.match(figureOf(htmlReport(r), "figure-curves"), /No per-epoch validation AUC in this run/);
});

Deno.test("knowledge chart: per kind and round, share judged reasonable and share refined", () => {
  const r = fixtureReport();
  assert.deepEqual(
    roundQuality(r).map((q) => [q.kind, q.round, q.reasonableShare, q.refinedShare]),
    [
      ["user", 1, 48 / 60, 12 / 60],
      ["user", 2, 7 / 12, 5 / 12],
      ["item", 1, 50 / 80, 30 / 80],
      ["item", 2, 20 / 30, 10 / 30],
    ],
  );
  const bars = marks(figureOf(htmlReport(r), "figure-knowledge"), "rect", "bar");
  assert.equal(bars.length, 8);
  assert.deepEqual(
    bars.map((b) => [b["data-kind"], b["data-round"], b["data-measure"], Number(b["data-value"])]),
    roundQuality(r).flatMap((q) => [
      [q.kind, String(q.round), "reasonableShare", q.reasonableShare],
      [q.kind, String(q.round), "refinedShare", q.refinedShare],
    ]),
  );
  const none = fixtureReport();
  none.knowledge.user.rounds = [];
  none.knowledge.item.rounds = [];
  assert.equal(knowledgeChart(none), undefined);
});

Deno.test("html report: self-contained, components in report.md's words, markup escaped", () => {
  const r = fixtureReport();
  const html = htmlReport(r);
  assert.ok(html.startsWith("<!doctype html>"));
  assert.ok(
    !/<script|<link|<img|<iframe|\bsrc=|@import|url\(/i.test(html),
    "nothing fetched or run",
  );
  assert.ok(!html.includes(MARKUP), "markup never lands unescaped");
  assert.ok(html.includes(escapeXml(MARKUP)));
  // Every component's description, as report.md says it.
  for (const text of [r.components.actor, r.components.reflector, r.components.encoder]) {
    assert.ok(markdownReport(r).includes(text));
    assert.ok(html.includes(escapeXml(text)), text);
  }
  assert.match(html, /<dt>Data<\/dt><dd>built-in synthetic dataset/);
  // The results table: the cells of report.md's table, one row per result.
  const mdRows = resultsTable(r).split("\n").slice(2)
    .map((l) => l.split("|").slice(1, -1).map((c) => escapeXml(c.trim())));
  const tbody = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  const htmlRows = [...tbody.matchAll(/<tr>(.*?)<\/tr>/g)]
    .map((tr) => [...tr[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((td) => td[1]));
  assert.equal(htmlRows.length, r.results.length);
  assert.deepEqual(htmlRows, mdRows);
  for (const id of ["figure-auc", "figure-curves", "figure-knowledge"]) {
    assert.match(figureOf(html, id), /<svg [^>]*viewBox="0 0 \d+ \d+"/);
  }
  assert.ok(!html.includes('id="viewer"'), "no viewer links unless asked");
});

Deno.test("html report: viewer links to the examples, ids escaped and encoded", () => {
  const r = fixtureReport();
  const html = htmlReport(r, { viewer: "http://localhost:8000/ui/" });
  const links = [...html.matchAll(/<a href="([^"]*)">(user|item) /g)].map((m) => m[1]);
  const url = (kind: string, id: string) => {
    const u = new URL("http://localhost:8000/ui/");
    u.hash = `${kind}/${encodeURIComponent(id)}`;
    return escapeXml(u.href);
  };
  assert.deepEqual(links, [
    url("user", `7${MARKUP}`),
    url("user", "8"),
    url("item", "i 9"),
  ]);
  // The viewer's own routes (adapters/http/ui/viewer.js): #user/<id>, #item/<id>, the id encoded.
  assert.ok(links[0].startsWith("http://localhost:8000/ui/#user/7%3Cb"), links[0]);
  delete r.knowledge.examples;
  assert.match(htmlReport(r, { viewer: "http://h/ui/" }), /No knowledge in this run to link/);
});

Deno.test("chart titles wrap to the chart's width and keep every word", () => {
  const long = fixtureReport(["din"]);
  long.dataset.dataset = "a-dataset-with-a-rather-long-name ".repeat(3).trim();
  for (const svg of [svgChart(long), curvesChart(long)!, knowledgeChart(long)!]) {
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)![1]);
    const title = /<text class="title" font-size="(\d+)"[^>]*>(.*?)<\/text>/.exec(svg)!;
    const lines = [...title[2].matchAll(/<tspan x="(\d+)"[^>]*>(.*?)<\/tspan>/g)];
    assert.ok(lines.length >= 2, "wrapped");
    for (const [, x, line] of lines) {
      assert.ok(Number(x) + textWidth(line, Number(title[1])) <= width, `fits: ${line}`);
    }
    assert.ok(lines.map((l) => l[2]).join(" ").includes(long.dataset.dataset), "no word lost");
  }
  const one = svgTitle("short", { x: 10, width: 300 });
  assert.deepEqual(one.lines, ["short"]);
});

Deno.test("AUC chart: ten backbones wrap into rows of one scale, every bar inside the chart", () => {
  const r = fixtureReport([...MODEL_NAMES]);
  const svg = svgChart(r);
  const [width, height] = [...svg.matchAll(/(?:width|height)="(\d+)"/g)].slice(0, 2).map((m) =>
    Number(m[1])
  );
  assert.ok(width <= 1200, `width ${width}`);
  const bars = marks(svg, "rect", "bar");
  assert.equal(bars.length, r.results.length);
  const tops = new Set<number>();
  for (const bar of bars) {
    const x = Number(bar.x), y = Number(bar.y), h = Number(bar.height);
    assert.ok(x >= 0 && x + Number(bar.width) <= width, `bar x ${x} inside ${width}`);
    assert.ok(y >= 0 && y + h <= height, `bar y ${y}+${h} inside ${height}`);
    tops.add(Math.round(y + h));
  }
  assert.ok(tops.size > 1, "more than one row");
  // One scale: bar height is one linear function of the AUC in every row (heights carry 0.1 px).
  const m = r.results.map((x) => x.auc.mean), h = bars.map((b) => Number(b.height));
  const k = m.findIndex((v) => Math.abs(v - m[0]) > 1e-3);
  const slope = (h[k] - h[0]) / (m[k] - m[0]);
  for (const [i, v] of m.entries()) {
    assert.ok(Math.abs(h[0] + slope * (v - m[0]) - h[i]) < 0.2, `bar ${i}: ${h[i]}`);
  }
});
