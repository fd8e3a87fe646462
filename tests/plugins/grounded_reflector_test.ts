import assert from "node:assert/strict";
import { prepareDataset } from "../../datasets/prepare.ts";
import { movieDomain } from "../../plugins/domain.ts";
import {
  type GroundedEvidence,
  GroundedEvidenceSchema,
  groundedReflector,
  heldBackIndices,
} from "../../plugins/grounded_reflector.ts";
import { profileActor } from "../../plugins/profile/mod.ts";
import { knowledgeTasks } from "../../plugins/tasks.ts";
import type { Actor, Draft, KnowledgeTask, Verdict } from "../../plugins/types.ts";

/** The simplest real actor: knowledge "likes everything", verdict always like. */
function optimist(): Actor & { probes: unknown[] } {
  const probes: unknown[] = [];
  const draft: Draft = {
    text: "Likes everything.",
    author: "optimist",
    usage: { prompt: 0, completion: 0 },
    latencyMs: 0,
  };
  return {
    id: "optimist",
    kind: "deterministic",
    probes,
    reason: () => Promise.resolve(draft),
    refine: (_t, d) => Promise.resolve(d),
    verdict: (_t, _d, probe) => {
      probes.push(probe);
      return Promise.resolve<Verdict>("like");
    },
  };
}

const history = [
  ["Heat (1995)", 5],
  ["Big (1988)", 2],
  ["Fargo (1996)", 4],
  ["Alien (1979)", 1],
  ["Babe (1995)", 4],
  ["Rocky (1976)", 3],
  ["Jaws (1975)", 5],
  ["Clue (1985)", 2],
] as const;
const userTask: KnowledgeTask = {
  kind: "user",
  key: "hand:user:9:train",
  domain: movieDomain,
  history: history.map(([title, rating], item) => ({ title, rating, item: item + 1 })),
};
const draft: Draft = { text: "x", author: "a", usage: { prompt: 0, completion: 0 }, latencyMs: 0 };

Deno.test("heldBackIndices: k distinct sorted indices, fixed by key and seed", () => {
  const a = heldBackIndices("k1", 10, 4, 0);
  assert.equal(a.length, 4);
  assert.equal(new Set(a).size, 4);
  assert.deepEqual(a, [...a].sort((x, y) => x - y));
  assert.ok(a.every((i) => i >= 0 && i < 10));
  assert.deepEqual(heldBackIndices("k1", 10, 4, 0), a);
  const others = [1, 2, 3, 4, 5].map((s) => heldBackIndices("k1", 10, 4, s).join());
  assert.ok(others.some((o) => o !== a.join()), "another seed picks other pairs");
  assert.deepEqual(heldBackIndices("k1", 3, 5, 0), [0, 1, 2]);
});

Deno.test("user task: accuracy of the actor's verdicts on k window pairs decides the judgement", async () => {
  const actor = optimist();
  const idx = heldBackIndices(userTask.key, history.length, 4, 0);
  const likes = idx.filter((i) => history[i][1] > 3).length;
  assert.ok(likes > 0 && likes < 4, "the held-back pairs mix likes and dislikes");
  const strict = groundedReflector({ actor, k: 4, threshold: 1 });
  assert.equal(strict.kind, "deterministic");
  const critique = await strict.reflect(userTask, draft);
  const evidence = GroundedEvidenceSchema.parse(critique.evidence);
  assert.equal(evidence.held, 4);
  assert.equal(evidence.correct, likes);
  assert.equal(evidence.accuracy, likes / 4);
  assert.deepEqual(evidence.cases.map((c) => c.index), idx);
  assert.deepEqual(actor.probes, idx.map((i) => ({ itemTitle: history[i][0] })));
  // The probes never carry the label.
  assert.ok(actor.probes.every((p) => !Object.hasOwn(p as object, "label")));
  assert.equal(critique.reasonable, likes === 4);
  for (const i of idx) {
    const [title, rating] = history[i];
    if (rating > 3) assert.ok(!critique.feedback.includes(title));
    else {assert.ok(
        critique.feedback.includes(
          `'${title}': predicted like, but the user rated it ${rating} (a dislike)`,
        ),
      );}
  }
  const lenient = groundedReflector({ actor, k: 4, threshold: likes / 4 });
  const ok = await lenient.reflect(userTask, draft);
  assert.equal(ok.reasonable, true);
  assert.equal(ok.feedback, "");
  assert.equal((ok.evidence as GroundedEvidence).accuracy, likes / 4);
});

Deno.test("item task: the liker and the disliker are the probes; a missing verdict is a miss", async () => {
  const task: KnowledgeTask = {
    kind: "item",
    key: "hand:item:1",
    domain: movieDomain,
    title: "Heat (1995)",
    attributes: ["Action"],
    likerHistory: [{ title: "Ronin (1998)", rating: 5 }],
    dislikerHistory: [{ title: "Babe (1995)", rating: 5 }],
  };
  const actor = optimist();
  const c = await groundedReflector({ actor, k: 4, threshold: 0.75 }).reflect(task, draft);
  const e = GroundedEvidenceSchema.parse(c.evidence);
  assert.deepEqual(e.cases.map((x) => [x.role, x.label, x.predicted, x.correct]), [
    ["liker", 1, "like", true],
    ["disliker", 0, "like", false],
  ]);
  assert.deepEqual(actor.probes, [{ userHistory: task.likerHistory }, {
    userHistory: task.dislikerHistory,
  }]);
  assert.equal(c.reasonable, false);
  assert.match(c.feedback, /the user who disliked this movie .*'Babe \(1995\)' 5: predicted like/);
  const mute: Actor = { ...optimist(), verdict: () => Promise.resolve(undefined) };
  const m = await groundedReflector({ actor: mute, k: 2, threshold: 0.5 }).reflect(task, draft);
  assert.equal((m.evidence as GroundedEvidence).correct, 0);
  assert.match(m.feedback, /gave no usable verdict/);
  const none = await groundedReflector({ actor }).reflect({
    ...task,
    likerHistory: [],
    dislikerHistory: [],
  }, draft);
  assert.equal(none.reasonable, true);
  assert.equal((none.evidence as GroundedEvidence).accuracy, null);
});

Deno.test("options are validated", () => {
  const actor = optimist();
  assert.throws(() => groundedReflector({ actor, k: 0 }), /k must be a positive integer/);
  assert.throws(
    () => groundedReflector({ actor, threshold: 1.5 }),
    /threshold must lie in \[0, 1\]/,
  );
});

Deno.test("leakage: no held-back interaction is from the test period (prepared synthetic dataset)", async () => {
  const { dataset } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 40, items: 60, seed: 5 },
  });
  // Position of every training-period interaction, by (user, item, position).
  const trainAt = new Set<string>();
  for (let r = 0; r < dataset.trainPeriod.size; r++) {
    trainAt.add(`${dataset.trainPeriod.user[r]}:${dataset.trainPeriod.item[r]}`);
  }
  const testAt = new Set<string>();
  for (let r = 0; r < dataset.test.size; r++) {
    testAt.add(`${dataset.test.user[r]}:${dataset.test.item[r]}`);
  }
  const actor = profileActor({ dataset });
  const reflector = groundedReflector({ actor, k: 4, threshold: 0.75, seed: 3 });
  const tasks = knowledgeTasks(dataset, { kinds: ["user"] });
  let held = 0;
  for (const [i, task] of tasks.entries()) {
    if (task.kind !== "user") continue;
    const input = dataset.userInputs[i];
    const e = GroundedEvidenceSchema.parse(
      (await reflector.reflect(task, await actor.reason(task))).evidence,
    );
    for (const c of e.cases) {
      const pair = input.history[c.index!];
      assert.equal(pair.item, c.item);
      assert.ok(
        pair.position <= dataset.userSplit.split[input.user],
        `${task.key}: position ${pair.position}`,
      );
      assert.ok(
        trainAt.has(`${input.user}:${c.item}`),
        `${task.key}: not a training-period interaction`,
      );
      const key = `${input.user}:${c.item}`;
      assert.ok(!testAt.has(key) || trainAt.has(key), `${task.key}: a test-period interaction`);
      assert.equal(c.rating, pair.rating);
      held++;
    }
  }
  assert.equal(held, tasks.length * 4);
  // Item tasks: the probes are the liker's and disliker's windows, all before the split.
  for (const input of dataset.itemInputs) {
    for (
      const [user, h] of [[input.liker, input.likerHistory], [
        input.disliker,
        input.dislikerHistory,
      ]] as const
    ) {
      for (const p of h) assert.ok(p.position <= dataset.userSplit.split[user]);
    }
  }
});
