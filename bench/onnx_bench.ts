/**
 * ONNX export: parity and throughput of every backbone, without knowledge and with HEA (256-d
 * user and item knowledge, 2 shared + 6 specific experts of 128-32), on ML-1M-shaped models
 * (3707 items, 19 attribute values, history 5, embedding 32, MLP 200-80) after 30 training steps
 * at batch 256 (so Dice's running statistics and every weight are trained values).
 *
 * Parity: the largest |Δ probability| between onnxruntime-node and r4ec's `predict` over 4096
 * seeded random samples (`sampleInputs`). Throughput: samples/s of onnxruntime-node (one
 * intra-op thread, feeds built beforehand) and of r4ec's `predict` (one thread, WebAssembly SIMD
 * kernels) at batch 1 and 256, alternating the two engines for `--rounds` rounds (median kept),
 * each measurement running at least `--seconds`.
 *
 * `deno run -A bench/onnx_bench.ts --table [--rounds 3] [--seconds 0.5] [--only din]` prints the
 * table recorded in bench/results/onnx.md; `deno bench -A bench/onnx_bench.ts` runs batch-256
 * cases of DIN and DCN as Deno.bench.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import {
  Adam,
  createModel,
  type CtrInputs,
  type CtrModel,
  MODEL_NAMES,
  type ModelConfig,
  type ModelName,
  predict,
  trainStep,
} from "../backbone/mod.ts";
import { exportOnnx } from "../adapters/onnx/export.ts";
import { onnxFeeds } from "../adapters/onnx/inputs.ts";
import { checkOnnxExport, onnxSession } from "../adapters/onnx/onnxruntime.ts";
import { sampleInputs } from "../adapters/onnx/sample_inputs.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

function config(withKnowledge: boolean): ModelConfig {
  return {
    items: 3707,
    attributes: 19,
    attrFields: 1,
    historyLength: 5,
    ratingValues: 6,
    // The reference defaults (embedding 32, MLP [200, 80], seed 1234, HEA 2 + 6 experts).
    knowledge: withKnowledge ? { userDim: 256, itemDim: 256 } : undefined,
  };
}

/** A model after 30 Adam steps at batch 256 on seeded random (but valid) samples. */
function trainedModel(name: ModelName, withKnowledge: boolean): CtrModel {
  const model = createModel(name, config(withKnowledge));
  const train = sampleInputs(model.config, { size: 30 * 256, seed: 3 });
  for (let i = 0; i < train.split.size; i++) train.split.label[i] = (i * 7919) % 10 < 6 ? 1 : 0;
  const adam = new Adam(model.store.params, { lr: 1e-3 });
  const index = Int32Array.from({ length: train.split.size }, (_, i) => i);
  for (let s = 0; s < 30; s++) {
    trainStep(model, adam, { inputs: train, index, start: s * 256, size: 256 });
  }
  return model;
}

/** Samples per second of `once`, each call scoring `batch` samples, over at least `seconds`. */
async function rate(seconds: number, batch: number, once: () => Promise<void> | void) {
  await once(); // warm-up
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await once();
    calls++;
  }
  return (calls * batch) / ((performance.now() - t0) / 1000);
}

interface Engines {
  r4ec(batch: number): () => void;
  onnx(batch: number): () => Promise<void>;
  release(): Promise<void>;
}

async function engines(model: CtrModel, inputs: CtrInputs): Promise<Engines> {
  const session = await onnxSession(exportOnnx(model));
  const feedsOf = (batch: number) => {
    const all: Record<string, ort.Tensor>[] = [];
    for (let start = 0; start + batch <= Math.min(inputs.split.size, 64 * batch); start += batch) {
      const f = onnxFeeds(model.config, inputs, { start, size: batch });
      all.push(
        Object.fromEntries(
          Object.entries(f).map(([k, v]) => [k, new ort.Tensor(v.type, v.data, v.dims)]),
        ),
      );
    }
    return all;
  };
  return {
    r4ec(batch) {
      const slices: CtrInputs[] = [];
      for (
        let start = 0;
        start + batch <= Math.min(inputs.split.size, 64 * batch);
        start += batch
      ) {
        slices.push(subset(inputs, start, batch));
      }
      let i = 0;
      return () =>
        void predict(model, slices[i++ % slices.length], { batchSize: batch, validate: false });
    },
    onnx(batch) {
      const feeds = feedsOf(batch);
      let i = 0;
      return async () => {
        await session.run(feeds[i++ % feeds.length]);
      };
    },
    release: () => session.release(),
  };
}

/** Samples `[start, start + n)` of `inputs` as inputs of their own. */
function subset(inputs: CtrInputs, start: number, n: number): CtrInputs {
  const s = inputs.split, T = 5, end = start + n;
  const split = {
    ...s,
    size: n,
    user: s.user.subarray(start, end),
    position: s.position.subarray(start, end),
    item: s.item.subarray(start, end),
    attrs: s.attrs.subarray(start, end),
    histItem: s.histItem.subarray(start * T, end * T),
    histAttrs: s.histAttrs.subarray(start * T, end * T),
    histRating: s.histRating.subarray(start * T, end * T),
    rating: s.rating.subarray(start, end),
    label: s.label.subarray(start, end),
    period: s.period.subarray(start, end),
  };
  const k = (x: CtrInputs["userKnowledge"]) => x && { ...x, row: x.row.subarray(start, end) };
  return { split, userKnowledge: k(inputs.userKnowledge), itemKnowledge: k(inputs.itemKnowledge) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const k = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)}K` : Math.round(x).toString());

if (Deno.args.includes("--table")) {
  const rounds = Number(arg("rounds", "3")), seconds = Number(arg("seconds", "0.5"));
  const only = arg("only", "");
  console.log(
    "| model | knowledge | max abs Δp vs predict (4096 samples) | onnxruntime b=1 | r4ec b=1 | " +
      "ratio | onnxruntime b=256 | r4ec b=256 | ratio |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const name of MODEL_NAMES) {
    if (only && name !== only) continue;
    for (const withKnowledge of [false, true]) {
      const model = trainedModel(name, withKnowledge);
      const inputs = sampleInputs(model.config, { size: 4096, seed: 5 });
      const { maxAbsDiff } = await checkOnnxExport(model, exportOnnx(model), inputs);
      const e = await engines(model, inputs);
      const cells: number[][] = [[], [], [], []];
      for (let r = 0; r < rounds; r++) {
        cells[0].push(await rate(seconds, 1, e.onnx(1)));
        cells[1].push(await rate(seconds, 1, e.r4ec(1)));
        cells[2].push(await rate(seconds, 256, e.onnx(256)));
        cells[3].push(await rate(seconds, 256, e.r4ec(256)));
      }
      await e.release();
      const [o1, r1, o256, r256] = cells.map(median);
      console.log(
        `| ${name} | ${withKnowledge ? "HEA 256-d" : "none"} | ${maxAbsDiff.toExponential(1)} | ` +
          `${k(o1)} | ${k(r1)} | ${(o1 / r1).toFixed(2)}× | ${k(o256)} | ${k(r256)} | ` +
          `${(o256 / r256).toFixed(2)}× |`,
      );
    }
  }
} else {
  for (const name of ["din", "dcn"] as const) {
    const model = trainedModel(name, false);
    const inputs = sampleInputs(model.config, { size: 4096, seed: 5 });
    const e = await engines(model, inputs);
    const onnx = e.onnx(256), r4ec = e.r4ec(256);
    Deno.bench({ name: `${name} onnxruntime, batch 256`, group: name, fn: onnx });
    Deno.bench({ name: `${name} r4ec predict, batch 256`, group: name, baseline: true, fn: r4ec });
  }
}
