import assert from "node:assert/strict";
import { auc, logLoss } from "../../backbone/metrics.ts";
import { SeededRandom } from "../../util/random.ts";

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

Deno.test("auc: hand-computed values with ties and exact 0/1 scores", () => {
  // Positives score 0.8, 0.3, 0.9; negatives 0.8, 0.3. Pairs (+, −): (0.8, 0.8) tie ½,
  // (0.8, 0.3) 1, (0.3, 0.8) 0, (0.3, 0.3) tie ½, (0.9, 0.8) 1, (0.9, 0.3) 1: 4 of 6.
  assert.equal(auc([1, 0, 1, 0, 1], [0.8, 0.8, 0.3, 0.3, 0.9]), 4 / 6);
  // Probabilities of exactly 0 and 1: positives {1, 0}, negatives {0, 1}:
  // (1, 0) 1, (1, 1) ½, (0, 0) ½, (0, 1) 0 → 2 of 4.
  assert.equal(auc(Float32Array.of(0, 1, 0, 1), Float32Array.of(0, 1, 1, 0)), 0.5);
  // Logits work too (any finite scale).
  assert.equal(auc([0, 1, 1], [-30, 12.5, 0]), 1);
});

Deno.test("auc: labels other than 0/1, non-finite scores, one class are errors", () => {
  assert.throws(() => auc([1, 1], [0.1, 0.2]), /both classes/);
  assert.throws(() => auc([1, 0], [NaN, 0.2]), /auc: score 0 is NaN; scores must be finite/);
  assert.throws(() => auc([1, 0], [0.2, Infinity]), /auc: score 1 is Infinity/);
  assert.throws(() => auc([1, 0], [0.3]), /auc: 2 labels but 1 scores/);
  assert.throws(() => auc([1, 2, 0], [0.1, 0.2, 0.3]), /auc: label 1 is 2; labels must be 0 or 1/);
  assert.throws(() => auc([1, -1], [0.1, 0.2]), /label 1 is -1/);
  assert.throws(() => auc([0, NaN, 1], [0.1, 0.2, 0.3]), /label 1 is NaN/);
  assert.throws(() => auc([0, 0.5, 1], [0.1, 0.2, 0.3]), /label 1 is 0.5/);
});

Deno.test("logLoss: hand-computed values, exact 0/1 probabilities and the epsilon", () => {
  // −(ln 0.9 + ln 0.8 + ln 0.5) / 3
  assert.ok(Math.abs(logLoss([1, 0, 1], [0.9, 0.2, 0.5]) - 0.34055041584399376) < 1e-15);
  // Wrong and exact: clipped to machine epsilon of the type (scikit-learn's "auto").
  // Float32Array: ε = 2⁻²³ → (−ln 2⁻²³ − ln(1 − 2⁻²³)) / 2 = (23·ln 2 + 2⁻²³ + …) / 2.
  const f32 = logLoss(Float32Array.of(1, 0), Float32Array.of(0, 0));
  assert.ok(Math.abs(f32 - 7.9711926360440195) < 1e-12, `${f32}`);
  // Plain numbers: ε = 2⁻⁵² → (52·ln 2 + 2⁻⁵²) / 2.
  assert.ok(Math.abs(logLoss([1, 0], [0, 0]) - 18.021826694558577) < 1e-12);
  // Right and exact: −ln(1 − 2⁻⁵²) ≈ 2⁻⁵² per sample.
  assert.ok(Math.abs(logLoss([1, 0], [1, 0]) - 2 ** -52) < 1e-30);
  // An explicit epsilon: (−ln 1e-7 − ln(1 − 1e-7)) / 2.
  assert.ok(Math.abs(logLoss([1, 0], [0, 0], { eps: 1e-7 }) - 8.059047875479163) < 1e-12);
  assert.equal(logLoss([1], [0], { eps: 0 }), Infinity);
});

Deno.test("logLoss: bad labels, probabilities and epsilons are errors", () => {
  assert.throws(() => logLoss([2, 0], [0.5, 0.5]), /logLoss: label 0 is 2; labels must be 0 or 1/);
  assert.throws(() => logLoss([1, -1], [0.5, 0.5]), /label 1 is -1/);
  assert.throws(() => logLoss([1, NaN], [0.5, 0.5]), /label 1 is NaN/);
  assert.throws(
    () => logLoss([1, 0], [NaN, 0.5]),
    /logLoss: probability 0 is NaN; probabilities must be finite numbers in \[0, 1\]/,
  );
  assert.throws(() => logLoss([1, 0], [0.5, Infinity]), /probability 1 is Infinity/);
  assert.throws(() => logLoss([1, 0], [1.5, 0.5]), /probability 0 is 1.5/);
  assert.throws(() => logLoss([1, 0], [0.5, -0.1]), /probability 1 is -0.1/);
  assert.throws(() => logLoss([1, 0], [0.5]), /2 labels but 1 probabilities/);
  assert.throws(() => logLoss([], []), /empty input/);
  assert.throws(() => logLoss([1], [0.5], { eps: 0.5 }), /eps must be "auto" or a number/);
  assert.throws(() => logLoss([1], [0.5], { eps: -1 }), /eps must be/);
});
