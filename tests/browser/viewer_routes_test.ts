/**
 * The viewer's routes without a browser: off unless asked for, its files with their media types
 * and security headers, the search and held-back-score answers against their schemas and against
 * the score route, and the word diff.
 */
import assert from "node:assert/strict";
import { r4ecRouter } from "../../adapters/http/router.ts";
import { HeldBackScoresSchema, SearchResponseSchema } from "../../adapters/http/routes/ui_data.ts";
import { wordDiff } from "../../adapters/http/ui/word_diff.js";
import { assertExactly } from "../adapters/http/checked_answers.ts";
import { servingFixture } from "../adapters/http/serving_fixture.ts";

Deno.test("viewer routes: off by default, documented and consistent with scoring when on", async (t) => {
  const fx = await servingFixture();
  const logs: string[] = [];
  try {
    const m = fx.bundle.manifest, T = m.historyLength;
    const off = r4ecRouter({ store: fx.store, bundle: fx.bundle, log: (l) => logs.push(l) });
    const on = r4ecRouter({
      store: fx.store,
      bundle: fx.bundle,
      ui: true,
      log: (l) => logs.push(l),
    });
    const json = async (res: Response | Promise<Response>) => await (await res).json();

    await t.step(
      "without the ui option nothing of the viewer is served or documented",
      async () => {
        assert.equal((await off.request("/ui/")).status, 404);
        assert.equal((await off.request("/v1/search/1")).status, 404);
        const doc = await json(off.request("/openapi.json"));
        assert.equal(doc.paths["/v1/search/{query}"], undefined);
      },
    );

    await t.step("with it the page and its files are served with a strict policy", async () => {
      const redirect = await on.request("/ui");
      assert.equal(redirect.status, 308);
      assert.equal(redirect.headers.get("location"), "ui/");
      const page = await on.request("/ui/");
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type")!, /^text\/html/);
      assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
      assert.match(await page.text(), /<script type="module" src="viewer.js">/);
      for (const name of ["viewer.js", "render.js", "word_diff.js"]) {
        const res = await on.request(`/ui/${name}`);
        assert.match(res.headers.get("content-type")!, /^text\/javascript/, name);
        await res.body?.cancel();
      }
      const doc = await json(on.request("/openapi.json"));
      assert.ok(doc.paths["/v1/search/{query}"].get.responses[200]);
      assert.ok(doc.paths["/v1/users/{id}/held-back-scores"].get.responses[404]);
      assert.equal((await on.request("/v1/search/1", { method: "POST" })).status, 405);
    });

    await t.step("search: users by id, items by id or any-case part of a title", async () => {
      const user = m.users.raw[4];
      const byId = await json(on.request(`/v1/search/${user}`));
      assertExactly(SearchResponseSchema, byId, "search");
      assert.equal(byId.users[0].id, user);
      const title = m.items.info[9].title;
      const byTitle = await json(
        on.request(`/v1/search/${encodeURIComponent(title.toLowerCase())}`),
      );
      assert.ok(byTitle.items.some((i: { id: string }) => i.id === m.items.raw[9]));
      const none = await json(on.request(`/v1/search/${encodeURIComponent("<b>zz</b>")}`));
      assert.deepEqual(none, { query: "<b>zz</b>", users: [], items: [], truncated: false });
    });

    await t.step("held-back scores: with knowledge they are the score route's", async () => {
      const user = m.users.raw[6];
      const u = fx.bundle.userIndex.get(user)!;
      const scores = await json(on.request(`/v1/users/${user}/held-back-scores`));
      assertExactly(HeldBackScoresSchema, scores, "held-back scores");
      assert.equal(scores.userKnowledge, "stored");
      const row = m.users.historyItem.slice(u * T, u * T + T);
      const rating = m.users.historyRating.slice(u * T, u * T + T);
      const held = scores.items.length, used = scores.historyUsed;
      assert.ok(held > 0 && used >= held - 1, `${held} held back, ${used} given`);
      const history = row.slice(T - held - used, T - held).map((item, j) => ({
        item: m.items.raw[item],
        rating: rating[T - held - used + j],
      }));
      const items = scores.items.map((r: { item: string }) => r.item);
      assert.deepEqual(items, row.slice(T - held).map((i) => m.items.raw[i]));
      const scored = await json(on.request("/v1/score", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user, items, history }),
      }));
      assert.deepEqual(
        scores.items.map((r: { withKnowledge: number }) => r.withKnowledge),
        scored.scores.map((s: { score: number }) => s.score),
      );
      assert.ok(
        scores.items.some((r: { withKnowledge: number; withoutKnowledge: number }) =>
          r.withKnowledge !== r.withoutKnowledge
        ),
      );
    });

    await t.step(
      "held-back scores: a user without knowledge scores the same both ways",
      async () => {
        const scores = await json(on.request(`/v1/users/${fx.missingUser}/held-back-scores`));
        assert.equal(scores.userKnowledge, "none");
        for (const r of scores.items) assert.equal(r.withKnowledge, r.withoutKnowledge);
        const unknown = await on.request("/v1/users/no-such-user/held-back-scores");
        assert.equal(unknown.status, 404);
        assert.match((await unknown.json()).detail, /unknown user "no-such-user"/);
      },
    );
  } finally {
    await fx.close();
  }
  assert.deepEqual(logs, []);
});

Deno.test("wordDiff: the runs rebuild both texts and mark only what changed", () => {
  const before = "likes old films and  long dramas", after = "likes new films and dramas today";
  const runs = wordDiff(before, after);
  const side = (skip: string) => runs.filter((r) => r.op !== skip).map((r) => r.text).join(" ");
  assert.equal(side("ins"), before.split(/\s+/).join(" "));
  assert.equal(side("del"), after);
  assert.deepEqual(runs.filter((r) => r.op !== "same").map((r) => `${r.op}:${r.text}`), [
    "del:old",
    "ins:new",
    "del:long",
    "ins:today",
  ]);
  assert.deepEqual(wordDiff("", ""), []);
  assert.deepEqual(wordDiff("a", ""), [{ op: "del", text: "a" }]);
});
