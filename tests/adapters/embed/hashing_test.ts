import assert from "node:assert/strict";
import {
  fitHashingEmbedder,
  HashingEmbedder,
  hashingTokens,
} from "../../../adapters/embed/hashing.ts";
import type { EmbedProgress } from "../../../adapters/embed/progress.ts";

const CORPUS = [
  "Enjoys dark science fiction thrillers with space battles and rogue androids.",
  "A science fiction thriller set on a space station where an android turns rogue.",
  "Prefers light romantic comedies about weddings, friendship and small-town love.",
  "A romantic comedy: two rivals plan a wedding and fall in love.",
  "Likes documentaries about wildlife, oceans and the history of exploration.",
  "Dislikes horror films; rates slasher movies low and avoids gore.",
];

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

Deno.test("hashing: same corpus and options give the same id and identical vectors", async () => {
  const a = fitHashingEmbedder(CORPUS, { seed: 3 });
  const b = fitHashingEmbedder([...CORPUS], { seed: 3 });
  assert.equal(a.id, b.id);
  assert.match(a.id, /^hashing:v1:d256:s3:b18:n2:tflog:[0-9a-f]{16}$/);
  const va = await a.embed(CORPUS);
  const vb = await b.embed(CORPUS);
  assert.deepEqual(va, vb);
  for (const v of va) assert.ok(Math.abs(norm(v) - 1) < 1e-5);
});

Deno.test("hashing: vectors are identical in a separate process", async () => {
  const script = `
    import { fitHashingEmbedder } from ${
    JSON.stringify(import.meta.resolve("../../../adapters/embed/hashing.ts"))
  };
    const corpus = JSON.parse(Deno.args[0]);
    const e = fitHashingEmbedder(corpus, { seed: 11, dim: 64 });
    console.log(JSON.stringify({ id: e.id, vectors: (await e.embed(corpus)).map((v) => Array.from(v)) }));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script, JSON.stringify(CORPUS)],
    cwd: new URL("../../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const child = JSON.parse(new TextDecoder().decode(output.stdout));
  const here = fitHashingEmbedder(CORPUS, { seed: 11, dim: 64 });
  assert.equal(child.id, here.id);
  assert.deepEqual(child.vectors, (await here.embed(CORPUS)).map((v) => Array.from(v)));
});

Deno.test("hashing: texts sharing content words are closer than unrelated texts", async () => {
  const e = fitHashingEmbedder(CORPUS);
  const [scifiA, scifiB, romA, romB, docs, horror] = await e.embed(CORPUS);
  assert.ok(cosine(scifiA, scifiB) > cosine(scifiA, romA));
  assert.ok(cosine(scifiA, scifiB) > cosine(scifiA, docs));
  assert.ok(cosine(romA, romB) > cosine(romA, horror));
  assert.ok(cosine(romA, romB) > cosine(romB, scifiB));
  // A query sharing words with one text is nearest to it.
  const [query] = await e.embed(["rogue android in space"]);
  const sims = [scifiA, scifiB, romA, romB, docs, horror].map((v) => cosine(query, v));
  assert.ok(Math.max(sims[0], sims[1]) > Math.max(...sims.slice(2)));
});

Deno.test("hashing: tokenisation lower-cases, splits on non-letters and drops stopwords", () => {
  assert.deepEqual(hashingTokens("The user's taste: Sci-Fi!"), [
    "user",
    "taste",
    null,
    "sci",
    "fi",
    null,
  ]);
  assert.deepEqual(hashingTokens("AMÉLIE (2001) was not bad"), [
    "amélie",
    null,
    "2001",
    null,
    "not",
    "bad",
  ]);
  assert.deepEqual(hashingTokens("Of the and a"), []);
  assert.deepEqual(hashingTokens("the cat", []), ["the", "cat"]);
});

Deno.test("hashing: case, stopwords and extra spacing do not change the vector", async () => {
  const e = fitHashingEmbedder(CORPUS);
  const [a, b, c, d] = await e.embed([
    "space opera",
    "The SPACE  of an\topera",
    "space. opera",
    "",
  ]);
  assert.deepEqual(a, b); // stopwords are removed before bigrams are formed
  assert.notDeepEqual(a, c); // a phrase break removes the bigram
  assert.deepEqual(d, new Float32Array(256)); // nothing to embed: zero vector
  const unigrams = fitHashingEmbedder(CORPUS, { ngrams: 1 });
  const [u1, u2] = await unigrams.embed(["space opera", "space. opera"]);
  assert.deepEqual(u1, u2);
});

Deno.test("hashing: a single feature maps to a ±1/sqrt(d) sign column", async () => {
  const e = fitHashingEmbedder(CORPUS, { ngrams: 1, dim: 100 });
  const [v] = await e.embed(["android"]);
  for (const x of v) assert.ok(Math.abs(Math.abs(x) - 0.1) < 1e-6, `|${x}| != 1/sqrt(100)`);
  const positives = v.filter((x) => x > 0).length;
  assert.ok(positives > 25 && positives < 75, `${positives} positive signs of 100`);
});

Deno.test("hashing: TF-IDF weights follow the documented formulas", async () => {
  // N = 3; df(alpha) = 3, df(beta) = 1 => idf(alpha) = ln(4/4) + 1 = 1, idf(beta) = ln(4/2) + 1.
  const e = fitHashingEmbedder(["alpha", "alpha", "alpha beta"], { ngrams: 1, dim: 64 });
  const [alpha, beta, both, alphaTwice] = await e.embed([
    "alpha",
    "beta",
    "alpha beta",
    "alpha alpha beta",
  ]);
  const expected = (tfAlpha: number) => {
    const idfBeta = Math.log(2) + 1;
    const raw = alpha.map((x, j) => tfAlpha * 1 * x + idfBeta * beta[j]);
    const n = norm(raw);
    return raw.map((x) => x / n);
  };
  const close = (got: Float32Array, want: Float32Array) =>
    got.forEach((x, j) => assert.ok(Math.abs(x - want[j]) < 1e-6, `dim ${j}: ${x} vs ${want[j]}`));
  close(both, expected(1));
  close(alphaTwice, expected(1 + Math.log(2))); // sublinear tf: 1 + ln(count)
});

Deno.test("hashing: seed and corpus change the id and the vectors", async () => {
  const a = fitHashingEmbedder(CORPUS, { seed: 1 });
  const b = fitHashingEmbedder(CORPUS, { seed: 2 });
  const c = fitHashingEmbedder(CORPUS.slice(1), { seed: 1 });
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.id, c.id);
  const [va] = await a.embed([CORPUS[0]]);
  const [vb] = await b.embed([CORPUS[0]]);
  assert.notDeepEqual(va, vb);
});

Deno.test("hashing: toJSON/fromJSON round-trips the fitted state", async () => {
  const fitted = fitHashingEmbedder(CORPUS, { dim: 32, seed: 9, stopwords: ["and", "the", "a"] });
  const restored = HashingEmbedder.fromJSON(JSON.parse(JSON.stringify(fitted)));
  assert.equal(restored.id, fitted.id);
  assert.equal(restored.dim, 32);
  assert.equal(restored.docCount, CORPUS.length);
  assert.deepEqual(await restored.embed(CORPUS), await fitted.embed(CORPUS));
});

Deno.test("hashing: bad state and options are rejected with the field named", () => {
  const state = fitHashingEmbedder(CORPUS).toJSON();
  assert.throws(() => HashingEmbedder.fromJSON({ ...state, buckets: 1000 }), /field buckets/);
  assert.throws(() => HashingEmbedder.fromJSON({ ...state, dim: -1 }), /field dim/);
  assert.throws(
    () => HashingEmbedder.fromJSON({ ...state, df: { ...state.df, counts: "AAAAAA==" } }),
    /df.buckets has \d+ entries, df.counts 1/,
  );
  assert.throws(
    () => HashingEmbedder.fromJSON({ ...state, df: { ...state.df, counts: "AAAA" } }),
    /field df.counts: 3 bytes/,
  );
  assert.throws(() => fitHashingEmbedder(CORPUS, { buckets: 3 }), /buckets must be a power of two/);
  assert.throws(() => fitHashingEmbedder(CORPUS, { stopwords: ["new york"] }), /not a token/);
  assert.throws(() => fitHashingEmbedder(["ok", 5 as unknown as string]), /corpus\[1\]/);
});

Deno.test("hashing: embed reports progress per batch and honours abort", async () => {
  const events: EmbedProgress[] = [];
  const e = fitHashingEmbedder(CORPUS, { batchSize: 4, onProgress: (p) => events.push(p) });
  const texts = Array.from({ length: 10 }, (_, i) => CORPUS[i % CORPUS.length]);
  const vectors = await e.embed(texts);
  assert.equal(vectors.length, 10);
  assert.deepEqual(events.map((p) => [p.done, p.total]), [[4, 10], [8, 10], [10, 10]]);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(e.embed(texts, controller.signal));
});
