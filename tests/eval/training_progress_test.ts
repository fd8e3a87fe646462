import assert from "node:assert/strict";
import { knowledgeExamples } from "../../eval/knowledge_examples.ts";
import { trainingProgress } from "../../eval/training_progress.ts";
import type { KnowledgeRecord } from "../../plugins/types.ts";
import { Progress } from "../../util/progress.ts";

Deno.test("training progress: the trainer's lines become one step of samples, epoch and AUC", () => {
  let t = 0;
  const lines: string[] = [];
  const progress = new Progress({
    terminal: false,
    write: (text) => lines.push(text.trimEnd()),
    now: () => t,
    intervalMs: 1000,
  });
  const training = trainingProgress(progress, "train din/r4/seed 1", { epochs: 4, samples: 1000 });
  t = 100;
  training.log("epoch 1 10% loss 0.6934 1150 samples/s"); // the step starts here
  t = 1100;
  training.log("epoch 1 50% loss 0.6900 2000 samples/s");
  t = 2100;
  training.log("epoch 1 done: loss 0.6895, 2.5 s, valid AUC 0.5572");
  t = 3100;
  training.log("epoch 2 50% loss 0.6815 4371 samples/s");
  training.log("something else");
  training.end("train din/r4/seed 1: test AUC 0.6369");
  assert.deepEqual(lines, [
    "train din/r4/seed 1: 500/4000 samples (12%), 500/s, ETA 7.0s, epoch 1/4, loss 0.6900",
    "train din/r4/seed 1: 1000/4000 samples (25%), 500/s, ETA 6.0s, epoch 1/4, loss 0.6895, " +
    "valid AUC 0.5572",
    "train din/r4/seed 1: 1500/4000 samples (37%), 500/s, ETA 5.0s, epoch 2/4, loss 0.6815, " +
    "valid AUC 0.5572",
    "train din/r4/seed 1: something else",
    "train din/r4/seed 1: test AUC 0.6369",
  ]);
});

Deno.test("training progress: a training that logged nothing ends with its line alone", () => {
  const lines: string[] = [];
  const progress = new Progress({ terminal: false, write: (text) => lines.push(text) });
  trainingProgress(progress, "train x", { epochs: 1, samples: 1 }).end("train x: done");
  assert.deepEqual(lines, ["train x: done\n"]);
});

Deno.test("knowledge examples: refined ones first, then kept ones, raw ids", () => {
  const record = (key: string, kind: "user" | "item", refined: boolean) =>
    ({
      key: `abc|${key}`,
      kind,
      first: { text: "a" },
      final: { text: refined ? "b" : "a" },
      rounds: [],
    }) as unknown as KnowledgeRecord;
  const records = [
    record("ml-1m:user:1", "user", false),
    record("ml-1m:user:2", "user", true),
    record("ml-1m:user:3", "user", false),
    record("ml-1m:user:4", "user", false),
    record("ml-1m:item:a:b", "item", true),
  ];
  assert.deepEqual(knowledgeExamples(records, 3), {
    user: [{ id: "2", refined: true }, { id: "1", refined: false }, { id: "3", refined: false }],
    item: [{ id: "a:b", refined: true }],
  });
});
