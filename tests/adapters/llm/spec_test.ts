import assert from "node:assert/strict";
import { llmFromSpec, parseLlmSpec } from "../../../adapters/llm/spec.ts";
import { promptText, startOpenAIServer } from "../../fixtures/openai_server.ts";

Deno.test("parseLlmSpec: the three kinds", () => {
  assert.deepEqual(parseLlmSpec("hf:Qwen/Qwen2.5-7B-Instruct"), {
    kind: "hf",
    model: "Qwen/Qwen2.5-7B-Instruct",
  });
  assert.deepEqual(parseLlmSpec("hf:m@together"), { kind: "hf", model: "m", provider: "together" });
  assert.deepEqual(parseLlmSpec("endpoint:http://127.0.0.1:8080/v1#a#b"), {
    kind: "endpoint",
    model: "b",
    url: "http://127.0.0.1:8080/v1#a",
  });
  assert.deepEqual(parseLlmSpec("local:stories260K"), { kind: "local", model: "stories260K" });
});

Deno.test("parseLlmSpec: errors name the spec, the problem and the grammar", () => {
  const grammar = "expected hf:MODEL\\[@provider\\], endpoint:URL#MODEL or local:PATH_OR_NAME$";
  const cases: [string, string][] = [
    ["gpt:4", "unknown kind"],
    ["hf:", "missing model id"],
    ["hf:m@nowhere", 'unknown provider "nowhere" \\(known: .*\\)'],
    ["endpoint:http://x", "missing #MODEL"],
    ["endpoint:nowhere#m", '"nowhere" is not a URL'],
    ["local:", "unknown kind"],
  ];
  for (const [spec, why] of cases) {
    assert.throws(
      () => parseLlmSpec(spec),
      new RegExp(`^Error: LLM spec ${JSON.stringify(spec)}: ${why}; ${grammar}`),
      spec,
    );
  }
});

Deno.test("llmFromSpec: an endpoint spec builds the HTTP generator and says what it is", async () => {
  await using server = startOpenAIServer({ fallback: () => ({ text: "hello" }) });
  const spec = `endpoint:${server.url}/v1#fake`;
  const { generator, description } = await llmFromSpec(spec);
  assert.equal(generator.id, spec);
  assert.equal(description, `LLM fake at ${server.url}/v1 (OpenAI-compatible endpoint)`);
  const result = await generator.generate({ messages: [{ role: "user", content: "hi" }] });
  assert.equal(result.text, "hello");
  assert.equal(promptText(server.requests[0]), "hi");
  const hf = await llmFromSpec(parseLlmSpec("hf:m@together"));
  assert.equal(hf.generator.id, "hf:m@together");
  assert.equal(hf.description, "LLM m via Hugging Face Inference (together)");
});
