/**
 * The knowledge viewer in headless Chromium, over real HTTP on 127.0.0.1: the page loads, asks for
 * the bearer token, a search finds a user, the rounds, evidence, diff and held-back scores render,
 * an item is found by title; an unknown id, ids with markup and a store without knowledge each
 * give a clear message, and no injected script runs; no console errors. A screenshot goes to
 * `runs/`. Skips with one line when Chromium is not installed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { r4ecRouter } from "../../adapters/http/router.ts";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { userTaskKey } from "../../plugins/tasks.ts";
import { servingFixture } from "../adapters/http/serving_fixture.ts";
import { type BrowserPage, chromiumPath, launchPage } from "./cdp.ts";

const chromium = chromiumPath();
if (!chromium) {
  console.log(
    "tests/browser/viewer_test.ts: skipped: no Chromium (apt-get install -y chromium, or set " +
      "R4EC_CHROMIUM)",
  );
}

const TOKEN = "viewer-token-1";

/** Types `query` into the search box and submits it. */
async function search(page: BrowserPage, query: string): Promise<void> {
  await page.evaluate(`(() => {
    document.body.dataset.state = "";
    document.getElementById("query").value = ${JSON.stringify(query)};
    document.getElementById("search-form").requestSubmit();
  })()`);
  await page.waitFor(`document.body.dataset.state`);
}

/** Clicks the result button labelled `label` and waits for the view. */
async function openResult(page: BrowserPage, label: string): Promise<void> {
  const clicked = await page.evaluate<boolean>(`(() => {
    document.body.dataset.state = "";
    const b = [...document.querySelectorAll("#results button")]
      .find((x) => x.textContent === ${JSON.stringify(label)});
    b?.click();
    return b !== undefined;
  })()`);
  assert.ok(clicked, `no result "${label}"`);
  await page.waitFor(`document.body.dataset.state`);
}

const message = (page: BrowserPage) =>
  page.evaluate<string>(`document.getElementById("message").textContent`);

Deno.test({
  name: "viewer: search, rounds, diff, evidence and held-back scores in headless Chromium",
  ignore: !chromium,
  // Chromium's stderr is drained in the background until the browser exits.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const fx = await servingFixture();
    const empty = await openStore(join(fx.dir, "empty.duckdb"));
    const serve = (handler: Deno.ServeHandler) =>
      Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
    const server = serve(
      r4ecRouter({ store: fx.store, bundle: fx.bundle, ui: true, token: TOKEN }).fetch,
    );
    const emptyServer = serve(r4ecRouter({ store: empty, bundle: fx.bundle, ui: true }).fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const page = await launchPage(chromium!);
    try {
      const d = fx.dataset;
      // A user whose knowledge was refined, so the page has a diff to show.
      const records = await fx.store.listKnowledge({ keyPrefix: `${fx.prefix}${d.name}:user:` });
      const refined = records.find((r) => r.rounds.length > 1)!;
      assert.ok(refined, "the fixture has a refined user");
      const user = d.users.raw.find((u) => fx.prefix + userTaskKey(d.name, u) === refined.key)!;
      const reflected = refined.rounds.filter((r) => r.critique);

      await t.step("the page loads and asks for the token the server needs", async () => {
        await page.goto(`${base}/ui`);
        await page.waitFor(`document.body.dataset.state === "loaded"`);
        await search(page, user);
        assert.match(await message(page), /needs a bearer token/);
        await page.evaluate(`(() => {
          document.getElementById("token").value = ${JSON.stringify(TOKEN)};
          document.getElementById("token-form").requestSubmit();
        })()`);
      });

      await t.step(
        "a search finds the user; rounds, evidence, diff and scores render",
        async () => {
          await search(page, user);
          await openResult(page, `user ${user}`);
          assert.equal(await page.evaluate(`document.body.dataset.state`), "ready");
          assert.equal(
            await page.evaluate(`document.querySelectorAll("section.round").length`),
            reflected.length,
          );
          const finalText = await page.evaluate<string>(
            `document.querySelector(".final").textContent`,
          );
          assert.equal(finalText, refined.final.text);
          const cases = (reflected[0].critique!.evidence as { cases: unknown[] }).cases.length;
          assert.equal(
            await page.evaluate(
              `document.querySelector("section.round").querySelectorAll("tr.case").length`,
            ),
            cases,
          );
          const diff = await page.evaluate<{ ins: number; del: number; text: string }>(`(() => {
          const p = document.querySelector(".diff");
          return { ins: p.querySelectorAll("ins").length, del: p.querySelectorAll("del").length, text: p.textContent };
        })()`);
          assert.ok(diff.ins + diff.del > 0, "the diff marks changed words");
          for (const word of refined.rounds[1].draft.text.split(/\s+/).slice(0, 5)) {
            assert.ok(diff.text.includes(word), `diff holds "${word}"`);
          }
          assert.ok(
            await page.evaluate<number>(`document.querySelectorAll("tr.held-back").length`) > 0,
          );
          assert.match(
            await page.evaluate<string>(`document.getElementById("held-back").textContent`),
            /held back: the model is given only/,
          );
          await Deno.mkdir("runs", { recursive: true });
          await Deno.writeFile("runs/viewer-user.png", await page.screenshot());
        },
      );

      await t.step("an item is found by part of its title", async () => {
        const title = fx.bundle.manifest.items.info[2].title;
        await search(page, title.slice(4, 16).toUpperCase());
        await openResult(page, `item ${fx.bundle.manifest.items.raw[2]}: ${title}`);
        assert.equal(await page.evaluate(`document.querySelectorAll("article.entry").length`), 1);
        assert.equal(
          await page.evaluate(`document.querySelector("#view h2").textContent`),
          `item ${fx.bundle.manifest.items.raw[2]}: ${title}`,
        );
      });

      await t.step("an unknown id says so", async () => {
        await search(page, "no-such-id-zzz");
        assert.match(await message(page), /No user or item matches "no-such-id-zzz"/);
      });

      await t.step("ids with markup show as text and run nothing", async () => {
        const img = `<img src=x onerror="window.__pwned=1">`;
        await search(page, img);
        assert.ok((await message(page)).includes(img));
        const script = `<script>window.__pwned=2</script>`;
        await page.evaluate(
          `document.body.dataset.state = ""; location.hash = "#user/" + encodeURIComponent(${
            JSON.stringify(script)
          })`,
        );
        await page.waitFor(`document.body.dataset.state`);
        assert.ok((await message(page)).includes(`unknown user "${script}"`));
        assert.equal(
          await page.evaluate(`document.querySelectorAll("main img, main script").length`),
          0,
        );
        assert.equal(await page.evaluate(`typeof window.__pwned`), "undefined");
      });

      await t.step("a store without knowledge says so", async () => {
        await page.goto(`http://127.0.0.1:${emptyServer.addr.port}/ui/#user/${user}`);
        await page.waitFor(`document.body.dataset.state === "error"`);
        assert.match(await message(page), new RegExp(`No stored knowledge for user "${user}"`));
        assert.match(
          await page.evaluate<string>(`document.getElementById("held-back").textContent`),
          /user knowledge: none/,
        );
      });

      assert.deepEqual(page.errors, [], "no console errors or uncaught exceptions");
    } finally {
      await page.close();
      await server.shutdown();
      await emptyServer.shutdown();
      await empty.close();
      await fx.close();
    }
  },
});
