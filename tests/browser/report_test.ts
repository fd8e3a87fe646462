import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { htmlReport } from "../../eval/report_html.ts";
import { svgChart } from "../../eval/svg.ts";
import { fixtureReport } from "../eval/report_fixture.ts";
import { type BrowserPage, chromiumPath, launchPage } from "./cdp.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CHROMIUM = chromiumPath();
const SKIP = CHROMIUM === undefined;
if (SKIP) console.log("report browser test skipped: no Chromium (set R4EC_CHROMIUM)");

/** Per SVG on the page: its box, its data marks' boxes, and any text outside its viewBox. */
interface ChartBoxes {
  id: string;
  width: number;
  height: number;
  marks: number;
  /** Marks with a positive value whose box is empty. */
  hidden: number;
  /** Texts (titles, labels) reaching outside the chart's viewBox. */
  overflowing: string[];
}

const MEASURE = `JSON.stringify([...document.querySelectorAll("svg")].map((svg) => {
  const box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal;
  const marks = [...svg.querySelectorAll("[data-value]")];
  const hidden = marks.filter((m) => {
    const b = m.getBoundingClientRect();
    return Number(m.dataset ? m.dataset.value : m.getAttribute("data-value")) > 0 &&
      !(b.width > 0 && b.height > 0);
  });
  const overflowing = [...svg.querySelectorAll("text")].filter((t) => {
    const b = t.getBBox();
    return b.x < 0 || b.y < 0 || b.x + b.width > view.width || b.y + b.height > view.height;
  }).map((t) => t.textContent);
  return { id: svg.id, width: box.width, height: box.height, marks: marks.length,
    hidden: hidden.length, overflowing };
}))`;

async function charts(page: BrowserPage): Promise<ChartBoxes[]> {
  return JSON.parse(await page.evaluate<string>(MEASURE));
}

/** Writes the page's screenshot to runs/ and says where. */
async function saveScreenshot(page: BrowserPage, name: string): Promise<void> {
  await Deno.mkdir(join(ROOT, "runs"), { recursive: true });
  const path = join(ROOT, "runs", name);
  await Deno.writeFile(path, await page.screenshot());
  console.log(`screenshot: runs/${name}`);
}

Deno.test({
  name: "report.html in Chromium: every chart visible, titles inside, no errors, nothing fetched",
  ignore: SKIP,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const report = fixtureReport();
      const html = join(dir, "report.html"), svg = join(dir, "report.svg");
      await Deno.writeTextFile(html, htmlReport(report, { viewer: "http://localhost:8000/ui/" }));
      // One backbone makes the narrowest chart, where the title used to be cut off.
      await Deno.writeTextFile(svg, svgChart(fixtureReport(["din"])));
      const page = await launchPage(CHROMIUM!);
      try {
        await page.setWidth(1200);
        await page.goto(pathToFileURL(html).href);
        const boxes = await charts(page);
        assert.deepEqual(boxes.map((b) => b.id), ["chart-auc", "chart-curves", "chart-knowledge"]);
        for (const b of boxes) {
          assert.ok(b.width > 0 && b.height > 0, `${b.id} is visible`);
          assert.ok(
            b.marks > 0 && b.hidden === 0,
            `${b.id}: ${b.hidden} of ${b.marks} marks hidden`,
          );
          assert.deepEqual(b.overflowing, [], `${b.id}: text outside the chart`);
        }
        assert.deepEqual(page.errors, []);
        assert.deepEqual(page.requests, [pathToFileURL(html).href], "self-contained");
        await saveScreenshot(page, "report-html.png");

        // A narrow window: the charts scale down and stay visible.
        await page.setWidth(420);
        await page.goto(pathToFileURL(html).href);
        for (const b of await charts(page)) {
          assert.ok(b.width > 0 && b.width <= 420 && b.height > 0, `${b.id} fits a narrow window`);
        }

        // report.svg on its own: the title fits (it was cut off before).
        await page.setWidth(1200);
        await page.goto(pathToFileURL(svg).href);
        const [chart] = await charts(page);
        assert.equal(chart.id, "chart-auc");
        assert.deepEqual(chart.overflowing, []);
        assert.deepEqual(page.errors, []);
        await saveScreenshot(page, "report-svg.png");
      } finally {
        await page.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
