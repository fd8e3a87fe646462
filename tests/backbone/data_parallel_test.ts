import assert from "node:assert/strict";
import { Adam } from "../../backbone/adam.ts";
import { createModel } from "../../backbone/create_model.ts";
import { DataParallel } from "../../backbone/data_parallel.ts";
import { evaluate, fit, trainStep } from "../../backbone/trainer.ts";
import type { ModelName } from "../../backbone/types.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

const SHAPE = { ...SMALL, items: 60 };
const train = syntheticInputs(SHAPE, { size: 2000, seed: 1 });
const valid = syntheticInputs(SHAPE, { size: 500, seed: 2 });

/** Largest absolute difference between two models' parameters. */
function maxDiff(a: { value: ArrayLike<number> }[], b: { value: ArrayLike<number> }[]): number {
  let d = 0;
  a.forEach((p, k) => {
    for (let i = 0; i < p.value.length; i++) {
      d = Math.max(d, Math.abs(p.value[i] - b[k].value[i]));
    }
  });
  return d;
}

// Models without batch statistics: the sum of the shards' gradients is the batch's gradient, so
// in float64 several threads take the same steps as one, up to summation order; clipping sees the
// whole gradient, and training on with the same Adam after close() continues the same run.
for (const name of ["dcn", "dcnv2", "deepfm", "autoint"] as ModelName[]) {
  Deno.test(`${name}: two and three threads take the same steps as one (float64)`, async () => {
    for (const threads of [2, 3]) {
      const config = smallConfig(SHAPE, { embedDim: 8, mlp: [16, 8], dtype: "float64", seed: 5 });
      const one = createModel(name, config), two = createModel(name, config);
      const adamOne = new Adam(one.store.params, { lr: 3e-3 });
      const adamTwo = new Adam(two.store.params, { lr: 3e-3 });
      const index = Int32Array.from({ length: train.split.size }, (_, i) => (i * 7) % 2000);
      const parallel = await DataParallel.start(two, train, { threads });
      // Batch sizes include an odd one and one smaller than the thread count; 1e-3 always clips.
      const steps: [number, number, number | undefined][] = [
        [0, 64, undefined],
        [64, 63, 1e-3],
        [127, 1, undefined],
        [128, 200, 1e-3],
        [328, 100, undefined],
      ];
      try {
        for (const [start, size, clipNorm] of steps) {
          const batch = { inputs: train, index, start, size };
          const a = trainStep(one, adamOne, batch, { clipNorm });
          const b = trainStep(two, adamTwo, batch, { clipNorm, parallel });
          assert.ok(Math.abs(a - b) < 1e-12, `${name}/${threads}: loss ${a} vs ${b}`);
        }
      } finally {
        parallel.close();
      }
      for (const p of two.store.params) {
        assert.ok(!(p.value.buffer instanceof SharedArrayBuffer), "close() unshares the values");
      }
      // Training on with the same Adam on one thread.
      for (const start of [500, 600]) {
        const batch = { inputs: train, index, start, size: 100 };
        trainStep(one, adamOne, batch);
        trainStep(two, adamTwo, batch);
      }
      const d = maxDiff(one.store.params, two.store.params);
      assert.ok(d < 1e-9, `${name}/${threads}: weights differ by ${d}`);
    }
  });
}

// In float32 the first worker updates the dense tensors (Adam's moments are in shared
// WebAssembly memory) unless clipping needs the whole gradient first: either way the steps agree
// with one thread's up to the rounding of the shard sums, also on one thread after close() and
// with a second Adam on the same group.
for (const threads of [2, 3]) {
  for (const embeddingUpdate of ["lazy", "dense"] as const) {
    Deno.test(`dcn: ${threads} threads follow one thread in float32 (${embeddingUpdate} embeddings)`, async () => {
      for (const clipNorm of [undefined, 1e-3]) {
        const config = smallConfig(SHAPE, { embedDim: 8, mlp: [16, 8], seed: 6 });
        const one = createModel("dcn", config), two = createModel("dcn", config);
        const options = { lr: 3e-3, embeddingUpdate };
        const adamOne = new Adam(one.store.params, options);
        const adamTwo = new Adam(two.store.params, options);
        const index = Int32Array.from({ length: train.split.size }, (_, i) => i);
        const parallel = await DataParallel.start(two, train, { threads });
        const steps = (from: number, to: number, a: Adam, b: Adam, group?: DataParallel) => {
          for (let start = from; start < to; start += 100) {
            const batch = { inputs: train, index, start, size: 100 };
            trainStep(one, a, batch, { clipNorm });
            trainStep(two, b, batch, { clipNorm, parallel: group });
          }
        };
        try {
          steps(0, 600, adamOne, adamTwo, parallel);
          // A second Adam on the same group, then the first again.
          const otherOne = new Adam(one.store.params, options);
          const otherTwo = new Adam(two.store.params, options);
          steps(600, 800, otherOne, otherTwo, parallel);
          steps(800, 1000, adamOne, adamTwo, parallel);
        } finally {
          parallel.close();
        }
        steps(1000, 1300, adamOne, adamTwo);
        const d = maxDiff(one.store.params, two.store.params);
        assert.ok(d > 0 && d < 1e-4, `clip ${clipNorm}: weights differ by ${d}`);
      }
    });
  }
}

Deno.test("fit with two threads is repeatable and learns, DIN included (Dice per shard, running statistics)", async () => {
  const run = async () => {
    const model = createModel("din", smallConfig(SHAPE, { seed: 42 }));
    const parallel = await DataParallel.start(model, train, { threads: 2 });
    try {
      const r = fit(model, { train, valid }, {
        epochs: 3,
        batchSize: 64,
        lr: 3e-3,
        log: false,
        parallel,
      });
      return { model, auc: r.best!.auc };
    } finally {
      parallel.close();
    }
  };
  const a = await run(), b = await run();
  assert.ok(a.auc > 0.7, `valid AUC ${a.auc}`);
  assert.equal(a.auc, b.auc);
  a.model.store.params.forEach((p, i) => assert.deepEqual(p.value, b.model.store.params[i].value));
  // The calling thread's shards kept Dice's running statistics, which evaluation reads.
  const mean = a.model.store.states.find((s) => s.name === "attention.dice0.running_mean")!;
  assert.ok(mean.value.some((v) => v !== 0), "running statistics were updated");
  a.model.store.states.forEach((s, i) => assert.deepEqual(s.value, b.model.store.states[i].value));
  assert.equal(evaluate(a.model, valid, { batchSize: 64 }).auc, a.auc);
});

Deno.test("DataParallel refuses a wrong thread count, another model, other inputs, a closed group", async () => {
  const model = createModel("dcn", smallConfig(SHAPE, { seed: 1 }));
  await assert.rejects(() => DataParallel.start(model, train, { threads: 1 }), /threads must be/);
  const parallel = await DataParallel.start(model, train, { threads: 2 });
  const other = createModel("dcn", smallConfig(SHAPE, { seed: 1 }));
  assert.throws(
    () => fit(other, { train }, { epochs: 1, log: false, parallel }),
    /started for another model/,
  );
  assert.throws(
    () => fit(model, { train: valid }, { epochs: 1, log: false, parallel }),
    /other training inputs/,
  );
  const index = Int32Array.from({ length: 64 }, (_, i) => i);
  assert.throws(
    () =>
      trainStep(other, new Adam(other.store.params, { lr: 1e-3 }), {
        inputs: train,
        index,
        start: 0,
        size: 64,
      }, { parallel }),
    /started for another model/,
  );
  parallel.close();
  assert.throws(() => fit(model, { train }, { epochs: 1, log: false, parallel }), /closed/);
});
