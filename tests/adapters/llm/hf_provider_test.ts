import assert from "node:assert/strict";
import { PROVIDERS_OR_POLICIES } from "@huggingface/inference";
import { hfGenerator } from "../../../adapters/llm/hf.ts";
import { LlmRequestError } from "../../../adapters/llm/errors.ts";

Deno.test("hfGenerator: a provider outside the client's list is refused when it is built", () => {
  assert.throws(
    () => hfGenerator({ model: "m", provider: "nope" }),
    (e) =>
      e instanceof LlmRequestError && /unknown provider "nope"; one of .*together/.test(e.message),
  );
});

Deno.test("hfGenerator: every provider or policy of the client is accepted", () => {
  for (const provider of PROVIDERS_OR_POLICIES) {
    assert.equal(hfGenerator({ model: "m", provider }).id, `hf:m@${provider}`);
  }
});
