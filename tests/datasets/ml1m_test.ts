import assert from "node:assert/strict";
import { datasetStats, prepareDataset } from "../../datasets/mod.ts";
import { sharedData } from "../helpers.ts";

const dir = sharedData("ml-1m");

Deno.test({
  name: "ml-1m: prep reproduces the reference preprocessing (validation off)",
  ignore: dir === undefined,
  async fn() {
    const { dataset } = await prepareDataset({
      dataset: "ml-1m",
      dataDir: dir!,
      validationFraction: 0,
    });
    const s = datasetStats(dataset);
    assert.equal(s.train.samples, 737_358);
    assert.equal(s.test.samples, 196_411);
    assert.equal(s.valid.samples, 0);
    assert.equal(s.users, 6_040);
    assert.equal(s.items, 3_706);
    assert.equal(s.attributes, 18);
    assert.ok(Math.abs(s.train.positiveRate - 0.5717) <= 0.001, `train ${s.train.positiveRate}`);
    assert.ok(Math.abs(s.test.positiveRate - 0.5627) <= 0.001, `test ${s.test.positiveRate}`);
    // train + test = ratings - 11 history positions per user (docs/protocol.md#counts)
    assert.equal(s.train.samples + s.test.samples, 1_000_209 - 11 * 6_040);
    // A title fix of the reference: ", A (year)" moves to the front.
    assert.ok(dataset.itemInfo.some((i) => i.title === "A Bronx Tale (1993)"));
  },
});
