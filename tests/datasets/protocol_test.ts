import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type CtrDataset,
  genericSource,
  nonTargetInteractions,
  prepareDataset,
} from "../../datasets/mod.ts";

/** Sequence lengths of the hand-made users, and a rating rule we can recompute here. */
const LENGTHS: Record<string, number> = { a: 15, b: 20, c: 14 };
const ratingOf = (u: string, pos: number) => ((u.charCodeAt(0) * 7 + pos * 3) % 5) + 1;
const itemOf = (u: string, pos: number) => ((u.charCodeAt(0) + pos * 2) % 25) + 1;

async function handMade(): Promise<string> {
  const dir = await Deno.makeTempDir();
  const lines = ["user,item,stars,ts"];
  for (const [u, n] of Object.entries(LENGTHS)) {
    // Written newest first, so the file order is not the chronological order.
    for (let pos = n - 1; pos >= 0; pos--) {
      lines.push(`${u},${itemOf(u, pos)},${ratingOf(u, pos)},${1000 + pos * 100}`);
    }
  }
  await Deno.writeTextFile(join(dir, "events.csv"), lines.join("\n") + "\n");
  const items = ["sku,name,tags"];
  for (let i = 1; i <= 25; i++) items.push(`${i},Item ${i} (2000),G${i % 3}|X`);
  await Deno.writeTextFile(join(dir, "items.csv"), items.join("\n") + "\n");
  return dir;
}

async function prepare(validationFraction = 0): Promise<CtrDataset> {
  const dir = await handMade();
  const source = genericSource({
    name: "hand",
    interactions: {
      path: join(dir, "events.csv"),
      columns: { user: "user", item: "item", rating: "stars", timestamp: "ts" },
    },
    items: {
      path: join(dir, "items.csv"),
      columns: { item: "sku", title: "name", genres: "tags" },
    },
  });
  return (await prepareDataset({ dataset: source, validationFraction, historyLength: 3 })).dataset;
}

Deno.test("protocol: split positions, labels and targets follow the reference", async () => {
  const d = await prepare();
  // s = floor(0.8 L): a 12, b 16, c 11. Train targets 11..s, test s+1..L-1.
  assert.equal(d.train.size, 2 + 6 + 1);
  assert.equal(d.test.size, 2 + 3 + 2);
  for (const split of [d.train, d.test]) {
    for (let r = 0; r < split.size; r++) {
      const u = d.users.raw[split.user[r]];
      const pos = split.position[r];
      const s = Math.floor(0.8 * LENGTHS[u]);
      assert.ok(pos >= 11);
      assert.equal(split.period[r], pos > s ? 1 : 0);
      assert.equal(split === d.test, pos > s);
      assert.equal(split.rating[r], ratingOf(u, pos));
      assert.equal(split.label[r], ratingOf(u, pos) > 3 ? 1 : 0);
      assert.equal(d.items.raw[split.item[r]], String(itemOf(u, pos)));
      // History: the 3 interactions right before, oldest first, in chronological (not file) order.
      for (let t = 0; t < 3; t++) {
        const hp = pos - 3 + t;
        assert.equal(d.items.raw[split.histItem[r * 3 + t]], String(itemOf(u, hp)));
        assert.equal(split.histRating[r * 3 + t], ratingOf(u, hp));
        const attr = d.attributes.raw[split.histAttrs[r * 3 + t]];
        assert.equal(attr, `G${itemOf(u, hp) % 3}`);
      }
    }
  }
});

Deno.test("protocol: one user window before the first target; raters from those positions", async () => {
  const d = await prepare();
  assert.equal(d.firstTarget, 11);
  assert.equal(d.userInputs.length, 3);
  for (const input of d.userInputs) {
    const u = d.users.raw[input.user];
    assert.deepEqual(input.history.map((p) => p.position), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const p of input.history) {
      assert.equal(p.rating, ratingOf(u, p.position));
      assert.equal(p.title, `Item ${itemOf(u, p.position)} (2000)`);
    }
  }
  let raters = 0;
  for (const input of d.itemInputs) {
    for (
      const [rater, history, rating] of [
        [input.liker, input.likerHistory, input.likerRating],
        [input.disliker, input.dislikerHistory, input.dislikerRating],
      ] as const
    ) {
      if (rater === 0 || history.length === 0) continue;
      raters++;
      const u = d.users.raw[rater];
      const ratedAt = history.at(-1)!.position + 1;
      assert.ok(ratedAt < d.firstTarget, "the rating is no CTR target");
      assert.equal(history.length, Math.min(10, ratedAt));
      assert.deepEqual(
        history.map((p) => p.position),
        Array.from({ length: history.length }, (_, k) => ratedAt - history.length + k),
      );
      assert.equal(d.items.raw[input.item], String(itemOf(u, ratedAt)));
      assert.equal(rating, ratingOf(u, ratedAt));
      assert.equal(rater === input.liker, rating > 3);
    }
  }
  assert.ok(raters > 5);
});

Deno.test("protocol: validation holds each user's latest training targets, before the test period", async () => {
  const a = await prepare(0.34);
  // Targets 11..s: a (s 12) 2 -> 1 held out, b (s 16) 6 -> 2, c (s 11) 1 -> 0.
  assert.equal(a.valid.size, 3);
  assert.equal(a.train.size, 6);
  assert.equal(a.test.size, 7);
  const testUsers = new Set(a.test.user);
  for (let r = 0; r < a.valid.size; r++) {
    const u = a.valid.user[r], pos = a.valid.position[r];
    assert.ok(testUsers.has(u), "validation users are test users");
    assert.ok(pos <= a.userSplit.split[u], "no validation target lies in the test period");
    assert.equal(a.valid.period[r], 0);
    for (let t = 0; t < a.train.size; t++) {
      if (a.train.user[t] === u) assert.ok(a.train.position[t] < pos, "train precedes validation");
    }
  }
  assert.deepEqual(
    [...a.valid.position].sort((x, y) => x - y),
    [12, 15, 16],
  );
});

Deno.test("leakage guard: no CTR target of any split appears in any LLM-side input", async () => {
  const { dataset: d } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 120, items: 150, seed: 11 },
  });
  const targets = new Set<string>();
  for (const s of [d.train, d.valid, d.test]) {
    for (let r = 0; r < s.size; r++) targets.add(`${s.user[r]}:${s.position[r]}`);
  }
  assert.ok(d.valid.size > 0 && d.test.size > 0);
  let checked = 0;
  const check = (user: number, position: number) => {
    checked++;
    assert.ok(!targets.has(`${user}:${position}`), `target ${user}:${position} leaked`);
  };
  for (const input of d.userInputs) for (const p of input.history) check(input.user, p.position);
  for (const input of d.itemInputs) {
    for (const p of input.likerHistory) check(input.liker, p.position);
    for (const p of input.dislikerHistory) check(input.disliker, p.position);
    if (input.likerHistory.length) check(input.liker, input.likerHistory.at(-1)!.position + 1);
    if (input.dislikerHistory.length) {
      check(input.disliker, input.dislikerHistory.at(-1)!.position + 1);
    }
  }
  assert.ok(checked > 1000);
});

Deno.test("non-target interactions are each user's positions before their first target", async () => {
  const d = await prepare();
  const h = nonTargetInteractions(d);
  // Every hand-made user has targets from position 11: positions 0..10 remain.
  assert.equal(h.size, 11 * 3);
  for (let r = 0; r < h.size; r++) assert.ok(h.position[r] <= 10);
});
