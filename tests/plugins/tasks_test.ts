import assert from "node:assert/strict";
import { prepareDataset } from "../../datasets/prepare.ts";
import {
  itemTaskKey,
  itemTasks,
  knowledgeTasks,
  userTaskKey,
  userTasks,
} from "../../plugins/tasks.ts";
import { KnowledgeTaskSchema } from "../../plugins/types.ts";
import { buildFixture } from "./profile_fixture.ts";

Deno.test("userTasks: one task per user with keyed, item-indexed windows", () => {
  const { dataset } = buildFixture();
  const tasks = userTasks(dataset);
  assert.equal(tasks.length, dataset.userInputs.length);
  for (const [i, task] of tasks.entries()) {
    KnowledgeTaskSchema.parse(task);
    assert.equal(task.kind, "user");
    if (task.kind !== "user") continue;
    const input = dataset.userInputs[i];
    const raw = dataset.users.raw[input.user];
    assert.equal(task.key, `fixture:user:${raw}`);
    assert.deepEqual(task.domain, dataset.domain);
    assert.deepEqual(
      task.history,
      input.history.map((p) => ({ title: p.title, rating: p.rating, item: p.item })),
    );
  }
  assert.equal(tasks.length, dataset.users.raw.length - 1);
});

Deno.test("itemTasks: title, attributes, description and rater histories from itemInputs", () => {
  const { dataset } = buildFixture();
  const tasks = itemTasks(dataset);
  assert.equal(tasks.length, dataset.itemInputs.length);
  for (const [i, task] of tasks.entries()) {
    KnowledgeTaskSchema.parse(task);
    if (task.kind !== "item") throw new Error("expected an item task");
    const input = dataset.itemInputs[i];
    const info = dataset.itemInfo[input.item];
    assert.equal(task.key, `fixture:item:${dataset.items.raw[input.item]}`);
    assert.equal(task.title, info.title);
    assert.equal(task.description, info.description);
    for (const g of info.genres) assert.ok(task.attributes.includes(g));
    assert.equal(new Set(task.attributes).size, task.attributes.length);
    assert.deepEqual(task.likerHistory.map((p) => p.item), input.likerHistory.map((p) => p.item));
    assert.deepEqual(
      task.dislikerHistory.map((p) => p.rating),
      input.dislikerHistory.map((p) => p.rating),
    );
  }
  assert.equal(userTaskKey("ml-1m", "42"), "ml-1m:user:42");
  assert.equal(itemTaskKey("ml-1m", "1193"), "ml-1m:item:1193");
});

Deno.test("knowledgeTasks: kinds and items without raters are selectable", () => {
  const { dataset } = buildFixture();
  const all = knowledgeTasks(dataset);
  assert.equal(all.length, dataset.userInputs.length + dataset.itemInputs.length);
  assert.ok(knowledgeTasks(dataset, { kinds: ["item"] }).every((t) => t.kind === "item"));
  const lonely = {
    ...dataset,
    itemInputs: [
      ...dataset.itemInputs,
      {
        item: 1,
        liker: 0,
        likerHistory: [],
        likerRating: 0,
        disliker: 0,
        dislikerHistory: [],
        dislikerRating: 0,
      },
    ],
  };
  assert.equal(itemTasks(lonely).length, dataset.itemInputs.length + 1);
  assert.equal(
    itemTasks(lonely, { includeItemsWithoutRaters: false }).length,
    dataset.itemInputs.filter((i) => i.likerHistory.length + i.dislikerHistory.length > 0).length,
  );
});

Deno.test("leakage: no interaction at a CTR target position appears in any task (fixture)", () => {
  const { dataset, targets } = buildFixture();
  // A pair the user rated at a target position and never before it (the fixture's users rate each
  // item once, so this is every target).
  const targetPairs = new Set(targets.map((x) => `${x.user}:${x.item}`));
  assert.ok(targetPairs.size > 100, "the fixture must have targets to miss");
  const tasks = knowledgeTasks(dataset);
  let checked = 0;
  for (const [i, task] of tasks.entries()) {
    const rows: [number, { item?: number; title: string }[]][] = task.kind === "user"
      ? [[dataset.userInputs[i].user, task.history]]
      : [
        [dataset.itemInputs[i - dataset.userInputs.length].liker, task.likerHistory],
        [dataset.itemInputs[i - dataset.userInputs.length].disliker, task.dislikerHistory],
      ];
    for (const [user, history] of rows) {
      for (const p of history) {
        assert.ok(!targetPairs.has(`${user}:${p.item}`), `${task.key}: ${p.title} is a target`);
        checked++;
      }
    }
  }
  assert.ok(checked > 400);
});

Deno.test("leakage: no target of the prepared synthetic dataset appears in any task", async () => {
  const { dataset } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 50, items: 70, seed: 3 },
  });
  const targetPairs = new Set<string>();
  for (const s of [dataset.train, dataset.valid, dataset.test]) {
    for (let r = 0; r < s.size; r++) targetPairs.add(`${s.user[r]}:${s.item[r]}`);
  }
  // Items a user also rated before the first target cannot tell the two apart; leave them out.
  const early = new Set<string>();
  for (let r = 0; r < dataset.trainPeriod.size; r++) {
    if (dataset.trainPeriod.position[r] < dataset.firstTarget) {
      early.add(`${dataset.trainPeriod.user[r]}:${dataset.trainPeriod.item[r]}`);
    }
  }
  const targetOnly = new Set([...targetPairs].filter((p) => !early.has(p)));
  assert.ok(targetOnly.size > 500);
  const tasks = knowledgeTasks(dataset);
  for (const [i, task] of tasks.entries()) {
    const rows: [number, { item?: number }[]][] = task.kind === "user"
      ? [[dataset.userInputs[i].user, task.history]]
      : [
        [dataset.itemInputs[i - dataset.userInputs.length].liker, task.likerHistory],
        [dataset.itemInputs[i - dataset.userInputs.length].disliker, task.dislikerHistory],
      ];
    for (const [user, history] of rows) {
      for (const p of history) assert.ok(!targetOnly.has(`${user}:${p.item}`), task.key);
    }
  }
});

Deno.test("a window reaching a target position is refused with the key and position", () => {
  const { dataset } = buildFixture();
  const input = dataset.userInputs[0];
  const bad = {
    ...dataset,
    userInputs: [{
      ...input,
      history: [...input.history, {
        title: "Leaked (2001)",
        rating: 5,
        item: 3,
        position: dataset.firstTarget,
      }],
    }],
  };
  assert.throws(
    () => userTasks(bad),
    (e: Error) =>
      e.message.includes("fixture:user:u7 ") && e.message.includes("position 11") &&
      e.message.includes("may be a CTR target"),
  );
  const unknown = { ...dataset, userInputs: [{ ...input, user: 999 }] };
  assert.throws(() => userTasks(unknown), /unknown dense user 999/);
});
