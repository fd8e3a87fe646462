import assert from "node:assert/strict";
import { auc, logLoss } from "../../backbone/metrics.ts";
import { SeededRandom } from "../../backbone/rng.ts";

/** O(n²) pair counting: P(score+ > score−) + ½ P(tie), the definition of AUC. */
function pairAuc(labels: number[], scores: number[]): number {
  let wins = 0, pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < labels.length; j++) {
      if (labels[i] === 1 && labels[j] === 0) {
        pairs++;
        if (scores[i] > scores[j]) wins += 1;
        else if (scores[i] === scores[j]) wins += 0.5;
      }
    }
  }
  return wins / pairs;
}

Deno.test("auc equals pair counting, with many ties", () => {
  const rng = new SeededRandom(3);
  for (let trial = 0; trial < 20; trial++) {
    const n = 5 + rng.int(60);
    const labels = Array.from({ length: n }, () => (rng.uniform() < 0.4 ? 1 : 0));
    labels[0] = 1;
    labels[1] = 0;
    const scores = Array.from({ length: n }, () => rng.int(6) / 5); // coarse → ties
    assert.ok(Math.abs(auc(labels, scores) - pairAuc(labels, scores)) < 1e-12);
  }
});

Deno.test("auc: perfect, reversed, constant", () => {
  assert.equal(auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
  assert.equal(auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]), 0);
  assert.equal(auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]), 0.5);
});

Deno.test("auc: one class or NaN scores are errors", () => {
  assert.throws(() => auc([1, 1], [0.1, 0.2]), /both classes/);
  assert.throws(() => auc([1, 0], [NaN, 0.2]), /NaN/);
  assert.throws(() => auc([1, 0], [0.3]), /2 labels but 1 scores/);
});

Deno.test("logLoss: definition and clipping at 1e-7", () => {
  const want = -(Math.log(0.8) + Math.log(0.7)) / 2;
  assert.ok(Math.abs(logLoss([1, 0], [0.8, 0.3]) - want) < 1e-12);
  assert.ok(Math.abs(logLoss([1], [0]) - -Math.log(1e-7)) < 1e-9);
  const eps = 1e-3;
  assert.ok(Math.abs(logLoss([0], [1], { eps }) - -Math.log(1 - (1 - eps))) < 1e-12);
});
