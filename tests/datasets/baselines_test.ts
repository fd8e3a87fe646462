import assert from "node:assert/strict";
import {
  baselineScores,
  type CtrDataset,
  fitRateBaselines,
  prepareDataset,
  type SampleSplit,
  statisticsFeatures,
} from "../../datasets/mod.ts";
import { auc } from "../../backbone/metrics.ts";
import { sharedData } from "../helpers.ts";

function split(rows: [number, number, number, number][], period: 0 | 1): SampleSplit {
  const n = rows.length;
  const s = {
    size: n,
    user: Int32Array.from(rows.map((r) => r[0])),
    item: Int32Array.from(rows.map((r) => r[1])),
    rating: Int32Array.from(rows.map((r) => r[2])),
    label: Float32Array.from(rows.map((r) => (r[2] > 3 ? 1 : 0))),
    position: Int32Array.from(rows.map((r) => r[3])),
    period: new Uint8Array(n).fill(period),
    attrs: new Int32Array(n),
    histItem: new Int32Array(n),
    histAttrs: new Int32Array(n),
    histRating: new Int32Array(n),
  };
  return s;
}

/** Two users, two items, by hand. Training period of user 1: 4 interactions, 3 likes. */
function tiny(): CtrDataset {
  const train = split([[1, 1, 5, 2], [1, 2, 2, 3], [2, 1, 4, 2], [2, 1, 1, 3]], 0);
  const test = split([[1, 2, 5, 4], [2, 2, 1, 4]], 1);
  return {
    domain: { itemNoun: "movie", ratingScale: [1, 5], likeThreshold: 3 },
    users: { raw: ["", "a", "b"], index: new Map() },
    items: { raw: ["", "x", "y"], index: new Map() },
    train,
    valid: split([], 0),
    test,
    trainPeriod: {
      size: 7,
      user: Int32Array.of(1, 1, 1, 1, 2, 2, 2),
      item: Int32Array.of(2, 1, 1, 2, 2, 1, 1),
      rating: Int32Array.of(4, 5, 5, 2, 1, 4, 1),
      position: Int32Array.of(0, 1, 2, 3, 1, 2, 3),
    },
  } as unknown as CtrDataset;
}

Deno.test("baselines: hand-computed prior, rates and naive Bayes", () => {
  const b = fitRateBaselines(tiny());
  const p = 2 / 4; // training targets: labels 1, 0, 1, 0
  assert.equal(b.prior, p);
  const s = baselineScores(b, tiny().test);
  const u1 = (3 + 10 * p) / (4 + 10), u2 = (1 + 10 * p) / (3 + 10);
  const i2 = (0 + 10 * p) / (1 + 10);
  assert.ok(Math.abs(s.userRate[0] - u1) < 1e-7);
  assert.ok(Math.abs(s.userRate[1] - u2) < 1e-7);
  assert.ok(Math.abs(s.itemRate[0] - i2) < 1e-7);
  const logit = (x: number) => Math.log(x / (1 - x));
  const nb = 1 / (1 + Math.exp(-(logit(u1) + logit(i2) - logit(p))));
  assert.ok(Math.abs(s.naiveBayes[0] - nb) < 1e-6);
});

Deno.test("baselines: test-period interactions change nothing (leakage)", () => {
  const a = tiny();
  const b = tiny();
  // Flip every test label and rating: the fitted counts must not move.
  b.test.label.forEach((v, k) => (b.test.label[k] = 1 - v));
  b.test.rating.fill(3);
  assert.deepEqual(fitRateBaselines(a), { ...fitRateBaselines(b), itemTargets: a.train });
  const sa = baselineScores(fitRateBaselines(a), a.test);
  const sb = baselineScores(fitRateBaselines(b), b.test);
  assert.deepEqual(sa, sb);
});

Deno.test("statistics features leave each training sample's own label out", () => {
  const d = tiny();
  const b = fitRateBaselines(d);
  const f = statisticsFeatures(b, d.train);
  const p = b.prior;
  // Sample 0: user 1 (4 in period, 3 likes) minus itself (a like) -> 2 likes of 3.
  assert.ok(Math.abs(f.user.data[0] - (2 + 10 * p) / (3 + 10)) < 1e-7);
  // Item 1 training targets: labels 1 (sample 0), 1, 0 -> without sample 0: 1 like of 2.
  assert.ok(Math.abs(f.item.data[0] - (1 + 10 * p) / (2 + 10)) < 1e-7);
  const t = statisticsFeatures(b, d.test);
  assert.ok(Math.abs(t.user.data[0] - (3 + 10 * p) / (4 + 10)) < 1e-7);
});

const ml1m = sharedData("ml-1m");

Deno.test({
  name: "baselines on ml-1m match the recorded AUCs (0.7820 / 0.6864 / 0.7354, +-0.002)",
  ignore: ml1m === undefined,
  async fn() {
    const { dataset } = await prepareDataset({
      dataset: "ml-1m",
      dataDir: ml1m!,
      validationFraction: 0,
    });
    const s = baselineScores(fitRateBaselines(dataset), dataset.test);
    const nb = auc(dataset.test.label, s.naiveBayes);
    const ur = auc(dataset.test.label, s.userRate);
    const ir = auc(dataset.test.label, s.itemRate);
    console.log(`ml-1m test AUC: naive Bayes ${nb}, user rate ${ur}, item rate ${ir}`);
    assert.ok(Math.abs(nb - 0.7820) <= 0.002, `naive Bayes ${nb}`);
    assert.ok(Math.abs(ur - 0.6864) <= 0.002, `user rate ${ur}`);
    assert.ok(Math.abs(ir - 0.7354) <= 0.002, `item rate ${ir}`);
  },
});
