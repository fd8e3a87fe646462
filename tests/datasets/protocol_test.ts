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

Deno.test("protocol: LLM-side windows come from the training period", async () => {
  const d = await prepare();
  for (const input of d.userInputs) {
    const u = d.users.raw[input.user];
    const s = Math.floor(0.8 * LENGTHS[u]);
    const positions = input.history.map((p) => p.position);
    const expected = input.period === 0
      ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
      : Array.from({ length: 10 }, (_, k) => s - 9 + k);
    assert.deepEqual(positions, expected);
    for (const p of input.history) {
      assert.equal(p.rating, ratingOf(u, p.position));
      assert.equal(p.title, `Item ${itemOf(u, p.position)} (2000)`);
    }
  }
  for (const input of d.itemInputs) {
    for (
      const [rater, history, rating] of [
        [input.liker, input.likerHistory, input.likerRating],
        [input.disliker, input.dislikerHistory, input.dislikerRating],
      ] as const
    ) {
      if (rater === 0) continue;
      const u = d.users.raw[rater];
      const s = Math.floor(0.8 * LENGTHS[u]);
      assert.equal(history.length, 10);
      const ratedAt = history[9].position + 1;
      assert.ok(ratedAt <= s, "the liking/disliking rating is in the training period");
      assert.equal(d.items.raw[input.item], String(itemOf(u, ratedAt)));
      assert.equal(rating, ratingOf(u, ratedAt));
      assert.equal(rater === input.liker, rating > 3);
    }
  }
});

Deno.test("protocol: validation users are a seeded fraction and leave train", async () => {
  const a = await prepare(0.34);
  const b = await prepare(0.34);
  assert.deepEqual(a.valid.user, b.valid.user);
  const validUsers = new Set(a.valid.user);
  assert.equal(validUsers.size, 1);
  for (const u of a.train.user) assert.ok(!validUsers.has(u));
  assert.equal(a.train.size + a.valid.size, 9);
  assert.equal(a.test.size, 7);
});

Deno.test("leakage guard: no test-period interaction appears in any LLM-side input", async () => {
  const { dataset: d } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 120, items: 150, seed: 11 },
  });
  const testKeys = new Set<string>();
  for (let r = 0; r < d.test.size; r++) testKeys.add(`${d.test.user[r]}:${d.test.position[r]}`);
  let checked = 0;
  const check = (user: number, position: number) => {
    checked++;
    assert.ok(!testKeys.has(`${user}:${position}`), `test interaction ${user}:${position} leaked`);
    assert.ok(position <= d.userSplit.split[user]);
  };
  for (const input of d.userInputs) for (const p of input.history) check(input.user, p.position);
  for (const input of d.itemInputs) {
    for (const p of input.likerHistory) check(input.liker, p.position);
    for (const p of input.dislikerHistory) check(input.disliker, p.position);
    if (input.liker) check(input.liker, input.likerHistory.at(-1)!.position + 1);
    if (input.disliker) check(input.disliker, input.dislikerHistory.at(-1)!.position + 1);
  }
  for (let r = 0; r < d.trainPeriod.size; r++) {
    check(d.trainPeriod.user[r], d.trainPeriod.position[r]);
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
