import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BatchFileError,
  deferringGenerator,
  parseResultFile,
  type PendingRequests,
  readResultFiles,
  writeRequestFiles,
} from "../../../adapters/batch/mod.ts";
import { generationKey } from "../../../adapters/store/generation_key.ts";
import type { DeferredStep } from "../../../plugins/deferred.ts";
import type { TextGenerator } from "../../../plugins/types.ts";

const endpoint: TextGenerator = {
  id: "endpoint:http://127.0.0.1:9#qwen",
  kind: "llm",
  generate: () => Promise.reject(new Error("batch mode must not call the endpoint")),
};

/** `n` deferred requests of `stage`/`round`, each prompt padded to `chars` characters. */
async function deferred(n: number, chars = 10, step: DeferredStep = { stage: "reason", round: 0 }) {
  const pending: PendingRequests = new Map();
  const generator = deferringGenerator(endpoint, { model: "qwen", pending });
  for (let i = 0; i < n; i++) {
    const request = {
      messages: [{ role: "user" as const, content: `prompt ${i} `.padEnd(chars, "x") }],
      params: { maxTokens: 64, seed: 7 },
    };
    const error = await generator.generate(request).catch((e) => e);
    error.step = step;
  }
  return pending;
}

Deno.test("request files: OpenAI Batch lines keyed by the generation key, with the call's parameters", async () => {
  const dir = await Deno.makeTempDir();
  const pending = await deferred(3);
  const [file] = await writeRequestFiles(dir, pending.values());
  const lines = (await Deno.readTextFile(file.path)).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  const first = lines.find((l) => l.body.messages[0].content.startsWith("prompt 0"));
  assert.equal(
    first.custom_id,
    generationKey(endpoint.id, {
      messages: [{ role: "user", content: first.body.messages[0].content }],
      params: { maxTokens: 64, seed: 7 },
    }),
  );
  assert.deepEqual(Object.keys(first).sort(), ["body", "custom_id", "method", "url"]);
  assert.deepEqual([first.method, first.url], ["POST", "/v1/chat/completions"]);
  assert.deepEqual(
    { ...first.body, messages: undefined },
    { model: "qwen", max_tokens: 64, temperature: 0, seed: 7, messages: undefined },
  );
  assert.deepEqual([file.stage, file.round, file.model], ["reason", 0, "qwen"]);
  const again = await writeRequestFiles(dir, [...pending.values()].reverse());
  assert.equal(again[0].path, file.path, "the same requests get the same file name");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("request files: split at the request and byte limits, one group per stage and round", async () => {
  const dir = await Deno.makeTempDir();
  const byCount = await writeRequestFiles(dir, (await deferred(7)).values(), { maxRequests: 3 });
  assert.deepEqual(byCount.map((f) => f.keys.length), [3, 3, 1]);
  assert.ok(byCount.every((f) => /-00[123]\.jsonl$/.test(f.path)), byCount[0].path);
  const big = await deferred(5, 1000);
  const byBytes = await writeRequestFiles(join(dir, "b"), big.values(), { maxBytes: 2500 });
  for (const f of byBytes) assert.ok((await Deno.stat(f.path)).size <= 2500);
  assert.deepEqual(byBytes.map((f) => f.keys.length), [2, 2, 1]);
  const mixed = [
    ...(await deferred(2)).values(),
    ...(await deferred(2, 12, { stage: "reflect", round: 1 })).values(),
  ];
  const grouped = await writeRequestFiles(join(dir, "c"), mixed);
  assert.deepEqual(grouped.map((f) => `${f.stage}/${f.round}/${f.keys.length}`), [
    "reason/0/2",
    "reflect/1/2",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("result files: vLLM and OpenAI output and error lines are read into answers and errors", () => {
  const body = {
    model: "qwen-served",
    choices: [{ message: { content: "Enjoys jazz." }, finish_reason: "stop" }],
    usage: { prompt_tokens: 12, completion_tokens: 3 },
  };
  const text = [
    { id: "vllm-1", custom_id: "a", response: { status_code: 200, body }, error: null },
    { id: "r2", custom_id: "b", response: null, error: { code: "batch_expired", message: "late" } },
    { id: "r3", custom_id: "c", response: { status_code: 429, body: { error: "slow down" } } },
    { id: "r4", custom_id: "d", response: { status_code: 200, body: { object: "error" } } },
  ].map((l) => JSON.stringify(l)).join("\n") + "\n\n";
  const lines = parseResultFile(text, "out.jsonl");
  assert.deepEqual(lines[0], {
    file: "out.jsonl",
    line: 1,
    key: "a",
    outcome: {
      answer: {
        text: "Enjoys jazz.",
        usage: { prompt: 12, completion: 3 },
        model: "qwen-served",
        finishReason: "stop",
      },
    },
  });
  assert.deepEqual(lines.slice(1).map((l) => [l.key, l.line, "error" in l.outcome]), [
    ["b", 2, true],
    ["c", 3, true],
    ["d", 4, true],
  ]);
  assert.match((lines[1].outcome as { error: string }).error, /batch_expired: late/);
  assert.match((lines[2].outcome as { error: string }).error, /^status 429/);
});

Deno.test("result files: a malformed line names the file and the line", async () => {
  const good = JSON.stringify({ custom_id: "a", response: null, error: { message: "x" } });
  assert.throws(() => parseResultFile(`${good}\n{"custom_id": "b",\n`, "o.jsonl"), {
    name: "BatchFileError",
    message: /^o\.jsonl:2: not JSON/,
  });
  assert.throws(() => parseResultFile(`${good}\n${good}\n{"id": "x"}\n`, "o.jsonl"), {
    message: /^o\.jsonl:3: not a batch result line \(.* at custom_id\)/,
  });
  const request = JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions" });
  assert.throws(() => parseResultFile(request, "in.jsonl"), /in\.jsonl:1: a request line/);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "1.jsonl"), `${good}\n`);
  await Deno.writeTextFile(join(dir, "2.jsonl"), `${good}\nnot json\n`);
  await assert.rejects(readResultFiles([dir]), (e: Error) => {
    assert.ok(e instanceof BatchFileError);
    assert.equal(e.message.split(":").slice(0, 2).join(":"), `${join(dir, "2.jsonl")}:2`);
    return true;
  });
  await assert.rejects(readResultFiles([join(dir, "none.jsonl")]), /none\.jsonl: no such file/);
  await Deno.remove(dir, { recursive: true });
});
