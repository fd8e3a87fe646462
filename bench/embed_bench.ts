/**
 * `deno bench -A bench/embed_bench.ts`: throughput of the embedders on knowledge-like texts of
 * about 200 words (1,000 texts per iteration; texts/s = 1,000 / time per iteration). The texts are
 * generated deterministically: sentences of 8 to 20 words, about 45% English function words, the
 * rest drawn Zipf-like from 120 preference words and a 6,000-word long tail, like LLM-written
 * user and item profiles. Recorded results: bench/results/embed.md.
 *
 * @module
 */
import {
  cachedEmbedder,
  ENGLISH_STOPWORDS,
  fitHashingEmbedder,
  MemoryVectorCache,
  transformersEmbedder,
} from "../adapters/embed/mod.ts";

/** Deterministic texts of about `words` words each. */
export function knowledgeLikeTexts(count: number, words = 200, seed = 1): string[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const domain = (
    "user enjoys likes dislikes prefers avoids rates highly low film films movie movies drama " +
    "comedy thriller horror romance action adventure animation documentary musical western war " +
    "crime mystery fantasy science fiction classic classics recent nineties eighties seventies " +
    "director actor actress story plot pacing characters ending dialogue soundtrack visual " +
    "effects emotional dark light funny tense slow fast family children adult violent gentle " +
    "romantic epic historical period biography sports music space aliens robots detectives " +
    "heists spies superheroes zombies vampires monsters courtroom political satire parody " +
    "independent blockbuster critically acclaimed award winning popular niche cult favorite " +
    "consistently generally often rarely never strong weak preference tendency taste audience " +
    "viewers fans appeal themes tone style genre genres era rating ratings average score"
  ).split(" ");
  const tail = Array.from({ length: 6000 }, () => {
    const length = 3 + Math.floor(random() * 8);
    let word = "";
    for (let i = 0; i < length; i++) word += String.fromCharCode(97 + Math.floor(random() * 26));
    return word;
  });
  const content = () => {
    const r = random();
    return r < 0.6
      ? domain[Math.floor(random() ** 2 * domain.length)]
      : tail[Math.floor(random() ** 3 * tail.length)];
  };
  const stop = ENGLISH_STOPWORDS;
  const texts: string[] = [];
  for (let t = 0; t < count; t++) {
    const parts: string[] = [];
    let n = 0;
    while (n < words) {
      const sentence = 8 + Math.floor(random() * 13);
      const tokens: string[] = [];
      for (let i = 0; i < sentence; i++) {
        tokens.push(random() < 0.45 ? stop[Math.floor(random() ** 2 * stop.length)] : content());
      }
      tokens[0] = tokens[0][0].toUpperCase() + tokens[0].slice(1);
      parts.push(tokens.join(" ") + (random() < 0.3 ? "," : "."));
      n += sentence;
    }
    texts.push(parts.join(" "));
  }
  return texts;
}

const TEXTS = knowledgeLikeTexts(1000);
const CORPUS = knowledgeLikeTexts(10_000, 200, 2);
const hashing = fitHashingEmbedder(CORPUS);

Deno.bench({
  name: "hashing embedOne x1000 (200 words, d=256, 2^18 buckets)",
  group: "hashing",
  baseline: true,
  fn() {
    for (const text of TEXTS) hashing.embedOne(text);
  },
});

Deno.bench({
  name: "hashing embed(1000) (batched, async)",
  group: "hashing",
  async fn() {
    await hashing.embed(TEXTS);
  },
});

const hashing2p20 = fitHashingEmbedder(CORPUS, { buckets: 2 ** 20 });
Deno.bench({
  name: "hashing embedOne x1000 (d=256, 2^20 buckets)",
  group: "hashing",
  fn() {
    for (const text of TEXTS) hashing2p20.embedOne(text);
  },
});

Deno.bench({
  name: "hashing fit on 1000 texts",
  group: "hashing",
  fn() {
    fitHashingEmbedder(TEXTS);
  },
});

const cache = new MemoryVectorCache();
const cached = cachedEmbedder(hashing, cache);
await cached.embed(TEXTS);
Deno.bench({
  name: "cached embed(1000), all hits (sha-256 + lookup)",
  group: "cached",
  async fn() {
    await cached.embed(TEXTS);
  },
});

const glovePath = new URL("../../shared/models/glove-twitter-25d-avg", import.meta.url).pathname;
const glove = await transformersEmbedder(glovePath, { batchSize: 32 }).catch(() => undefined);
Deno.bench({
  name: "transformers GloVe-25d embed(1000), batch 32",
  group: "transformers",
  ignore: glove === undefined,
  n: 5,
  async fn() {
    await glove!.embed(TEXTS);
  },
});

/**
 * `deno run -A bench/embed_bench.ts`: the same hashing workload timed by process CPU time as well as
 * wall time (the machine is often shared; CPU time is what this process actually got).
 */
if (import.meta.main) {
  const { cpuUsage } = await import("node:process");
  const rounds = 10;
  for (
    const [name, embedder] of [["2^18 buckets", hashing], ["2^20 buckets", hashing2p20]] as const
  ) {
    const rates: { wall: number; cpu: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const wall0 = performance.now();
      const cpu0 = cpuUsage();
      for (const text of TEXTS) embedder.embedOne(text);
      const cpu = cpuUsage(cpu0);
      rates.push({
        wall: TEXTS.length / ((performance.now() - wall0) / 1000),
        cpu: TEXTS.length / ((cpu.user + cpu.system) / 1e6),
      });
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `hashing d=256 ${name}: median ${
        median(rates.map((r) => r.wall)).toFixed(0)
      } texts/s wall, ` +
        `${median(rates.map((r) => r.cpu)).toFixed(0)} texts/s CPU time (${rounds} x 1000 texts; ` +
        `mean ${
          (TEXTS.reduce((s, t) => s + t.split(" ").length, 0) / TEXTS.length).toFixed(0)
        } words)`,
    );
  }
  await glove?.dispose();
}
