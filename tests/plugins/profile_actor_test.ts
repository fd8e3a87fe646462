import assert from "node:assert/strict";
import { prepareDataset } from "../../datasets/prepare.ts";
import type { ItemInfo } from "../../datasets/types.ts";
import { movieDomain } from "../../plugins/domain.ts";
import { type GroundedEvidence, groundedReflector } from "../../plugins/grounded_reflector.ts";
import { profileActor } from "../../plugins/profile/mod.ts";
import { r4 } from "../../plugins/r4.ts";
import { knowledgeTasks } from "../../plugins/tasks.ts";
import type { Critique, Draft, KnowledgeTask } from "../../plugins/types.ts";
import { buildFixture } from "./profile_fixture.ts";

const words = (text: string) => text.split(/\s+/).filter((w) => w !== "").length;

/** Six hand-made movies: the vault/heist ones are liked, the swamp ones disliked. */
function handMade(): { itemInfo: ItemInfo[]; task: Extract<KnowledgeTask, { kind: "user" }> } {
  const itemInfo: ItemInfo[] = [
    { title: "", attributes: [], genres: [] },
    {
      title: "Vault One (1994)",
      attributes: ["Comedy"],
      genres: ["Comedy"],
      description: "A vault heist with diamonds.",
      year: 1994,
    },
    {
      title: "Vault Two (1996)",
      attributes: ["Comedy"],
      genres: ["Comedy", "Crime"],
      description: "Diamonds, a vault and a casino.",
      year: 1996,
    },
    {
      title: "Vault Three (1998)",
      attributes: ["Crime"],
      genres: ["Crime"],
      description: "The casino heist of diamonds.",
      year: 1998,
    },
    {
      title: "Swamp One (1971)",
      attributes: ["Horror"],
      genres: ["Horror"],
      description: "A swamp monster in the fog.",
      year: 1971,
    },
    {
      title: "Swamp Two (1975)",
      attributes: ["Horror"],
      genres: ["Horror", "Comedy"],
      description: "Fog over the swamp and a monster.",
      year: 1975,
    },
    {
      title: "Vault Four (1997)",
      attributes: ["Drama"],
      genres: ["Drama"],
      description: "Diamonds in a vault.",
      year: 1997,
    },
    {
      title: "Swamp Three (1979)",
      attributes: ["Drama"],
      genres: ["Drama"],
      description: "The monster of the swamp.",
      year: 1979,
    },
  ];
  const rated = [[1, 5], [2, 4], [3, 5], [4, 1], [5, 2]];
  return {
    itemInfo,
    task: {
      kind: "user",
      key: "hand:user:1:train",
      domain: movieDomain,
      history: rated.map(([item, rating]) => ({ title: itemInfo[item].title, rating, item })),
    },
  };
}

Deno.test("user profile: the rater, every rated title and the tastes, in words; labelled", async () => {
  const { itemInfo, task } = handMade();
  const actor = profileActor({ dataset: { itemInfo, domain: movieDomain } });
  assert.equal(actor.kind, "deterministic");
  const draft = await actor.reason(task);
  const text = draft.text;
  assert.ok(text.startsWith("Statistical profile (no LLM): "));
  assert.ok(words(text) <= 200);
  assert.equal(draft.author, "profile");
  // 3 likes of 5: baseline (3 - 2) / 7 = 0.14, nearest level "balanced".
  assert.match(text, /^Statistical profile \(no LLM\): a balanced viewer\.$/m);
  // Every pair of the window, oldest first, with how it was rated.
  assert.match(
    text,
    /^History: loved 'Vault One \(1994\)'; liked 'Vault Two \(1996\)'; loved 'Vault Three \(1998\)'; hated 'Swamp One \(1971\)'; disliked 'Swamp Two \(1975\)'\.$/m,
  );
  // Horror: items 4 (1) and 5 (2), both dislikes: (-2 - 2 * 0.14) / 3 = -0.76 -> "hates".
  // Crime: items 2 (4) and 3 (5): (2 - 2 * 0.14) / 3 = +0.57 -> "loves". Comedy: 1, 2 liked, 5 not.
  const tastes = text.match(/^Tastes: (.*)\.$/m)![1].split("; ");
  assert.ok(tastes.includes("hates Horror"), tastes.join("; "));
  assert.ok(tastes.includes("loves Crime"), tastes.join("; "));
  assert.ok(tastes.includes("loves 1990s") && tastes.includes("hates 1970s"), tastes.join("; "));
  // "vault" describes two liked items, "swamp" both disliked ones; "diamonds" is on more than half
  // of all descriptions, so it says nothing about any one movie and is no theme.
  assert.ok(tastes.includes("loves vault") && tastes.includes("hates swamp"), tastes.join("; "));
  assert.doesNotMatch(text, /diamonds/);
  // No digits but the titles' years: an encoder reads words.
  assert.doesNotMatch(text.replace(/'[^']*'/g, "").replace(/\d{4}s/g, ""), /\d/);
  assert.equal((await actor.reason(task)).text, text);
  assert.equal(
    (await profileActor({ dataset: { itemInfo, domain: movieDomain } }).reason(task)).text,
    text,
  );
});

Deno.test("verdict reads the weights written in the draft, not the history", async () => {
  const { itemInfo, task } = handMade();
  const actor = profileActor({ dataset: { itemInfo, domain: movieDomain } });
  const draft = await actor.reason(task);
  assert.equal(await actor.verdict(task, draft, { itemTitle: "Vault Four (1997)" }), "like");
  assert.equal(await actor.verdict(task, draft, { itemTitle: "Swamp Three (1979)" }), "dislike");
  // Flip every stated taste in the text: the verdicts follow the text.
  const swap: Record<string, string> = {
    loves: "hates",
    hates: "loves",
    likes: "dislikes",
    dislikes: "likes",
  };
  const flipped: Draft = {
    ...draft,
    text: draft.text.replace(
      /^Tastes: .*$/m,
      (line) => line.replace(/\b(loves|hates|likes|dislikes)\b/g, (w) => swap[w]),
    ),
  };
  assert.equal(await actor.verdict(task, flipped, { itemTitle: "Vault Four (1997)" }), "dislike");
  assert.equal(await actor.verdict(task, flipped, { itemTitle: "Swamp Three (1979)" }), "like");
  // Knowledge this actor cannot read gives no verdict rather than a guess.
  const foreign: Draft = { ...draft, text: "The user enjoys heist comedies." };
  assert.equal(await actor.verdict(task, foreign, { itemTitle: "Vault Four (1997)" }), undefined);
});

Deno.test("refine accounts for the cases a critique cites (grounded evidence or quoted titles)", async () => {
  const { itemInfo, task } = handMade();
  const actor = profileActor({ dataset: { itemInfo, domain: movieDomain } });
  const draft = await actor.reason(task);
  // 'Swamp Two' (rated 2) shares Comedy with the likes; pretend it was rated 5 to force a miss.
  const twisted = {
    ...task,
    history: task.history.map((p) => p.item === 5 ? { ...p, rating: 5 } : p),
  };
  const before = await actor.verdict(twisted, draft, { itemTitle: "Swamp Two (1975)" });
  assert.equal(before, "dislike");
  const evidence: GroundedEvidence = {
    method: "grounded",
    accuracy: 0,
    threshold: 0.75,
    held: 1,
    correct: 0,
    cases: [{
      role: "history",
      index: 4,
      title: "Swamp Two (1975)",
      item: 5,
      rating: 5,
      label: 1,
      predicted: "dislike",
      correct: false,
    }],
  };
  const critique: Critique = {
    reasonable: false,
    feedback: "Mispredicted 'Swamp Two (1975)'.",
    author: "grounded",
    usage: { prompt: 0, completion: 0 },
    latencyMs: 0,
    evidence,
  };
  const refined = await actor.refine(twisted, draft, critique);
  assert.ok(refined.text.startsWith("Statistical profile (no LLM)"));
  assert.match(refined.text, /Revised after: 'Swamp Two \(1975\)' loved, predicted disliked/);
  assert.equal(await actor.verdict(twisted, refined, { itemTitle: "Swamp Two (1975)" }), "like");
  assert.ok(words(refined.text) <= 200);
  // An LLM-style critique without evidence: the quoted history title is the case.
  const plain: Critique = {
    ...critique,
    evidence: undefined,
    feedback: "It misses that 'Swamp Two (1975)' was loved.",
  };
  const refinedPlain = await actor.refine(twisted, draft, plain);
  assert.equal(
    await actor.verdict(twisted, refinedPlain, { itemTitle: "Swamp Two (1975)" }),
    "like",
  );
  assert.match(refinedPlain.text, /'Swamp Two \(1975\)' loved, cited/);
});

Deno.test("item profile: three parts, reception from interactions before any target, raters' contrast", async () => {
  const { dataset } = buildFixture();
  const actor = profileActor({ dataset });
  const tasks = knowledgeTasks(dataset, { kinds: ["item"] });
  const early = (r: number) => dataset.trainPeriod.position[r] < dataset.firstTarget;
  let audienced = 0;
  for (const [i, task] of tasks.entries()) {
    if (task.kind !== "item") continue;
    const draft = await actor.reason(task);
    assert.ok(draft.text.startsWith("Statistical item profile (no LLM): "), draft.text);
    assert.match(draft.text, /^\(1\) Basics: /m);
    assert.match(draft.text, /^\(2\) Fans: /m);
    assert.match(draft.text, /^\(3\) Critics: /m);
    assert.ok(words(draft.text) <= 200, `${words(draft.text)} words`);
    const item = dataset.itemInputs[i].item;
    let n = 0;
    for (let r = 0; r < dataset.trainPeriod.size; r++) {
      if (dataset.trainPeriod.item[r] === item && early(r)) n++;
    }
    // Reception in words when interactions before the first target rated it, else none.
    const reception = draft.text.match(/^\(2\) Fans: ([^;.]+)/m)![1];
    if (n > 0) {
      assert.ok(["acclaimed", "popular", "divisive", "unpopular", "panned"].includes(reception));
      audienced++;
    } else assert.equal(reception, "no early audience");
    for (const g of dataset.itemInfo[item].genres) assert.ok(draft.text.includes(g));
  }
  assert.ok(audienced > 10);
  // Targets never reach the text: changing every target rating changes no item profile.
  const flipped = {
    ...dataset,
    trainPeriod: {
      ...dataset.trainPeriod,
      rating: dataset.trainPeriod.rating.map((x, r) => early(r) ? x : 6 - x),
    },
  };
  const other = profileActor({ dataset: flipped });
  for (const task of tasks) {
    assert.equal((await other.reason(task)).text, (await actor.reason(task)).text, task.key);
  }
  // Without audience statistics the task's own liker and disliker are contrasted.
  const bare = profileActor({ dataset: { itemInfo: dataset.itemInfo, domain: dataset.domain } });
  const task = tasks.find((t) =>
    t.kind === "item" && t.likerHistory.length && t.dislikerHistory.length
  )!;
  const text = (await bare.reason(task)).text;
  assert.match(text, /\(2\) Fans: no early audience; /);
  assert.match(text, /(loved|liked|disliked|hated) by \S+ fans/);
});

Deno.test("every fixture task gives a labelled profile within 200 words, before and after refine", async () => {
  const { dataset } = buildFixture();
  const actor = profileActor({ dataset });
  const reflector = groundedReflector({ actor, k: 4, threshold: 1 });
  for (const task of knowledgeTasks(dataset)) {
    const draft = await actor.reason(task);
    const critique = await reflector.reflect(task, draft);
    const refined = await actor.refine(task, draft, critique);
    for (const d of [draft, refined]) {
      assert.match(d.text, /^Statistical (item )?profile \(no LLM\)/);
      assert.ok(words(d.text) <= 200, `${task.key}: ${words(d.text)} words`);
    }
  }
});

Deno.test("reason -> grounded reflect -> refine raises grounded accuracy on the synthetic dataset", async () => {
  const { dataset } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 60, items: 90, seed: 11 },
  });
  const actor = profileActor({ dataset });
  // Threshold 1: every task with a miss is refined (at 0.75 too few user windows miss twice).
  const reflector = groundedReflector({ actor, k: 4, threshold: 1, seed: 1 });
  const loop = r4({ actor, reflector, rounds: 1 });
  const sums = { user: [0, 0, 0], item: [0, 0, 0] };
  for (const task of knowledgeTasks(dataset)) {
    const result = await loop.run(task, {});
    // Judge the first and the final draft with the same reflector (same held-back cases).
    const first = (await reflector.reflect(task, result.first)).evidence as GroundedEvidence;
    const final = (await reflector.reflect(task, result.final)).evidence as GroundedEvidence;
    if (first.accuracy === null || final.accuracy === null) continue;
    const s = sums[task.kind];
    s[0] += first.accuracy;
    s[1] += final.accuracy;
    s[2]++;
  }
  for (const kind of ["user", "item"] as const) {
    const [first, final, n] = sums[kind];
    assert.ok(n > 10, `${kind}: ${n} tasks`);
    assert.ok(final / n > first / n, `${kind}: refined ${final / n} vs first ${first / n}`);
  }
});

Deno.test("bad training data is refused with the row that is wrong", () => {
  const { dataset } = buildFixture();
  const bad = {
    ...dataset,
    trainPeriod: {
      ...dataset.trainPeriod,
      item: dataset.trainPeriod.item.map((x, r) => r === 5 ? 9999 : x),
    },
  };
  assert.throws(
    () => profileActor({ dataset: bad }),
    /trainPeriod row 5 names unknown dense item 9999/,
  );
});

Deno.test("the text is the knowledge: refining on a critique with no cases rewrites the same text", async () => {
  const { dataset } = buildFixture();
  const actor = profileActor({ dataset });
  const nothing: Critique = {
    reasonable: false,
    feedback: "Be more specific.",
    author: "judge",
    usage: { prompt: 0, completion: 0 },
    latencyMs: 0,
  };
  for (const task of knowledgeTasks(dataset)) {
    const draft = await actor.reason(task);
    assert.equal((await actor.refine(task, draft, nothing)).text, draft.text, task.key);
  }
});

Deno.test("non-movie domains speak of readers and categories, and the text still reads back", async () => {
  const { itemInfo, task } = handMade();
  const books = { itemNoun: "book", ratingScale: [1, 5] as [number, number], likeThreshold: 3 };
  const actor = profileActor({ dataset: { itemInfo, domain: books } });
  const bookTask = { ...task, domain: books };
  const draft = await actor.reason(bookTask);
  assert.match(draft.text, /a balanced reader/);
  assert.match(draft.text, /^Tastes: [^\n]*loves Crime/m);
  assert.equal(await actor.verdict(bookTask, draft, { itemTitle: "Vault Four (1997)" }), "like");
  const item: KnowledgeTask = {
    kind: "item",
    key: "hand:item:6",
    domain: books,
    title: "Vault Four (1997)",
    attributes: ["Drama"],
    likerHistory: task.history.slice(0, 3),
    dislikerHistory: task.history.slice(3),
  };
  const itemDraft = await actor.reason(item);
  assert.match(itemDraft.text, /^\(1\) Basics: Drama; 1990s/m);
  assert.match(itemDraft.text, /(loved|liked) by \S+ fans/);
  const liker = { userHistory: task.history.slice(0, 3) };
  const before = await actor.verdict(item, itemDraft, liker);
  // Reversing every stated appeal flips the verdict on the same user: the categories are read.
  const swap: Record<string, string> = {
    loved: "hated",
    hated: "loved",
    liked: "disliked",
    disliked: "liked",
  };
  const flipped = itemDraft.text.replace(
    /\b(loved|hated|liked|disliked) by/g,
    (_, w: string) => `${swap[w]} by`,
  );
  assert.notEqual(await actor.verdict(item, { ...itemDraft, text: flipped }, liker), before);
});

Deno.test("training rows out of user order are refused", () => {
  const { dataset } = buildFixture();
  const t = dataset.trainPeriod;
  const user = Int32Array.from(t.user);
  const last = t.size - 1;
  user[last] = t.user[0]; // the first user's row reappears after the others
  assert.throws(
    () => profileActor({ dataset: { ...dataset, trainPeriod: { ...t, user } } }),
    new RegExp(`trainPeriod row ${last}: rows of user ${t.user[0]} are not contiguous`),
  );
});
