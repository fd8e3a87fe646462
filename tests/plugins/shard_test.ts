import assert from "node:assert/strict";
import { prepareDataset } from "../../datasets/prepare.ts";
import {
  knowledgeTasks,
  shardOfKey,
  taskSetFingerprint,
  tasksOfShard,
  withKeyPrefix,
} from "../../plugins/tasks.ts";

const { dataset } = await prepareDataset({
  dataset: "synthetic",
  synthetic: { users: 60, items: 80 },
});
const tasks = knowledgeTasks(dataset);

Deno.test("tasksOfShard: shards are disjoint, cover every task once, and keep the given order", () => {
  for (const count of [1, 2, 4, 7]) {
    const shards = Array.from(
      { length: count },
      (_, index) => tasksOfShard(tasks, { index, count }),
    );
    const keys = shards.flat().map((t) => t.key);
    assert.equal(keys.length, tasks.length);
    assert.deepEqual(new Set(keys), new Set(tasks.map((t) => t.key)));
    for (const shard of shards) {
      const positions = shard.map((t) => tasks.indexOf(t));
      assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    }
    if (count > 1) assert.ok(shards.every((s) => s.length > 0), `a shard of ${count} is empty`);
  }
});

Deno.test("tasksOfShard: a task's shard depends on its key only, not on order or run prefix", () => {
  const reversed = [...tasks].reverse();
  const prefixed = withKeyPrefix(tasks, "0123abcd4567|");
  for (let index = 0; index < 4; index++) {
    const keys = (list: typeof tasks) =>
      tasksOfShard(list, { index, count: 4 }).map((t) => t.key.split("|").at(-1)).sort();
    assert.deepEqual(keys(reversed), keys(tasks));
    assert.deepEqual(keys(prefixed), keys(tasks));
    assert.deepEqual(
      keys(tasks.slice(0, 30)),
      keys(tasks).filter((k) => tasks.slice(0, 30).some((t) => t.key === k)),
    );
  }
  assert.equal(shardOfKey("0123abcd4567|synthetic:user:3", 5), shardOfKey("synthetic:user:3", 5));
});

Deno.test("tasksOfShard: a bad shard is an error naming what is wrong", () => {
  assert.throws(
    () => tasksOfShard(tasks, { index: 4, count: 4 }),
    /index must be in 0\.\.3, got 4/,
  );
  assert.throws(() => tasksOfShard(tasks, { index: 0, count: 0 }), /count must be a positive/);
});

Deno.test("taskSetFingerprint: equal for equal inputs, different when one rating differs", async () => {
  const copy = structuredClone(tasks);
  assert.equal(await taskSetFingerprint(copy), await taskSetFingerprint(tasks));
  const user = copy.find((t) => t.kind === "user" && t.history.length > 0);
  if (user?.kind !== "user") throw new Error("the synthetic data has a user with history");
  user.history[0].rating = user.history[0].rating === 1 ? 2 : 1;
  assert.notEqual(await taskSetFingerprint(copy), await taskSetFingerprint(tasks));
});
