import assert from "node:assert/strict";
import type { ConstructionRecord, SftSample } from "../../plugins/construction.ts";
import {
  summarizeConstruction,
  summarizeSftSets,
  toAlpacaRecord,
  toChatRecord,
  toReleasedRecord,
  writeSftSets,
} from "../../plugins/sft_export.ts";

function sample(
  kind: "user" | "item",
  role: "reason" | "reflect" | "refine",
  n: number,
  judgement?: "reasonable" | "not_reasonable",
): SftSample {
  return {
    kind,
    role,
    instruction: `prompt ${kind} ${role} ${n} with "quotes" and\nnewlines`,
    output: `output ${n}`,
    key: `ml-1m:${kind}:${n}:train`,
    label: (n % 2) as 0 | 1,
    teacher: "hf:Qwen/Qwen2.5-7B-Instruct",
    ...(judgement ? { judgement } : {}),
  };
}

const samples: SftSample[] = [
  sample("user", "reason", 1),
  sample("user", "reflect", 1, "reasonable"),
  sample("user", "reason", 2),
  sample("user", "reflect", 2, "reasonable"),
  sample("user", "reflect", 3, "not_reasonable"),
  sample("user", "refine", 3),
  sample("item", "reason", 4),
  sample("item", "reflect", 4, "reasonable"),
];

Deno.test("released records keep only user_id, prompt and answer", () => {
  assert.deepEqual(toReleasedRecord(sample("user", "refine", 7)), {
    user_id: "7",
    prompt: sample("user", "refine", 7).instruction,
    answer: "output 7",
  });
  assert.equal(
    toReleasedRecord({ ...sample("user", "reason", 1), key: "custom" }).user_id,
    "custom",
  );
});

Deno.test("alpaca and chat records carry the prompt, the target and metadata", () => {
  const s = samples[1];
  assert.deepEqual(toAlpacaRecord(s, "ml-1m"), {
    instruction: s.instruction,
    input: "",
    output: s.output,
    dataset: "ml-1m",
    kind: "user",
    role: "reflect",
    entity_id: "ml-1m:user:1:train",
    label: 1,
    teacher: "hf:Qwen/Qwen2.5-7B-Instruct",
    judgement: "reasonable",
  });
  const chat = toChatRecord(samples[0], "ml-1m");
  assert.deepEqual(chat.messages, [
    { role: "user", content: samples[0].instruction },
    { role: "assistant", content: samples[0].output },
  ]);
  assert.equal("judgement" in chat, false);
});

Deno.test("set summaries count every (kind, role), with the reflect balance", () => {
  const sets = summarizeSftSets(samples);
  const get = (kind: string, role: string) => sets.find((s) => s.kind === kind && s.role === role);
  assert.equal(sets.length, 6);
  assert.deepEqual(get("user", "reflect"), {
    kind: "user",
    role: "reflect",
    count: 3,
    reasonable: 2,
    notReasonable: 1,
    reasonableRatio: 2,
  });
  assert.equal(get("item", "refine")?.count, 0);
  assert.equal(get("item", "reflect")?.reasonableRatio, Infinity);
});

Deno.test("writeSftSets writes one JSONL file per (kind, role, format), readable line by line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "r4ec-sft-" });
  try {
    const report = await writeSftSets(samples, { dir, dataset: "ml-1m" });
    assert.equal(report.files.length, 12);
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
    assert.deepEqual(names, report.files.map((f) => f.path.slice(dir.length + 1)).sort());
    assert.ok(names.includes("ml-1m.user.reflect.alpaca.jsonl"));
    assert.ok(names.includes("ml-1m.item.refine.chat.jsonl"));
    for (const file of report.files) {
      const text = await Deno.readTextFile(file.path);
      const lines = text === "" ? [] : text.trimEnd().split("\n");
      assert.equal(lines.length, file.count, file.path);
      const want = samples.filter((s) => s.kind === file.kind && s.role === file.role);
      assert.equal(lines.length, want.length);
      lines.forEach((line, i) => {
        const record = JSON.parse(line);
        if (file.format === "alpaca") {
          assert.equal(record.instruction, want[i].instruction);
          assert.equal(record.input, "");
          assert.equal(record.output, want[i].output);
        } else {
          assert.equal(record.messages[0].content, want[i].instruction);
          assert.equal(record.messages[1].role, "assistant");
          assert.equal(record.messages[1].content, want[i].output);
        }
        assert.equal(record.entity_id, want[i].key);
        assert.equal(record.role, file.role);
      });
    }
    const onlyAlpaca = await writeSftSets(samples, {
      dir,
      dataset: "amz",
      formats: ["alpaca"],
      kinds: ["user"],
    });
    assert.deepEqual(onlyAlpaca.files.map((f) => `${f.kind}.${f.role}.${f.format}`), [
      "user.reason.alpaca",
      "user.reflect.alpaca",
      "user.refine.alpaca",
    ]);
    const released = await writeSftSets(samples, {
      dir,
      dataset: "amz",
      formats: ["released"],
      kinds: ["item"],
    });
    const lines = (await Deno.readTextFile(released.files[0].path)).trim().split("\n");
    assert.deepEqual(JSON.parse(lines[0]), {
      user_id: "4",
      prompt: samples[6].instruction,
      answer: samples[6].output,
    });
    await assert.rejects(
      () => writeSftSets(samples, { dir, dataset: "../evil" }),
      /dataset "\.\.\/evil"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summarizeConstruction totals outcomes, kept records and tokens", () => {
  const base = {
    kind: "user" as const,
    label: 1 as const,
    reason: { text: "k", author: "t", usage: { prompt: 0, completion: 0 }, latencyMs: 0 },
    latencyMs: 0,
    teacher: "t",
  };
  const records: ConstructionRecord[] = [
    {
      ...base,
      key: "a",
      outcome: "kept_reasonable",
      kept: true,
      samples: samples.slice(0, 2),
      usage: { prompt: 10, completion: 5 },
    },
    {
      ...base,
      key: "b",
      outcome: "discarded_missed_error",
      kept: false,
      samples: [],
      usage: { prompt: 7, completion: 3 },
    },
    {
      ...base,
      key: "c",
      outcome: "discarded_missed_error",
      kept: false,
      samples: [],
      usage: { prompt: 1, completion: 1 },
    },
  ];
  const summary = summarizeConstruction(records);
  assert.equal(summary.total, 3);
  assert.equal(summary.kept, 1);
  assert.deepEqual(summary.outcomes, { kept_reasonable: 1, discarded_missed_error: 2 });
  assert.deepEqual(summary.usage, { prompt: 18, completion: 9 });
  assert.equal(summary.sets.find((s) => s.role === "reflect")?.reasonable, 1);
});
