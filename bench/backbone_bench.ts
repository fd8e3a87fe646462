/**
 * Training throughput of every backbone at batch 256 on ML-1M-shaped input (3707 items,
 * 19 attribute values, 1 attribute field, history 5, ratings 1–5, embedding 32, MLP 200-80),
 * without and (DIN) with HEA knowledge (D = 256). One iteration = one training step (forward,
 * BCE, backward, Adam) on a batch of 256.
 *
 * `deno bench -A bench/backbone_bench.ts` runs the Deno.bench cases; `deno run -A
 * bench/backbone_bench.ts --table [--steps 200] [--only din] [--js] [--no-native] [--threads 2]` prints samples/s per model
 * (the figures recorded in bench/results/backbone.md); `--js` switches the WebAssembly SIMD
 * kernels and the native BLAS off, `--no-native` the system OpenBLAS only, `--threads N` trains data-parallel on N threads (`DataParallel`). `--params`
 * prints each case's parameter count as JSON (bench/torch_reference.py checks its models
 * against it).
 *
 * @module
 */
import {
  Adam,
  createModel,
  type CtrInputs,
  DataParallel,
  type ModelConfig,
  type ModelName,
  trainStep,
} from "../backbone/mod.ts";
import { SeededRandom } from "../util/random.ts";
import { useNativeBlas, useWasmKernels } from "../backbone/kernels.ts";
import process from "node:process";
import type { SampleSplit } from "../datasets/types.ts";

const SHAPE = { items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingMax: 5 };
const BATCH = 256;

function mlShapedInputs(size: number, knowledgeDim: number): CtrInputs {
  const rng = new SeededRandom(11);
  const T = SHAPE.historyLength;
  const pick = (rows: number) => 1 + rng.int(rows - 1);
  const split: SampleSplit = {
    size,
    user: Int32Array.from({ length: size }, () => pick(6041)),
    position: new Int32Array(size),
    item: Int32Array.from({ length: size }, () => pick(SHAPE.items)),
    attrs: Int32Array.from({ length: size }, () => pick(SHAPE.attributes)),
    histItem: Int32Array.from({ length: size * T }, () => pick(SHAPE.items)),
    histAttrs: Int32Array.from({ length: size * T }, () => pick(SHAPE.attributes)),
    histRating: Int32Array.from({ length: size * T }, () => 1 + rng.int(5)),
    rating: new Int32Array(size),
    label: Float32Array.from({ length: size }, () => (rng.uniform() < 0.57 ? 1 : 0)),
    period: new Uint8Array(size),
  };
  if (knowledgeDim === 0) return { split };
  const vectors = (rows: number) =>
    Float32Array.from({ length: rows * knowledgeDim }, () => rng.normal() * 0.06);
  return {
    split,
    userKnowledge: { dim: knowledgeDim, data: vectors(6041), row: split.user.slice() },
    itemKnowledge: { dim: knowledgeDim, data: vectors(SHAPE.items), row: split.item.slice() },
  };
}

function config(knowledgeDim: number): ModelConfig {
  return {
    items: SHAPE.items,
    attributes: SHAPE.attributes,
    attrFields: SHAPE.attrFields,
    historyLength: SHAPE.historyLength,
    ratingValues: SHAPE.ratingMax + 1,
    // The reference defaults (embedding 32, MLP [200, 80], seed 1234, HEA 2 + 6 experts).
    knowledge: knowledgeDim > 0 ? { userDim: knowledgeDim, itemDim: knowledgeDim } : undefined,
  };
}

/**
 * A closure that runs one training step per call, cycling through a pool of batches, on `threads`
 * threads (data-parallel from 2); `close` stops the workers.
 */
async function stepper(
  name: ModelName,
  knowledgeDim: number,
  threads = 1,
): Promise<{ step: () => void; close: () => void }> {
  const pool = 64 * BATCH;
  const inputs = mlShapedInputs(pool, knowledgeDim);
  const model = createModel(name, config(knowledgeDim));
  const adam = new Adam(model.store.params, { lr: 5e-4 });
  const index = Int32Array.from({ length: pool }, (_, i) => i);
  const parallel = threads > 1 ? await DataParallel.start(model, inputs, { threads }) : undefined;
  let start = 0;
  return {
    step() {
      trainStep(model, adam, { inputs, index, start, size: BATCH }, { parallel });
      start = (start + BATCH) % pool;
    },
    close: () => parallel?.close(),
  };
}

const CASES: { label: string; name: ModelName; knowledgeDim: number }[] = [
  { label: "din", name: "din", knowledgeDim: 0 },
  { label: "dcn", name: "dcn", knowledgeDim: 0 },
  { label: "dcnv2", name: "dcnv2", knowledgeDim: 0 },
  { label: "deepfm", name: "deepfm", knowledgeDim: 0 },
  { label: "autoint", name: "autoint", knowledgeDim: 0 },
  { label: "xdeepfm", name: "xdeepfm", knowledgeDim: 0 },
  { label: "fibinet", name: "fibinet", knowledgeDim: 0 },
  { label: "fignn", name: "fignn", knowledgeDim: 0 },
  { label: "gru4rec", name: "gru4rec", knowledgeDim: 0 },
  { label: "dien", name: "dien", knowledgeDim: 0 },
  { label: "din+hea256", name: "din", knowledgeDim: 256 },
];

if (Deno.args.includes("--params")) {
  // Parameter counts per case, read by bench/torch_reference.py to check the models match.
  const counts = Object.fromEntries(
    CASES.map((c) => [c.label, createModel(c.name, config(c.knowledgeDim)).store.count()]),
  );
  console.log(JSON.stringify(counts));
} else if (Deno.args.includes("--table")) {
  const i = Deno.args.indexOf("--steps");
  const steps = i >= 0 ? Number(Deno.args[i + 1]) : 200;
  const only = Deno.args.indexOf("--only");
  const t = Deno.args.indexOf("--threads");
  const threads = t >= 0 ? Number(Deno.args[t + 1]) : 1;
  const cases = only >= 0 ? CASES.filter((c) => c.label === Deno.args[only + 1]) : CASES;
  const wasm = useWasmKernels(!Deno.args.includes("--js"));
  // Float32 products through the system OpenBLAS (backbone/blas_ffi.ts) when present, unless
  // --no-native (or --js).
  const native = wasm && useNativeBlas(!Deno.args.includes("--no-native"));
  const kernels = wasm ? "WebAssembly SIMD + JavaScript" : "JavaScript only";
  console.log(`kernels: ${native ? "OpenBLAS (FFI) + " : ""}${kernels}; ${threads} thread(s)\n`);
  // The machine is shared: besides wall-clock samples/s, samples per CPU-second of this process
  // (user + system, all its threads) estimates what an uncontended core would do.
  console.log(`| model | samples/s (wall) | samples per CPU-s | ms/step (wall) | steps |`);
  console.log(`|---|---|---|---|---|`);
  for (const c of cases) {
    const { step, close } = await stepper(c.name, c.knowledgeDim, threads);
    for (let w = 0; w < 100; w++) step(); // warm-up (JIT, in the workers too)
    const t0 = performance.now(), cpu0 = process.cpuUsage();
    for (let s = 0; s < steps; s++) step();
    const ms = (performance.now() - t0) / steps;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
    console.log(
      `| ${c.label} | ${Math.round((BATCH * 1000) / ms)} | ${
        Math.round((BATCH * 1000) / cpuMs)
      } | ` +
        `${ms.toFixed(2)} | ${steps} |`,
    );
    close();
  }
} else {
  for (const c of CASES) {
    const { step } = await stepper(c.name, c.knowledgeDim);
    Deno.bench({ name: `train step, batch ${BATCH}: ${c.label}`, group: "train-step", fn: step });
  }
}
